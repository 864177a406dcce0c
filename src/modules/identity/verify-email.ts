/** Confirm an email address from the link sent at sign-up; the person is then signed in. */
import { sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { consumeEmailToken, peekEmailToken, updateAccount } from './repository.ts';

export async function isVerifyTokenUsable(ctx: AppContext, token: string): Promise<boolean> {
  return !!(await peekEmailToken(ctx.db, sha256(token), 'verify', nowIso(ctx.clock())));
}

export async function verifyEmail(ctx: AppContext, token: string, requestId?: string): Promise<{ accountId: string; next: string | null } | null> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso(ctx.clock());
    const t = await consumeEmailToken(trx, sha256(token), 'verify', now);
    if (!t) return null;
    await updateAccount(trx, t.account_id, { email_verified_at: now });
    await appendAudit(trx, { stream: `account:${t.account_id}`, action: 'identity.email_verified', actorType: 'citizen', actorId: t.account_id, subjectType: 'account', subjectId: t.account_id, requestId });
    return { accountId: t.account_id, next: t.next };
  });
}
