/**
 * Create an account with email and password. The answer never reveals whether
 * the address already has an account: both cases say "check your email", and
 * the owner of an existing account is told so by email instead.
 */
import { randomToken, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { sendIdentityEmail } from './emails.ts';
import { hashPassword } from './passwords.ts';
import { findAccountByEmailHash, insertAccount, insertEmailToken } from './repository.ts';
import { checkEmail, checkNewPassword, emailIndex } from './validate.ts';

export const VERIFY_TOKEN_TTL_MS = 24 * 3600_000;

export interface SignUpInput { name: unknown; email: unknown; password: unknown; lang: Lang; next: string | null; requestId?: string }

export async function signUp(ctx: AppContext, input: SignUpInput): Promise<{ errors: FieldError[]; email?: string }> {
  const errors: FieldError[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) errors.push({ field: 'name', message: 'identity.errors.nameMissing' });
  else if (name.length > 100) errors.push({ field: 'name', message: 'identity.errors.nameTooLong' });
  const email = checkEmail(input.email, errors);
  const password = checkNewPassword(input.password, errors, email);
  if (errors.length || !email || !password) return { errors };

  const passwordHash = await hashPassword(password);
  const hash = emailIndex(ctx.keys, email);
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await findAccountByEmailHash(trx, hash);
    if (existing?.email_verified_at) {
      await sendIdentityEmail(ctx, trx, { kind: 'already-registered', to: email, lang: input.lang, accountId: existing.id });
      await appendAudit(trx, { stream: `account:${existing.id}`, action: 'identity.sign_up_for_existing_email', actorType: 'anonymous', subjectType: 'account', subjectId: existing.id, requestId: input.requestId });
      return;
    }
    const accountId = existing?.id ?? await insertAccount(trx, {
      kind: 'citizen', emailEnc: null, emailHash: hash, emailVerified: false, passwordHash, displayNameEnc: '', lang: input.lang, roles: ['citizen'],
    });
    // (re)write the encrypted fields with the account id as their context
    await trx.updateTable('accounts').set({
      email_enc: ctx.keys.encrypt(email, `account:${accountId}`), display_name_enc: ctx.keys.encrypt(name, `account:${accountId}`),
      password_hash: passwordHash, preferred_lang: input.lang, updated_at: nowIso(),
    }).where('id', '=', accountId).execute();
    const token = randomToken(32);
    await insertEmailToken(trx, { tokenHash: sha256(token), accountId, purpose: 'verify', next: input.next, expiresAt: nowIso(new Date(ctx.clock().getTime() + VERIFY_TOKEN_TTL_MS)) });
    await sendIdentityEmail(ctx, trx, { kind: 'verify', to: email, lang: input.lang, accountId, name, link: `${ctx.config.baseUrl}/verify-email?token=${token}` });
    await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.signed_up', actorType: 'anonymous', subjectType: 'account', subjectId: accountId, requestId: input.requestId });
  });
  return { errors: [], email };
}
