/**
 * The first factor: email and password (a step of the provider's sign-in
 * page; the session starts when the provider has answered). Every failure reads the same ("enter a
 * correct email address and password"); attempts are limited per address and
 * per network address, whether or not an account exists, so nothing can be
 * learned by trying.
 */
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { clearRateLimit, hitRateLimit } from '../../platform/http/index.ts';
import { sendIdentityEmail } from './emails.ts';
import { verifyPassword } from './passwords.ts';
import { findAccountByEmailHash, insertEmailToken } from './repository.ts';
import { VERIFY_TOKEN_TTL_MS } from './sign-up.ts';
import { checkEmail, emailIndex } from './validate.ts';

export const SIGN_IN_LIMITS = { perEmail: 10, perIp: 50, windowMs: 15 * 60_000 };

export type SignInResult =
  | { ok: true; accountId: string }
  | { ok: false; errors: FieldError[]; retryAfterSeconds?: number; unverified?: boolean };

export async function signIn(ctx: AppContext, input: { email: unknown; password: unknown; ip: string; lang: Lang; next: string | null; requestId?: string }): Promise<SignInResult> {
  const errors: FieldError[] = [];
  const email = checkEmail(input.email, errors);
  const password = typeof input.password === 'string' ? input.password : '';
  if (!password) errors.push({ field: 'password', message: 'identity.errors.passwordMissing' });
  if (errors.length || !email) return { ok: false, errors };

  const hash = emailIndex(ctx.keys, email);
  const now = ctx.clock();
  const byIp = await hitRateLimit(ctx.db, `sign-in:ip:${sha256(input.ip)}`, SIGN_IN_LIMITS.perIp, SIGN_IN_LIMITS.windowMs, now);
  const byEmail = await hitRateLimit(ctx.db, `sign-in:email:${hash}`, SIGN_IN_LIMITS.perEmail, SIGN_IN_LIMITS.windowMs, now);
  if (!byIp.allowed || !byEmail.allowed) {
    const retryAfterSeconds = Math.max(byIp.allowed ? 0 : byIp.retryAfterSeconds, byEmail.allowed ? 0 : byEmail.retryAfterSeconds);
    await appendAudit(ctx.db, { stream: `sign-in:${hash}`, action: 'identity.sign_in_rate_limited', actorType: 'anonymous', requestId: input.requestId });
    return { ok: false, retryAfterSeconds, errors: [{ field: 'email', message: 'identity.errors.tooManyAttempts', params: { minutes: Math.ceil(retryAfterSeconds / 60) } }] };
  }

  const account = await findAccountByEmailHash(ctx.db, hash);
  const good = await verifyPassword(account?.password_hash, password);
  if (!account || !good || account.status !== 'active') {
    await appendAudit(ctx.db, { stream: account ? `account:${account.id}` : `sign-in:${hash}`, action: 'identity.sign_in_failed', actorType: 'anonymous', subjectType: account ? 'account' : null, subjectId: account?.id, requestId: input.requestId });
    return { ok: false, errors: [{ field: 'email', message: 'identity.errors.signInFailed' }] };
  }
  if (!account.email_verified_at) {
    await ctx.db.transaction().execute(async (trx) => {
      const token = randomToken(32);
      await insertEmailToken(trx, { tokenHash: sha256(token), accountId: account.id, purpose: 'verify', next: input.next, expiresAt: nowIso(new Date(now.getTime() + VERIFY_TOKEN_TTL_MS)) });
      await sendIdentityEmail(ctx, trx, { kind: 'verify', to: email, lang: input.lang, accountId: account.id, link: `${ctx.config.baseUrl}/verify-email?token=${token}` });
    });
    return { ok: false, unverified: true, errors: [] };
  }
  await clearRateLimit(ctx.db, `sign-in:email:${hash}`);
  await appendAudit(ctx.db, { stream: `account:${account.id}`, action: 'identity.password_accepted', actorType: account.kind, actorId: account.id, subjectType: 'account', subjectId: account.id, requestId: input.requestId, data: { method: 'password' } });
  return { ok: true, accountId: account.id };
}
