/**
 * The API key (or OAuth client id and secret) an approval provisioned is shown once, to an officer of the
 * requesting agency: revealing it erases the stored (encrypted) copy, records
 * who saw it, and from then on only its prefix is shown.
 */
import { nowIso } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Exchange } from './exchange.ts';
import { assertRequester } from './access.ts';
import { appendEvent, findRequest } from './repository.ts';

export interface Credential { kind: 'api_key' | 'oauth_client'; prefix: string; revealedAt: string | null; revealedBy: string | null; available: boolean }
export type RevealedCredential = { kind: 'api_key'; key: string } | { kind: 'oauth_client'; clientId: string; clientSecret: string };

export async function credentialOf(ex: Exchange, requestId: string): Promise<Credential | null> {
  const c: any = await ex.ctx.db.selectFrom('exchange_credentials').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return c ? { kind: String(c.api_key_id).startsWith('oauth:') ? 'oauth_client' : 'api_key', prefix: c.prefix, revealedAt: c.revealed_at, revealedBy: c.revealed_by, available: !!c.secret_enc } : null;
}

export async function revealCredential(ex: Exchange, p: Principal, requestId: string, requestIdHttp?: string): Promise<RevealedCredential> {
  const { ctx } = ex;
  return ctx.db.transaction().execute(async (trx) => {
    const r = await findRequest(trx, requestId);
    assertRequester(p, r!);
    if (r!.state !== 'approved') throw new AppError('conflict', 'exchange.errors.notNow', { state: r!.state });
    const c: any = await trx.selectFrom('exchange_credentials').selectAll().where('request_id', '=', requestId).executeTakeFirst();
    if (!c?.secret_enc) throw new AppError('gone', 'exchange.errors.credentialShown');
    const at = nowIso(ctx.clock());
    const done = await trx.updateTable('exchange_credentials').set({ secret_enc: null, revealed_at: at, revealed_by: p.id }).where('request_id', '=', requestId).where('secret_enc', 'is not', null).executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw new AppError('gone', 'exchange.errors.credentialShown');
    await appendEvent(trx, requestId, { type: 'credential_revealed', actorType: 'officer', actorId: p.id, actorAgencyId: p.agencyId, at, data: { keyPrefix: c.prefix } });
    await appendAudit(trx, { stream: `exchange-request:${requestId}`, action: 'exchange.credential_revealed', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'exchange_request', subjectId: requestId, requestId: requestIdHttp, at });
    return JSON.parse(ctx.keys.decrypt(c.secret_enc, `exchange-credential:${requestId}`)) as RevealedCredential;
  });
}
