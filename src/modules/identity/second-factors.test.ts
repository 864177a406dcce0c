import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import {
  createCitizen, createOfficer, formAction, passkeyOptionsOnPage, recoveryCodesOnPage, secretOnPage, signInWithPassword, SoftwareAuthenticator, totpCode,
} from '../../../test/helpers/identity.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { SESSION_COOKIE } from './index.ts';

let p: TestPlatform;
let offset = 0;
const now = () => new Date(Date.now() + offset);
beforeAll(async () => { p = await createTestPlatform({}, { clock: now }); });
afterAll(async () => { await p?.close(); });

async function sessionAmr(b: FormBrowser): Promise<string[]> {
  const { sha256 } = await import('../../platform/crypto/index.ts');
  const row = await p.ctx.db.selectFrom('sessions').select('amr').where('id_hash', '=', sha256(b.cookie(SESSION_COOKIE)!)).executeTakeFirstOrThrow();
  return JSON.parse(row.amr as string);
}
const errorText = (html: string) => decode(/class="govuk-error-message">\s*<span class="govuk-visually-hidden">[^<]*<\/span>([^<]*)</.exec(html)?.[1]?.trim() ?? '');

describe('an authenticator app and recovery codes', () => {
  let secret = '';
  let codes: string[] = [];
  let id = '';

  it('is set up from the security page, with recovery codes shown once', async () => {
    id = await createCitizen(p, { email: 'ravi@example.sg', name: 'Ravi' });
    const b = new FormBrowser(p.app);
    await signInWithPassword(b, 'ravi@example.sg', 'correct horse battery');
    let res = await b.get('/account/security/totp');
    expect(h1(res.html)).toBe('Set up an authenticator app');
    expect(res.html).toMatch(/<img src="data:image\/png;base64,[\w+/=]+" width="200" height="200" alt="QR code to add Civitas to your authenticator app">/);
    secret = secretOnPage(res.html);
    res = await b.post('/account/security/totp', { code: '123' });
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('Enter the 6-digit code from your authenticator app');
    expect(secretOnPage(res.html)).toBe(secret); // the same secret until set-up is finished
    res = await b.post('/account/security/totp', { code: totpCode(secret, now()) });
    expect(h1(res.html)).toBe('Save your recovery codes');
    codes = recoveryCodesOnPage(res.html);
    expect(codes).toHaveLength(10);
    res = await b.post(/<form method="post" action="([^"]+)"/.exec(res.html)![1]!.replace(/&amp;/g, '&'));
    expect(decode(res.html)).toContain('Your authenticator app is set up.');
    // only keyed hashes of the codes are kept
    const stored = JSON.stringify(await p.ctx.db.selectFrom('recovery_codes').selectAll().execute());
    for (const c of codes) expect(stored).not.toContain(c.replace('-', ''));
    expect(JSON.stringify(await p.ctx.db.selectFrom('totp_factors').selectAll().execute())).not.toContain(secret);
  });

  it('is then asked for after the password; a wrong or replayed code is refused', async () => {
    const b = new FormBrowser(p.app);
    let res = await signInWithPassword(b, 'ravi@example.sg', 'correct horse battery');
    expect(h1(res.html)).toBe('Confirm it is you');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    res = await b.post(formAction(res.html, 'totp'), { code: '000000' });
    expect(res.status).toBe(422);
    expect(errorText(res.html)).toBe('The code is not right or was already used. Enter the current code from your authenticator app');
    offset += 30_000;
    const code = totpCode(secret, now());
    res = await b.post(formAction(res.html, 'totp'), { code });
    expect(res.url).toBe('/my-applications');
    expect(await sessionAmr(b)).toEqual(['pwd', 'otp']);
    // the same code again, in another browser: refused
    const c = new FormBrowser(p.app);
    res = await signInWithPassword(c, 'ravi@example.sg', 'correct horse battery');
    res = await c.post(formAction(res.html, 'totp'), { code });
    expect(errorText(res.html)).toBe('The code is not right or was already used. Enter the current code from your authenticator app');
  });

  it('accepts each recovery code once', async () => {
    const b = new FormBrowser(p.app);
    let res = await signInWithPassword(b, 'ravi@example.sg', 'correct horse battery');
    res = await b.get(/href="(\/interaction\/[\w-]+\/recovery)"/.exec(res.html)![1]!);
    expect(h1(res.html)).toBe('Use a recovery code');
    res = await b.post(formAction(res.html, 'recovery'), { code: codes[0]!.toUpperCase() });
    expect(res.url).toBe('/my-applications');
    const c = new FormBrowser(p.app);
    res = await signInWithPassword(c, 'ravi@example.sg', 'correct horse battery');
    res = await c.get(/href="(\/interaction\/[\w-]+\/recovery)"/.exec(res.html)![1]!);
    res = await c.post(formAction(res.html, 'recovery'), { code: codes[0]! });
    expect(res.status).toBe(422);
    expect(errorText(res.html)).toBe('This recovery code is not right or was already used');
  });

  it('locks the second step for 15 minutes after 5 wrong codes (the password alone is not enough)', async () => {
    offset += 60_000;
    const b = new FormBrowser(p.app);
    let res = await signInWithPassword(b, 'ravi@example.sg', 'correct horse battery');
    for (let i = 0; i < 5; i++) res = await b.post(formAction(res.html, 'totp'), { code: String(111111 + i) });
    res = await b.post(formAction(res.html, 'totp'), { code: totpCode(secret, now()) });
    expect(res.status).toBe(429);
    // (the 15-minute window began at the first wrong code, earlier in this file)
    expect(errorText(res.html)).toMatch(/^There have been too many wrong codes\. Wait 1[45] minutes and try again$/);
    offset += 16 * 60_000;
    res = await b.post(formAction(res.html, 'totp'), { code: totpCode(secret, now()) });
    expect(res.url).toBe('/my-applications');
  });

  it('records every factor change and failure in the audit log', async () => {
    const actions = (await auditTrail(p.ctx.db, `account:${id}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['identity.factor_added', 'identity.recovery_codes_created', 'identity.second_factor_failed', 'identity.recovery_code_used', 'identity.signed_in']));
  });
});

describe('passkeys', () => {
  const authenticator = new SoftwareAuthenticator(new URL('http://localhost:0').origin);

  it('are registered from the security page and sign in without a password (two factors in one)', async () => {
    const id = await createCitizen(p, { email: 'lena@example.sg', name: 'Lena' });
    const b = new FormBrowser(p.app);
    await signInWithPassword(b, 'lena@example.sg', 'correct horse battery');
    let res = await b.get('/account/security');
    const options = passkeyOptionsOnPage(res.html);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    res = await b.post('/account/security/passkeys', { credential: authenticator.register(options), name: 'phone' });
    expect(h1(res.html)).toBe('Save your recovery codes');
    expect((await b.get('/account/security')).html).toContain('phone');
    await b.get('/sign-out');

    // the sign-in page offers a passkey (discoverable: no email needed)
    const c = new FormBrowser(p.app);
    res = await c.get('/sign-in');
    expect(res.html).toContain('Sign in with a passkey');
    const auth = passkeyOptionsOnPage(res.html);
    expect(auth.allowCredentials ?? []).toEqual([]);
    res = await c.post(formAction(res.html, 'passkey'), { credential: authenticator.authenticate(auth) });
    expect(res.url).toBe('/my-applications');
    expect(await sessionAmr(c)).toEqual(['hwk', 'mfa']);
    expect((await auditTrail(p.ctx.db, `account:${id}`)).map((e) => e.action)).toContain('identity.factor_added');
  });

  it('are asked for after the password, and a forged signature or a replayed answer is refused', async () => {
    const b = new FormBrowser(p.app);
    let res = await signInWithPassword(b, 'lena@example.sg', 'correct horse battery');
    expect(h1(res.html)).toBe('Confirm it is you');
    const options = passkeyOptionsOnPage(res.html);
    expect(options.allowCredentials).toHaveLength(1);
    res = await b.post(formAction(res.html, 'passkey'), { credential: authenticator.authenticate(options, true) });
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('That passkey could not be checked. Try again, or sign in another way.');
    const fresh = passkeyOptionsOnPage(res.html);
    const answer = authenticator.authenticate(fresh);
    res = await b.post(formAction(res.html, 'passkey'), { credential: answer });
    expect(res.url).toBe('/my-applications');
    expect(await sessionAmr(b)).toEqual(['pwd', 'hwk']);
    // the same answer again (its challenge is spent)
    const c = new FormBrowser(p.app);
    res = await signInWithPassword(c, 'lena@example.sg', 'correct horse battery');
    res = await c.post(formAction(res.html, 'passkey'), { credential: answer });
    expect(res.status).toBe(422);
  });
});

describe('officers', () => {
  it('must set up a second factor at their first sign-in, then land on their agency page', async () => {
    const id = await createOfficer(p, { agency: 'msf', email: 'officer.tan@msf.example.gov', roles: ['case_officer'] });
    const b = new FormBrowser(p.app);
    let res = await signInWithPassword(b, 'officer.tan@msf.example.gov', 'officer passphrase 1');
    expect(h1(res.html)).toBe('Set up a second step for signing in');
    expect(decode(res.html)).toContain('Public officers must sign in with two steps.');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    const secret = secretOnPage(res.html);
    res = await b.post(formAction(res.html, 'enrol/totp'), { code: totpCode(secret, now()) });
    expect(h1(res.html)).toBe('Save your recovery codes');
    res = await b.post(formAction(res.html, 'continue'));
    expect(res.url).toBe('/officer');
    expect(h1(res.html)).toBe('Officer home');
    expect(await sessionAmr(b)).toEqual(['pwd', 'otp']);
    // the last second factor cannot be removed
    await b.get('/account/security');
    res = await b.post('/account/security/totp/remove');
    expect(res.status).toBe(409);
    expect(decode(res.html)).toContain('You cannot remove your last second step');
    expect((await auditTrail(p.ctx.db, `account:${id}`)).map((e) => e.action)).toEqual(expect.arrayContaining(['identity.officer_invited', 'identity.factor_added', 'identity.signed_in']));
  });

  it('have no officer rights in a session without a second factor', async () => {
    const { randomToken, sha256 } = await import('../../platform/crypto/index.ts');
    const officer = await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'wong-li-hua').executeTakeFirstOrThrow();
    const token = randomToken(32);
    const t = now().toISOString();
    await p.ctx.db.insertInto('sessions').values({ id_hash: sha256(token), account_id: officer.id, created_at: t, last_seen_at: t, expires_at: new Date(Date.now() + 3600_000).toISOString(), acting_for: null, amr: '["pwd"]' }).execute();
    const res = await p.app.inject({ url: '/officer', headers: { cookie: `${SESSION_COOKIE}=${token}`, accept: 'text/html' } });
    expect(res.statusCode).toBe(403);
    expect(decode(res.body)).toContain('Officers must sign in with a second step.');
  });

  it('as demo personas sign in with one click, without a second step, in demo mode (the only mode where personas exist)', async () => {
    const b = new FormBrowser(p.app);
    await b.get('/sign-in');
    const res = await b.post('/demo/sign-in', { persona: 'wong-li-hua' });
    expect(res.url).toBe('/officer');
    expect(await sessionAmr(b)).toEqual(['demo']);
  });
});
