/**
 * Sessions live in the database (any Civitas process can serve any request).
 * The cookie holds a random token; only its hash is stored. Sessions end after
 * 30 minutes idle or 12 hours in all, and are replaced at every sign-in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { fromJson, nowIso, toJson } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Principal } from '../../platform/http/index.ts';

export type ActingFor = NonNullable<Principal['actingFor']>;
import { actingForOf, representationsOf } from './businesses.ts';
import { deleteSession, findAccount, findSession, insertSession, rolesOf, touchSession } from './repository.ts';

export const SESSION_COOKIE = 'civitas_session';
export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 3600_000;
const TOUCH_EVERY_MS = 60_000;

function cookieOptions(ctx: AppContext) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: ctx.config.secureCookies };
}

/** Start a fresh session for the account, ending the one the browser had (no fixation). */
export async function startSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, accountId: string, amr: string[] = [], actingFor: ActingFor | null = null): Promise<void> {
  const old = request.cookies[SESSION_COOKIE];
  if (old) await deleteSession(ctx.db, sha256(old));
  const token = randomToken(32);
  const now = ctx.clock();
  await insertSession(ctx.db, {
    id_hash: sha256(token), account_id: accountId, created_at: nowIso(now), last_seen_at: nowIso(now),
    expires_at: nowIso(new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS)), acting_for: actingFor ? toJson(actingFor) : null, amr: toJson(amr),
  });
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(ctx), maxAge: ABSOLUTE_TIMEOUT_MS / 1000 });
  request.principal = null;
  request.csrfBinding = `session:${sha256(token)}`;
}

/** Act for a business (or, with null, for oneself) in this session. */
export async function setActingFor(ctx: AppContext, sessionId: string, actingFor: ActingFor | null): Promise<void> {
  await ctx.db.updateTable('sessions').set({ acting_for: actingFor ? toJson(actingFor) : null }).where('id_hash', '=', sessionId).execute();
}

export async function endSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await deleteSession(ctx.db, sha256(token));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(ctx));
  request.principal = null;
}

/** onRequest hook: who is this? Sets request.principal and binds CSRF tokens to the session. */
export function sessionHook(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/assets/')) return;
    const token = request.cookies[SESSION_COOKIE];
    if (!token || token.length > 100) return;
    const idHash = sha256(token);
    const session = await findSession(ctx.db, idHash);
    const now = ctx.clock().getTime();
    if (!session || Date.parse(session.expires_at) < now || Date.parse(session.last_seen_at) + IDLE_TIMEOUT_MS < now) {
      if (session) await deleteSession(ctx.db, idHash);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(ctx));
      return;
    }
    const account = await findAccount(ctx.db, session.account_id);
    if (!account || account.status !== 'active') return;
    if (Date.parse(session.last_seen_at) + TOUCH_EVERY_MS < now) await touchSession(ctx.db, idHash, nowIso(new Date(now)));
    // acting for a business: the roles are read afresh, so a change by the business's administrator counts at once
    let actingFor = fromJson<ActingFor | null>(session.acting_for);
    if (actingFor) {
      const rep = (await representationsOf(ctx.db, account.nric_hash)).find((r) => r.uen === actingFor!.uen);
      actingFor = rep ? actingForOf(rep) : null;
    }
    const principal: Principal = {
      id: account.id,
      kind: account.kind,
      displayName: ctx.keys.decrypt(account.display_name_enc, `account:${account.id}`),
      email: account.email_enc ? ctx.keys.decrypt(account.email_enc, `account:${account.id}`) : null,
      roles: rolesOf(account),
      agencyId: account.agency_id,
      actingFor,
      sessionId: idHash,
      authMethods: fromJson<string[] | null>(session.amr) ?? [],
    };
    request.principal = principal;
    request.csrfBinding = `session:${idHash}`;
  };
}
