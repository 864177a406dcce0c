/**
 * The requester answers the data owner's questions (the request goes back to
 * the data owner) or withdraws the request.
 */
import { nowIso } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Exchange } from './exchange.ts';
import { assertRequester } from './access.ts';
import { appendEvent, changeRequest, findRequest } from './repository.ts';
import { nextState } from './status.ts';
import { emailDataOwners } from './notify.ts';

export async function answerRequest(ex: Exchange, p: Principal, input: { requestId: string; action: 'answer' | 'withdraw'; message: string; requestIdHttp?: string }): Promise<string> {
  const { ctx } = ex;
  return ctx.db.transaction().execute(async (trx) => {
    const r = await findRequest(trx, input.requestId);
    assertRequester(p, r!);
    const req = r!;
    const to = nextState(req.state, input.action);
    if (!to) throw new AppError('conflict', 'exchange.errors.notNow', { state: req.state });
    const message = input.message.trim();
    if (input.action === 'answer' && !message) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'message', message: 'exchange.errors.answer' }] });
    if (message.length > 4000) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'message', message: 'exchange.errors.tooLong', params: { max: 4000 } }] });
    const at = nowIso(ctx.clock());
    if (!(await changeRequest(trx, req.id, req.version, { state: to }, at))) throw new AppError('conflict', 'exchange.errors.changed');
    const type = input.action === 'answer' ? 'answered' : 'withdrawn';
    await appendEvent(trx, req.id, { type, actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, message: message || null });
    await appendAudit(trx, { stream: `exchange-request:${req.id}`, action: `exchange.request_${type}`, actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: req.id, requestId: input.requestIdHttp, at });
    if (input.action === 'answer') await emailDataOwners(ex, trx, req.providerAgencyId, 'answered', { id: req.id, reference: req.reference, project: req.project, requesterAgencyId: req.requesterAgencyId });
    return to;
  });
}
