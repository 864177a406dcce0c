/**
 * Re-check the signed-in person's password (step-up before a sensitive action,
 * e.g. signing). Limited per account so that it cannot be used to guess.
 * Also: the account's name and language for documents issued to it.
 */
import { appendAudit } from '../../platform/audit/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { hitRateLimit } from '../../platform/http/index.ts';
import { verifyPassword } from './passwords.ts';
import { findAccount } from './repository.ts';

export const REVERIFY_LIMITS = { perAccount: 5, windowMs: 15 * 60_000 };

export type ReverifyResult = 'ok' | 'wrong' | 'no_password' | 'rate_limited';

export async function reverifyPassword(ctx: AppContext, input: { accountId: string; password: unknown; purpose: string; requestId?: string }): Promise<ReverifyResult> {
  const account = await findAccount(ctx.db, input.accountId);
  if (!account || account.status !== 'active') return 'wrong';
  if (!account.password_hash) return 'no_password';
  const limit = await hitRateLimit(ctx.db, `reverify:${account.id}`, REVERIFY_LIMITS.perAccount, REVERIFY_LIMITS.windowMs, ctx.clock());
  if (!limit.allowed) return 'rate_limited';
  const good = typeof input.password === 'string' && input.password.length > 0 && (await verifyPassword(account.password_hash, input.password));
  await appendAudit(ctx.db, {
    stream: `account:${account.id}`, action: good ? 'identity.step_up_passed' : 'identity.step_up_failed', actorType: account.kind, actorId: account.id,
    subjectType: 'account', subjectId: account.id, requestId: input.requestId, data: { method: 'password', purpose: input.purpose },
  });
  return good ? 'ok' : 'wrong';
}

export async function accountProfile(ctx: AppContext, accountId: string): Promise<{ name: string; email: string | null; lang: string } | undefined> {
  const a = await findAccount(ctx.db, accountId);
  if (!a) return undefined;
  const c = `account:${a.id}`;
  return { name: ctx.keys.decrypt(a.display_name_enc, c), email: a.email_enc ? ctx.keys.decrypt(a.email_enc, c) : null, lang: a.preferred_lang };
}
