/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registered from the account's
 * security page or while an officer sets up a second factor at sign-in; used
 * to sign in (a discoverable credential: no password needed) or as the second
 * step after a password. User verification is required, so a passkey is two
 * factors by itself. Challenges are stored server-side and used once.
 */
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { nowIso, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { findAccount } from './repository.ts';

const CHALLENGE_TTL_MS = 5 * 60_000;

const rp = (ctx: AppContext) => {
  const u = new URL(ctx.config.baseUrl);
  return { rpID: u.hostname, origin: u.origin };
};

async function saveChallenge(ctx: AppContext, key: string, challenge: string): Promise<void> {
  const expires = nowIso(new Date(ctx.clock().getTime() + CHALLENGE_TTL_MS));
  await ctx.db.insertInto('webauthn_challenges').values({ key, challenge, expires_at: expires })
    .onConflict((oc) => oc.column('key').doUpdateSet({ challenge, expires_at: expires })).execute();
}

async function takeChallenge(ctx: AppContext, key: string): Promise<string | null> {
  const row: any = await ctx.db.deleteFrom('webauthn_challenges').where('key', '=', key).returningAll().executeTakeFirst();
  if (!row || Date.parse(row.expires_at) < ctx.clock().getTime()) return null;
  return row.challenge as string;
}

export async function listPasskeys(db: Db, accountId: string) {
  const rows = await db.selectFrom('passkeys').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r: any) => ({ id: r.id as string, name: r.name as string, createdAt: r.created_at as string, lastUsedAt: r.last_used_at as string | null, transports: JSON.parse(r.transports) as string[] }));
}

/** Options for navigator.credentials.create(), remembered under `key` (a session or an interaction). */
export async function passkeyRegistrationOptions(ctx: AppContext, accountId: string, key: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const account = await findAccount(ctx.db, accountId);
  if (!account) throw new Error('no such account');
  const name = ctx.keys.decrypt(account.display_name_enc, `account:${accountId}`);
  const email = account.email_enc ? ctx.keys.decrypt(account.email_enc, `account:${accountId}`) : name;
  const existing = await listPasskeys(ctx.db, accountId);
  const options = await generateRegistrationOptions({
    rpName: 'Civitas', rpID: rp(ctx).rpID, userName: email, userDisplayName: name, userID: new TextEncoder().encode(accountId),
    attestationType: 'none', excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await saveChallenge(ctx, key, options.challenge);
  return options;
}

export type PasskeyResult = { ok: true; accountId: string; credentialId: string } | { ok: false; reason: 'malformed' | 'expired' | 'unknown' | 'failed' };

function parse<T>(raw: unknown): T | null {
  if (typeof raw !== 'string' || raw.length > 20_000) return null;
  try { return JSON.parse(raw) as T; } catch { return null; }
}

/** The browser's answer to the registration options: store the passkey. */
export async function registerPasskey(ctx: AppContext, accountId: string, key: string, raw: unknown, name: string, requestId?: string): Promise<PasskeyResult> {
  const response = parse<RegistrationResponseJSON>(raw);
  if (!response?.id || !response.response) return { ok: false, reason: 'malformed' };
  const challenge = await takeChallenge(ctx, key);
  if (!challenge) return { ok: false, reason: 'expired' };
  const { rpID, origin } = rp(ctx);
  let verified;
  try {
    verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true });
  } catch {
    return { ok: false, reason: 'failed' };
  }
  if (!verified.verified) return { ok: false, reason: 'failed' };
  const cred = verified.registrationInfo.credential;
  const account = await findAccount(ctx.db, accountId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('passkeys').values({
      id: cred.id, account_id: accountId, public_key: Buffer.from(cred.publicKey).toString('base64url'), counter: cred.counter,
      transports: JSON.stringify(cred.transports ?? response.response.transports ?? []), name: name.slice(0, 60) || 'Passkey',
      backed_up: verified.registrationInfo.credentialBackedUp ? 1 : 0, created_at: nowIso(ctx.clock()), last_used_at: null,
    }).execute();
    await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.factor_added', actorType: account?.kind === 'officer' ? 'officer' : 'citizen', actorId: accountId, subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'passkey', credential: cred.id.slice(0, 12) } });
  });
  return { ok: true, accountId, credentialId: cred.id };
}

/** Options for navigator.credentials.get(): for one account (second step) or any passkey (sign in with a passkey). */
export async function passkeyAuthenticationOptions(ctx: AppContext, key: string, accountId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = accountId ? (await listPasskeys(ctx.db, accountId)).map((c) => ({ id: c.id, transports: c.transports })) : undefined;
  const options = await generateAuthenticationOptions({ rpID: rp(ctx).rpID, allowCredentials: allow, userVerification: 'required' });
  await saveChallenge(ctx, key, options.challenge);
  return options;
}

/** Check the browser's signature; with `accountId` the passkey must be one of that account's. */
export async function verifyPasskey(ctx: AppContext, key: string, raw: unknown, accountId?: string): Promise<PasskeyResult> {
  const response = parse<AuthenticationResponseJSON>(raw);
  if (!response?.id || !response.response) return { ok: false, reason: 'malformed' };
  const challenge = await takeChallenge(ctx, key);
  if (!challenge) return { ok: false, reason: 'expired' };
  const row: any = await ctx.db.selectFrom('passkeys').selectAll().where('id', '=', response.id).executeTakeFirst();
  if (!row || (accountId && row.account_id !== accountId)) return { ok: false, reason: 'unknown' };
  const { rpID, origin } = rp(ctx);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true,
      credential: { id: row.id, publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')), counter: Number(row.counter), transports: JSON.parse(row.transports) },
    });
  } catch {
    return { ok: false, reason: 'failed' };
  }
  if (!verified.verified) return { ok: false, reason: 'failed' };
  await ctx.db.updateTable('passkeys').set({ counter: verified.authenticationInfo.newCounter, last_used_at: nowIso(ctx.clock()) }).where('id', '=', row.id).execute();
  return { ok: true, accountId: row.account_id, credentialId: row.id };
}

export async function removePasskey(ctx: AppContext, accountId: string, credentialId: string, by: { id: string; kind: string }, requestId?: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('passkeys').where('id', '=', credentialId).where('account_id', '=', accountId).executeTakeFirst();
    const done = Number(r.numDeletedRows) === 1;
    if (done) await appendAudit(trx, { stream: `account:${accountId}`, action: 'identity.factor_removed', actorType: by.kind === 'officer' ? 'officer' : 'citizen', actorId: by.id, subjectType: 'account', subjectId: accountId, requestId, data: { factor: 'passkey', credential: credentialId.slice(0, 12) } });
    return done;
  });
}
