/**
 * OAuth clients of agency systems: the client credentials grant of Civitas's
 * own provider gives them short-lived access tokens with the scopes the agency
 * administrator allowed. The secret is shown once and stored as a hash.
 */
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { fromJson, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { API_SCOPES } from './api-keys.ts';

export interface CreatedOAuthClient { clientId: string; clientSecret: string }

export async function createOAuthClient(db: Db, input: { agencyId: string; name: string; scopes: string[]; createdBy: string | null }): Promise<CreatedOAuthClient> {
  const unknown = input.scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new AppError('validation_failed', 'identity.errors.unknownScopes', { fields: [{ field: 'scopes', message: 'identity.errors.unknownScopes', params: { scopes: unknown.join(', ') } }] });
  if (!input.scopes.length) throw new AppError('validation_failed', 'identity.errors.noScopes', { fields: [{ field: 'scopes', message: 'identity.errors.noScopes' }] });
  const clientId = `${input.agencyId}-${randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const clientSecret = randomToken(32);
  await db.insertInto('oauth_clients').values({
    client_id: clientId, agency_id: input.agencyId, name: input.name, scopes: toJson([...new Set(input.scopes)]), secret_hash: sha256(clientSecret),
    created_by: input.createdBy, created_at: nowIso(), revoked_at: null, last_used_at: null,
  }).execute();
  await appendAudit(db, { stream: `oauth-client:${clientId}`, action: 'identity.oauth_client_created', actorType: input.createdBy ? 'officer' : 'system', actorId: input.createdBy, agencyId: input.agencyId, subjectType: 'oauth_client', subjectId: clientId, data: { scopes: input.scopes, name: input.name } });
  return { clientId, clientSecret };
}

export async function revokeOAuthClient(db: Db, agencyId: string, clientId: string, by: string | null): Promise<boolean> {
  const r = await db.updateTable('oauth_clients').set({ revoked_at: nowIso() }).where('client_id', '=', clientId).where('agency_id', '=', agencyId).where('revoked_at', 'is', null).executeTakeFirst();
  const done = Number(r.numUpdatedRows) === 1;
  if (done) await appendAudit(db, { stream: `oauth-client:${clientId}`, action: 'identity.oauth_client_revoked', actorType: by ? 'officer' : 'system', actorId: by, agencyId, subjectType: 'oauth_client', subjectId: clientId });
  return done;
}

export async function listOAuthClients(db: Db, agencyId: string) {
  const rows = await db.selectFrom('oauth_clients').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').execute();
  return rows.map((r: any) => ({ clientId: r.client_id as string, name: r.name as string, scopes: fromJson<string[]>(r.scopes), createdAt: r.created_at as string, revokedAt: r.revoked_at as string | null, lastUsedAt: r.last_used_at as string | null }));
}
