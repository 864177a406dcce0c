/**
 * Authorization requests Civitas sends as a relying party (to its own provider
 * or to Singpass, Corppass, ...). Each has a random state (only its hash is
 * stored), a nonce and a PKCE verifier (encrypted), is bound to the browser
 * that started it by a cookie, expires after 30 minutes and can be used once.
 * A response with a state that is unknown, from another browser, expired or
 * already used is refused, each with its own clear message.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { nowIso, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';

export const AUTH_COOKIE = 'civitas_auth';
export const AUTH_REQUEST_TTL_MS = 30 * 60_000;

export interface AuthSecrets { nonce: string; verifier: string; dpopJwk?: Record<string, unknown> }
export type AuthPurpose = 'sign-in' | 'link' | 'preauth';

export interface AuthRequest {
  provider: string; next: string | null; interactionUid: string | null; purpose: AuthPurpose; accountId: string | null;
  actingFor: string | null; secrets: AuthSecrets; createdAt: string; expiresAt: string; usedAt: string | null;
}

export type AuthRequestProblem = 'unknown' | 'other-browser' | 'expired' | 'used';

function browserToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[AUTH_COOKIE];
  if (existing && /^[\w-]{20,64}$/.test(existing)) return existing;
  const token = randomToken(24);
  reply.setCookie(AUTH_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, maxAge: 24 * 3600 });
  request.cookies[AUTH_COOKIE] = token;
  return token;
}

export const browserHash = (request: FastifyRequest): string | null => {
  const t = request.cookies[AUTH_COOKIE];
  return t && /^[\w-]{20,64}$/.test(t) ? sha256(t) : null;
};

export async function createAuthRequest(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, r: {
  provider: string; secrets: AuthSecrets; next?: string | null; interactionUid?: string | null; purpose: AuthPurpose; accountId?: string | null; amr?: string[];
}): Promise<string> {
  const state = randomToken(24);
  const now = ctx.clock();
  await ctx.db.insertInto('auth_requests').values({
    state_hash: sha256(state), provider: r.provider, browser_hash: sha256(browserToken(ctx, request, reply)),
    secrets_enc: ctx.keys.encrypt(JSON.stringify({ ...r.secrets, amr: r.amr }), `auth-request:${sha256(state)}`),
    next: r.next ?? null, interaction_uid: r.interactionUid ?? null, purpose: r.purpose, account_id: r.accountId ?? null,
    acting_for: null, result_enc: null, created_at: nowIso(now), expires_at: nowIso(new Date(now.getTime() + AUTH_REQUEST_TTL_MS)), used_at: null,
  }).execute();
  return state;
}

function toAuthRequest(ctx: AppContext, row: any): AuthRequest & { amr?: string[] } {
  const secrets = JSON.parse(ctx.keys.decrypt(row.secrets_enc, `auth-request:${row.state_hash}`)) as AuthSecrets & { amr?: string[] };
  return {
    provider: row.provider, next: row.next, interactionUid: row.interaction_uid, purpose: row.purpose, accountId: row.account_id,
    actingFor: row.acting_for, secrets, amr: secrets.amr, createdAt: row.created_at, expiresAt: row.expires_at, usedAt: row.used_at,
  };
}

/** Look at a request without using it (the sign-in pages check what the browser started). */
export async function peekAuthRequest(ctx: AppContext, request: FastifyRequest, state: string | undefined, provider: string) {
  const bh = browserHash(request);
  if (!state || !bh) return undefined;
  const row: any = await ctx.db.selectFrom('auth_requests').selectAll().where('state_hash', '=', sha256(state)).where('provider', '=', provider).executeTakeFirst();
  if (!row || row.browser_hash !== bh || row.used_at || Date.parse(row.expires_at) < ctx.clock().getTime()) return undefined;
  return toAuthRequest(ctx, row);
}

/** Use a request once: the answer to a response carrying `state`. */
export async function takeAuthRequest(ctx: AppContext, request: FastifyRequest, state: unknown, provider: string): Promise<{ ok: true; request: AuthRequest & { amr?: string[] } } | { ok: false; problem: AuthRequestProblem }> {
  if (typeof state !== 'string' || !/^[\w-]{10,100}$/.test(state)) return { ok: false, problem: 'unknown' };
  const stateHash = sha256(state);
  const row: any = await ctx.db.selectFrom('auth_requests').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  if (!row || row.provider !== provider) return { ok: false, problem: 'unknown' };
  if (row.browser_hash !== browserHash(request)) return { ok: false, problem: 'other-browser' };
  if (row.used_at) return { ok: false, problem: 'used' };
  if (Date.parse(row.expires_at) < ctx.clock().getTime()) return { ok: false, problem: 'expired' };
  const r = await ctx.db.updateTable('auth_requests').set({ used_at: nowIso(ctx.clock()) }).where('state_hash', '=', stateHash).where('used_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return { ok: false, problem: 'used' };
  return { ok: true, request: toAuthRequest(ctx, row) };
}

/** Remember a business chosen during sign-in on the web client's request (found by its state). */
export async function setActingForOnRequest(db: Db, state: string, uen: string): Promise<void> {
  await db.updateTable('auth_requests').set({ acting_for: uen }).where('state_hash', '=', sha256(state)).execute();
}

/** An external provider's answer, kept for the sign-in page of the interaction that asked for it. */
export async function storeExternalResult(ctx: AppContext, state: string, result: unknown): Promise<void> {
  await ctx.db.updateTable('auth_requests').set({ result_enc: ctx.keys.encrypt(JSON.stringify(result), `auth-result:${sha256(state)}`) }).where('state_hash', '=', sha256(state)).execute();
}

export async function takeExternalResult<T>(ctx: AppContext, request: FastifyRequest, interactionUid: string): Promise<T | undefined> {
  const bh = browserHash(request);
  if (!bh) return undefined;
  const row: any = await ctx.db.selectFrom('auth_requests').selectAll().where('interaction_uid', '=', interactionUid).where('browser_hash', '=', bh)
    .where('result_enc', 'is not', null).orderBy('created_at', 'desc').executeTakeFirst();
  if (!row) return undefined;
  // taken once; the spent request stays (until pruned) so that a replayed response is recognised as one
  const r = await ctx.db.updateTable('auth_requests').set({ result_enc: null }).where('state_hash', '=', row.state_hash).where('result_enc', 'is not', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  return JSON.parse(ctx.keys.decrypt(row.result_enc, `auth-result:${row.state_hash}`)) as T;
}

export async function pruneAuthRequests(db: Db, now = new Date()): Promise<void> {
  await db.deleteFrom('auth_requests').where('expires_at', '<', nowIso(new Date(now.getTime() - AUTH_REQUEST_TTL_MS))).execute();
}
