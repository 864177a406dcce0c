/**
 * API keys for agency systems: created by an agency administrator or with
 * `civitas api-key create`, shown once, stored as a hash, limited to scopes,
 * revocable at once. Every authenticated call is attributed to the key's
 * agency in the audit log.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { newId, nowIso, fromJson, toJson, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { hitRateLimit } from '../../platform/http/index.ts';
import type { IdentityServices } from './services.ts';

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
 * onRequest hook for /api/: the calling agency system is identified by an API
 * key (`Bearer civ_...`) or by an access token of the built-in provider's
 * client credentials grant (`Bearer <token>`, or `DPoP <token>` with a DPoP
 * proof when the token is sender-constrained). A wrong, revoked or expired
 * credential is refused here; a missing one is left to each route's access rule.
 * Every call is attributed to the agency in the audit log.
 */
export function apiKeyHook(ctx: AppContext, identity?: Pick<IdentityServices, 'idp'>) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!request.url.startsWith('/api/')) return;
    const header = request.headers.authorization;
    if (!header) return;
    const token = /^(Bearer|DPoP)\s+([\w.~+/-]{20,200}=*)$/i.exec(header.trim());
    if (token && !token[2]!.startsWith('civ_') && identity) return oauthClient(ctx, identity, request, token[1]!, token[2]!);
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

/** An access token from the built-in provider (client credentials): its client's agency and scopes. */
async function oauthClient(ctx: AppContext, identity: Pick<IdentityServices, 'idp'>, request: FastifyRequest, scheme: string, value: string): Promise<void> {
  const provider = await identity.idp.get();
  const token = await provider.ClientCredentials.find(value) as (undefined | { clientId: string; scope?: string; exp: number; jkt?: string });
  if (!token) throw new AppError('unauthenticated', 'identity.errors.accessTokenInvalid');
  if (token.exp * 1000 <= ctx.clock().getTime()) throw new AppError('unauthenticated', 'identity.errors.accessTokenExpired');
  if (token.jkt) {
    if (scheme.toLowerCase() !== 'dpop') throw new AppError('unauthenticated', 'identity.errors.dpopRequired');
    await verifyDpopProof(ctx, request, value, token.jkt);
  } else if (scheme.toLowerCase() === 'dpop') {
    throw new AppError('unauthenticated', 'identity.errors.accessTokenInvalid');
  }
  const client: any = await ctx.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', token.clientId).where('revoked_at', 'is', null).executeTakeFirst();
  if (!client) throw new AppError('unauthenticated', 'identity.errors.accessTokenInvalid');
  request.apiClient = { keyId: `oauth:${client.client_id}`, agencyId: client.agency_id, scopes: (token.scope ?? '').split(' ').filter(Boolean), officerRole: null };
  await ctx.db.updateTable('oauth_clients').set({ last_used_at: nowIso(ctx.clock()) }).where('client_id', '=', client.client_id).execute();
  await appendAudit(ctx.db, {
    stream: `oauth-client:${client.client_id}`, action: 'api.call', actorType: 'api', actorId: client.client_id, agencyId: client.agency_id, requestId: request.id,
    data: { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], dpop: !!token.jkt },
  });
}

/** RFC 9449 proof for a sender-constrained token: signed by the key the token is bound to, for this method and URL, fresh, once. */
async function verifyDpopProof(ctx: AppContext, request: FastifyRequest, accessToken: string, jkt: string): Promise<void> {
  const proof = request.headers.dpop;
  const bad = () => new AppError('unauthenticated', 'identity.errors.dpopInvalid');
  if (typeof proof !== 'string') throw bad();
  let payload: Record<string, unknown>;
  let header: Record<string, any>;
  try {
    const r = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] });
    payload = r.payload as Record<string, unknown>;
    header = r.protectedHeader as Record<string, any>;
  } catch {
    throw bad();
  }
  const url = new URL(request.url, ctx.config.baseUrl);
  const htu = `${url.origin}${url.pathname}`;
  const now = Math.floor(ctx.clock().getTime() / 1000);
  if (payload.htm !== request.method || payload.htu !== htu || typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > 300 || typeof payload.jti !== 'string') throw bad();
  if (payload.ath !== createHash('sha256').update(accessToken).digest('base64url')) throw bad();
  if ((await calculateJwkThumbprint(header.jwk)) !== jkt) throw bad();
  const seen = await hitRateLimit(ctx.db, `dpop-jti:${sha256(payload.jti)}`, 1, 600_000, ctx.clock());
  if (!seen.allowed) throw bad();
}
