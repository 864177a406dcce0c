/** Internal notes on a case: seen only by officers of the agencies working on it, encrypted at rest. */
import { nowIso } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { isOfficerLike, type Actor, type Casework } from './casework.ts';
import { clean, mayAccess } from './act-on-case.ts';
import { findCase, insertNote } from './repository.ts';

export async function addNote(cw: Casework, input: { applicationId: string; actor: Actor; body: string | null | undefined; requestId?: string }): Promise<string> {
  const { ctx } = cw;
  const body = clean(input.body);
  return ctx.db.transaction().execute(async (trx) => {
    const c = await findCase(trx, ctx.keys, input.applicationId);
    if (!c || !isOfficerLike(input.actor) || !mayAccess(input.actor, c)) throw notFound('casework.errors.unknownCase');
    if (!body) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'note', message: 'casework.errors.needs.note' }] });
    const now = nowIso(ctx.clock());
    const id = await insertNote(trx, ctx.keys, { applicationId: c.applicationId, authorId: input.actor.id!, authorAgencyId: input.actor.agencyId!, body, at: now });
    await appendAudit(trx, { stream: `application:${c.applicationId}`, action: 'casework.note_added', actorType: input.actor.type === 'api' ? 'api' : 'officer', actorId: input.actor.id, agencyId: input.actor.agencyId, subjectType: 'application', subjectId: c.applicationId, requestId: input.requestId, at: now, data: { note: id } });
    return id;
  });
}
