/**
 * API keys for agency systems: created by an agency administrator or with
 * `civitas api-key create`, shown once, stored as a hash, limited to scopes,
 * revocable at once. Every authenticated call is attributed to the key's
 * agency in the audit log.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { newId, nowIso, fromJson, toJson, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';

/** Scopes an API key can hold. */
export const API_SCOPES = [
  'applications:read', 'applications:write', 'casework:act', 'payments:read', 'payments:write',
  'notifications:send', 'documents:read', 'registry:read', 'registry:write', 'exchange:read', 'kpi:read',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface CreatedApiKey { id: string; key: string; prefix: string }

export async function createApiKey(db: Db, input: { agencyId: string; name: string; scopes: string[]; officerRole?: string | null; createdBy?: string | null; expiresAt?: string | null }): Promise<CreatedApiKey> {
  const unknown = input.scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new AppError('validation_failed', 'identity.errors.unknownScopes', { fields: [{ field: 'scopes', message: 'identity.errors.unknownScopes', params: { scopes: unknown.join(', ') } }] });
  if (!input.scopes.length) throw new AppError('validation_failed', 'identity.errors.noScopes', { fields: [{ field: 'scopes', message: 'identity.errors.noScopes' }] });
  const id = newId();
  const secret = randomToken(32);
  const key = `civ_${secret}`;
  const prefix = key.slice(0, 12);
  await db.insertInto('api_keys').values({
    id, agency_id: input.agencyId, name: input.name, scopes: toJson([...new Set(input.scopes)]), key_hash: sha256(key), prefix,
    officer_role: input.officerRole ?? null, created_by: input.createdBy ?? null, created_at: nowIso(), expires_at: input.expiresAt ?? null, revoked_at: null, last_used_at: null,
  }).execute();
  await appendAudit(db, { stream: `api-key:${id}`, action: 'identity.api_key_created', actorType: input.createdBy ? 'officer' : 'system', actorId: input.createdBy, agencyId: input.agencyId, subjectType: 'api_key', subjectId: id, data: { scopes: input.scopes, name: input.name } });
  return { id, key, prefix };
}

export async function revokeApiKey(db: Db, id: string, by: string | null): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: nowIso() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  const done = Number(r.numUpdatedRows) === 1;
  if (done) await appendAudit(db, { stream: `api-key:${id}`, action: 'identity.api_key_revoked', actorType: by ? 'officer' : 'system', actorId: by, subjectType: 'api_key', subjectId: id });
  return done;
}

export async function listApiKeys(db: Db, agencyId: string) {
  const rows = await db.selectFrom('api_keys').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').execute();
  return rows.map((r: any) => ({ id: r.id as string, name: r.name as string, prefix: r.prefix as string, scopes: fromJson<string[]>(r.scopes), createdAt: r.created_at as string, revokedAt: r.revoked_at as string | null, lastUsedAt: r.last_used_at as string | null, expiresAt: r.expires_at as string | null }));
}

/**
 * onRequest hook for /api/: a Bearer key identifies the calling agency system.
 * A wrong, revoked or expired key is refused here; a missing key is left to
 * each route's access rule.
 */
export function apiKeyHook(ctx: AppContext) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!request.url.startsWith('/api/')) return;
    const header = request.headers.authorization;
    if (!header) return;
    const m = /^Bearer\s+(civ_[\w-]{20,80})$/.exec(header.trim());
    if (!m) throw new AppError('unauthenticated', 'identity.errors.apiKeyInvalid');
    const row: any = await ctx.db.selectFrom('api_keys').selectAll().where('key_hash', '=', sha256(m[1]!)).executeTakeFirst();
    const now = ctx.clock();
    if (!row || row.revoked_at || (row.expires_at && Date.parse(row.expires_at) < now.getTime())) throw new AppError('unauthenticated', 'identity.errors.apiKeyInvalid');
    request.apiClient = { keyId: row.id, agencyId: row.agency_id, scopes: fromJson<string[]>(row.scopes), officerRole: row.officer_role };
    await ctx.db.updateTable('api_keys').set({ last_used_at: nowIso(now) }).where('id', '=', row.id).execute();
    await appendAudit(ctx.db, {
      stream: `api-key:${row.id}`, action: 'api.call', actorType: 'api', actorId: row.id, agencyId: row.agency_id, requestId: request.id,
      data: { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0] },
    });
  };
}
