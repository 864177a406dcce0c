/**
 * Second factors: an authenticator app (TOTP, RFC 6238), passkeys (WebAuthn,
 * see passkeys.ts) and single-use recovery codes. Attempts are limited per
 * account (a wrong code five times locks the second step for 15 minutes);
 * a TOTP code is accepted once; every change is audited.
 */
import QRCode from 'qrcode';
import { Secret, TOTP } from 'otpauth';
import { randomBytes } from 'node:crypto';
import { nowIso, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { hitRateLimit, peekRateLimit, type RateLimitResult } from '../../platform/http/index.ts';
import { findAccount } from './repository.ts';

export const SECOND_FACTOR_LIMIT = { attempts: 5, windowMs: 15 * 60_000 };
export const RECOVERY_CODE_COUNT = 10;

const totpFor = (secret: string, label: string) => new TOTP({ issuer: 'Civitas', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
const actorOf = (kind: string) => (kind === 'officer' ? 'officer' : 'citizen') as 'officer' | 'citizen';

export interface Factors { totp: boolean; passkeys: number; recoveryCodesLeft: number }

export async function factorsOf(db: Db, accountId: string): Promise<Factors> {
  const totp = await db.selectFrom('totp_factors').select('confirmed_at').where('account_id', '=', accountId).executeTakeFirst();
  const passkeys = await db.selectFrom('passkeys').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirst();
  const codes = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).where('used_at', 'is', null).executeTakeFirst();
  return { totp: !!totp?.confirmed_at, passkeys: Number(passkeys?.n ?? 0), recoveryCodesLeft: Number(codes?.n ?? 0) };
}

export const hasSecondFactor = (f: Factors) => f.totp || f.passkeys > 0;

/** Is the second step locked for this account (too many failures, whatever the factor)? */
export function limitSecondFactor(ctx: AppContext, accountId: string): Promise<RateLimitResult> {
  return peekRateLimit(ctx.db, `second-factor:${accountId}`, SECOND_FACTOR_LIMIT.attempts, SECOND_FACTOR_LIMIT.windowMs, ctx.clock());
}

/** Count a failed second-factor attempt. */
export async function secondFactorFailed(ctx: AppContext, accountId: string): Promise<void> {
  await hitRateLimit(ctx.db, `second-factor:${accountId}`, SECOND_FACTOR_LIMIT.attempts, SECOND_FACTOR_LIMIT.windowMs, ctx.clock());
}

// ---- TOTP -------------------------------------------------------------------

/** Start (or restart) setting up an authenticator app: a new secret, not yet confirmed. */
export async function beginTotp(ctx: AppContext, accountId: string): Promise<{ secret: string; uri: string; qr: string }> {
  const account = await findAccount(ctx.db, accountId);
  if (!account) throw new Error('no such account');
  const existing: any = await ctx.db.selectFrom('totp_factors').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  let secret: string;
  if (existing && !existing.confirmed_at) {
    secret = ctx.keys.decrypt(existing.secret_enc, `totp:${accountId}`);
  } else {
    secret = new Secret({ size: 20 }).base32;
    const row = { account_id: accountId, secret_enc: ctx.keys.encrypt(secret, `totp:${accountId}`), confirmed_at: null, last_step: null, created_at: nowIso(ctx.clock()) };
    if (existing) await ctx.db.updateTable('totp_factors').set(row).where('account_id', '=', accountId).execute();
    else await ctx.db.insertInto('totp_factors').values(row).execute();
  }
  const label = account.email_enc ? ctx.keys.decrypt(account.email_enc, `account:${accountId}`) : accountId.slice(0, 8);
  const uri = totpFor(secret, label).toString();
  return { secret, uri, qr: await QRCode.toDataURL(uri, { margin: 1, width: 200 }) };
}

/** A pending secret exists (set-up was started and not finished)? */
export async function pendingTotp(db: Db, accountId: string): Promise<boolean> {
  const r = await db.selectFrom('totp_factors').select('confirmed_at').where('account_id', '=', accountId).executeTakeFirst();
  return !!r && !r.confirmed_at;
}

export type CodeCheck = { ok: true } | { ok: false; reason: 'format' | 'wrong' | 'locked'; retryAfterSeconds?: number };

const TOTP_FORMAT = /^\d{6}$/;
export const normaliseCode = (v: unknown) => (typeof v === 'string' ? v.replace(/[\s-]/g, '') : '');

async function checkTotp(ctx: AppContext, accountId: string, code: string, confirmed: boolean, requestId?: string): Promise<CodeCheck> {
  if (!TOTP_FORMAT.test(code)) return { ok: false, reason: 'format' };
  const limit = await limitSecondFactor(ctx, accountId);
  if (!limit.allowed) return { ok: false, reason: 'locked', retryAfterSeconds: limit.retryAfterSeconds };
  const row: any = await ctx.db.selectFrom('totp_factors').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!row || !!row.confirmed_at !== confirmed) return { ok: false, reason: 'wrong' };
  const secret = ctx.keys.decrypt(row.secret_enc, `totp:${accountId}`);
  const now = ctx.clock().getTime();
  const delta = totpFor(secret, 'x').validate({ token: code, timestamp: now, window: 1 });
  const step = Math.floor(now / 30_000) + (delta ?? 0);
  // a code is accepted once: a replayed (or older) step is refused
  if (delta === null || (row.last_step !== null && step <= Number(row.last_step))) {
    await secondFactorFailed(ctx, accountId);
    await appendAudit(ctx.db, { stream: `account:${accountId}`, action: 'identity.second_factor_failed', actorType: 'anonymous', subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'totp' } });
    return { ok: false, reason: 'wrong' };
  }
  const r = await ctx.db.updateTable('totp_factors').set({ last_step: step, ...(confirmed ? {} : { confirmed_at: nowIso(ctx.clock()) }) })
    .where('account_id', '=', accountId).where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)])).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return { ok: false, reason: 'wrong' };
  return { ok: true };
}

