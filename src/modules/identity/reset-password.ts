/** Forgotten passwords: a single-use link by email, then a new password; every other session ends. */
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { hitRateLimit } from '../../platform/http/index.ts';
import { sendIdentityEmail } from './emails.ts';
import { hashPassword } from './passwords.ts';
import { consumeEmailToken, deleteSessionsOf, findAccountByEmailHash, insertEmailToken, peekEmailToken, updateAccount } from './repository.ts';
import { checkEmail, checkNewPassword, emailIndex } from './validate.ts';

export const RESET_TOKEN_TTL_MS = 60 * 60_000;

/** Always answers the same way; an email goes out only if the account exists (at most 5 an hour per address). */
export async function requestPasswordReset(ctx: AppContext, input: { email: unknown; lang: Lang; requestId?: string }): Promise<{ errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const email = checkEmail(input.email, errors);
  if (!email) return { errors };
  const hash = emailIndex(ctx.keys, email);
  const limit = await hitRateLimit(ctx.db, `reset:${hash}`, 5, 3600_000, ctx.clock());
  if (!limit.allowed) return { errors: [] };
  await ctx.db.transaction().execute(async (trx) => {
    const account = await findAccountByEmailHash(trx, hash);
    if (!account || account.status !== 'active') return;
    const token = randomToken(32);
    await insertEmailToken(trx, { tokenHash: sha256(token), accountId: account.id, purpose: 'reset', next: null, expiresAt: nowIso(new Date(ctx.clock().getTime() + RESET_TOKEN_TTL_MS)) });
    await sendIdentityEmail(ctx, trx, { kind: 'reset', to: email, lang: input.lang, accountId: account.id, link: `${ctx.config.baseUrl}/reset-password?token=${token}` });
    await appendAudit(trx, { stream: `account:${account.id}`, action: 'identity.password_reset_requested', actorType: 'anonymous', subjectType: 'account', subjectId: account.id, requestId: input.requestId });
  });
  return { errors: [] };
}

export async function isResetTokenUsable(ctx: AppContext, token: string): Promise<boolean> {
  return !!(await peekEmailToken(ctx.db, sha256(token), 'reset', nowIso(ctx.clock())));
}

export async function resetPassword(ctx: AppContext, input: { token: string; password: unknown; requestId?: string }): Promise<{ accountId?: string; errors: FieldError[]; expired?: boolean }> {
  const errors: FieldError[] = [];
  const password = checkNewPassword(input.password, errors);
  if (!password) return { errors };
  const passwordHash = await hashPassword(password);
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso(ctx.clock());
    const t = await consumeEmailToken(trx, sha256(input.token), 'reset', now);
    if (!t) return { errors: [], expired: true };
    await updateAccount(trx, t.account_id, { password_hash: passwordHash, email_verified_at: now });
    await deleteSessionsOf(trx, t.account_id);
    await appendAudit(trx, { stream: `account:${t.account_id}`, action: 'identity.password_reset', actorType: 'citizen', actorId: t.account_id, subjectType: 'account', subjectId: t.account_id, requestId: input.requestId });
    return { accountId: t.account_id, errors: [] };
  });
}
