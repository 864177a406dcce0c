/**
 * Access ends on revocation (by the data owner or the requesting agency) or
 * at the approval's end date. Either way the provisioned API key is revoked
 * in the same transaction; every process checks the key in the database on
 * each call, so the next call anywhere is refused. The key also carries the
 * end date itself, so an expired approval is refused even before the
 * periodic job has marked it.
 */
import { nowIso, type Db } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { can, type Principal } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { revokeApiKey, revokeOAuthClient } from '../identity/index.ts';
import type { Exchange } from './exchange.ts';
import { assertView } from './access.ts';
import { appendEvent, changeRequest, findRequest, toRequest, type SharingRequest } from './repository.ts';
import { nextState } from './status.ts';
import { emailRequester } from './notify.ts';

export const EXPIRY_QUEUE = 'exchange.expire';

/** Revoke the credential an approval provisioned (API key or OAuth client) and forget its unseen secret. */
async function endCredential(trx: Db, r: SharingRequest, by: string | null): Promise<void> {
  if (r.apiKeyId?.startsWith('oauth:')) await revokeOAuthClient(trx, r.requesterAgencyId, r.apiKeyId.slice('oauth:'.length), by);
  else if (r.apiKeyId) await revokeApiKey(trx, r.apiKeyId, by);
  await trx.updateTable('exchange_credentials').set({ secret_enc: null }).where('request_id', '=', r.id).execute();
}

export async function revokeAccess(ex: Exchange, p: Principal, input: { requestId: string; reason: string; requestIdHttp?: string }): Promise<void> {
  const { ctx } = ex;
  await ctx.db.transaction().execute(async (trx) => {
    const r = await findRequest(trx, input.requestId);
    assertView(p, r);
    if (!can(p, 'exchange.decide', { agencyId: r.providerAgencyId }) && !can(p, 'exchange.request', { agencyId: r.requesterAgencyId })) throw new AppError('forbidden', 'errors.forbidden');
    if (!nextState(r.state, 'revoke')) throw new AppError('conflict', 'exchange.errors.notNow', { state: r.state });
    if (!input.reason.trim()) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'reason', message: 'exchange.errors.revokeReason' }] });
    const at = nowIso(ctx.clock());
    if (!(await changeRequest(trx, r.id, r.version, { state: 'revoked' }, at))) throw new AppError('conflict', 'exchange.errors.changed');
    await endCredential(trx, r, p.id);
    await appendEvent(trx, r.id, { type: 'revoked', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, message: input.reason.trim() });
    await appendAudit(trx, { stream: `exchange-request:${r.id}`, action: 'exchange.access_revoked', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: r.id, requestId: input.requestIdHttp, at });
    if (p.agencyId !== r.requesterAgencyId) await emailRequester(ex, trx, r.requestedBy, 'revoked', { id: r.id, reference: r.reference, project: r.project, requesterAgencyId: r.requesterAgencyId });
  });
}

/** Mark approvals past their end date as expired and revoke their keys (each its own transaction; safe to run twice). */
export async function expireAccess(ex: Exchange): Promise<number> {
  const { ctx } = ex;
  const at = nowIso(ctx.clock());
  const due = (await ctx.db.selectFrom('exchange_requests').selectAll().where('state', '=', 'approved').where('access_expires_at', '<', at).limit(500).execute()).map(toRequest);
  let n = 0;
  for (const r of due) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      if (!(await changeRequest(trx, r.id, r.version, { state: 'expired' }, at))) return false;
      await endCredential(trx, r, null);
      await appendEvent(trx, r.id, { type: 'expired', actorType: 'system', at });
      await appendAudit(trx, { stream: `exchange-request:${r.id}`, action: 'exchange.access_expired', actorType: 'system', subjectType: 'exchange_request', subjectId: r.id, at });
      return true;
    });
    if (done) n++;
  }
  return n;
}

export function expiryJob(ex: Exchange): JobDefinition {
  return { queue: EXPIRY_QUEUE, async handle() { await expireAccess(ex); } };
}