/** Sign-in: the code from the authenticator app. */
export async function verifyTotp(ctx: AppContext, accountId: string, code: unknown, requestId?: string): Promise<CodeCheck> {
  return checkTotp(ctx, accountId, normaliseCode(code), true, requestId);
}

/** Set-up: the first code confirms the app holds the secret. */
export async function confirmTotp(ctx: AppContext, accountId: string, code: unknown, requestId?: string): Promise<CodeCheck> {
  const account = await findAccount(ctx.db, accountId);
  const result = await checkTotp(ctx, accountId, normaliseCode(code), false, requestId);
  if (result.ok) await appendAudit(ctx.db, { stream: `account:${accountId}`, action: 'identity.factor_added', actorType: actorOf(account!.kind), actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'totp' } });
  return result;
}

export async function removeTotp(ctx: AppContext, accountId: string, by: { id: string; kind: string }, requestId?: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('totp_factors').where('account_id', '=', accountId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 1) await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.factor_removed', actorType: actorOf(by.kind), actorId: by.id, subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'totp' } });
  });
}

// ---- recovery codes -----------------------------------------------------------

const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}
const codeHash = (ctx: AppContext, code: string) => ctx.keys.blindIndex('recovery-code', code.toLowerCase().replace(/[^a-z0-9]/g, ''));

/** New recovery codes (the old ones stop working). Shown once: only their keyed hashes are kept. */
export async function newRecoveryCodes(ctx: AppContext, accountId: string, by: { id: string; kind: string }, requestId?: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
    const now = nowIso(ctx.clock());
    await trx.insertInto('recovery_codes').values(codes.map((c) => ({ code_hash: codeHash(ctx, c), account_id: accountId, used_at: null, created_at: now }))).execute();
    await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.recovery_codes_created', actorType: actorOf(by.kind), actorId: by.id, subjectType: 'account', subjectId: accountId, requestId, data: { count: codes.length } });
  });
  return codes;
}

/** Sign-in with a recovery code: each works once. */
export async function useRecoveryCode(ctx: AppContext, accountId: string, code: unknown, requestId?: string): Promise<CodeCheck> {
  const c = typeof code === 'string' ? code.trim() : '';
  if (!/^[a-z0-9]{5}-?[a-z0-9]{5}$/i.test(c)) return { ok: false, reason: 'format' };
  const limit = await limitSecondFactor(ctx, accountId);
  if (!limit.allowed) return { ok: false, reason: 'locked', retryAfterSeconds: limit.retryAfterSeconds };
  const r = await ctx.db.updateTable('recovery_codes').set({ used_at: nowIso(ctx.clock()) })
    .where('code_hash', '=', codeHash(ctx, c)).where('account_id', '=', accountId).where('used_at', 'is', null).executeTakeFirst();
  const ok = Number(r.numUpdatedRows) === 1;
  if (!ok) await secondFactorFailed(ctx, accountId);
  await appendAudit(ctx.db, { stream: `account:${accountId}`, action: ok ? 'identity.recovery_code_used' : 'identity.second_factor_failed', actorType: 'anonymous', subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'recovery-code' } });
  return ok ? { ok: true } : { ok: false, reason: 'wrong' };
}

/**
 * Demo mode only: give an account a confirmed authenticator secret (so demo
 * personas can pass step-up), and show the code it would display today.
 */
export async function seedDemoTotp(ctx: AppContext, accountId: string): Promise<void> {
  if (!ctx.config.demo) throw new Error('demo authenticators exist only in demo mode');
  const existing = await ctx.db.selectFrom('totp_factors').select('account_id').where('account_id', '=', accountId).executeTakeFirst();
  if (existing) return;
  const secret = new Secret({ size: 20 }).base32;
  await ctx.db.insertInto('totp_factors').values({ account_id: accountId, secret_enc: ctx.keys.encrypt(secret, `totp:${accountId}`), confirmed_at: nowIso(ctx.clock()), last_step: null, created_at: nowIso(ctx.clock()) }).execute();
}

export async function demoTotpCode(ctx: AppContext, accountId: string): Promise<string | null> {
  if (!ctx.config.demo) return null;
  const row: any = await ctx.db.selectFrom('totp_factors').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!row?.confirmed_at) return null;
  return totpFor(ctx.keys.decrypt(row.secret_enc, `totp:${accountId}`), 'x').generate({ timestamp: ctx.clock().getTime() });
}
