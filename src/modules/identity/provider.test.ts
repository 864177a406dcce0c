import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { createCitizen, formAction, redirectsUntil, signInWithPassword } from '../../../test/helpers/identity.ts';
import { createPlatform } from '../../main.ts';
import { createLogger } from '../../platform/log/index.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { promoteDueKeys, pruneKeys, rotateKeys, SESSION_COOKIE } from './index.ts';

const RP = { client_id: 'agency-portal', client_secret: 'a long enough client secret 0123456789', redirect_uris: ['https://portal.example.gov/callback'], client_name: 'Agency Portal', token_endpoint_auth_method: 'client_secret_basic' };
let p: TestPlatform;
let offset = 0;
let meiId = '';
beforeAll(async () => {
  p = await createTestPlatform({ CIVITAS_OIDC_CLIENTS: JSON.stringify([RP]) }, { clock: () => new Date(Date.now() + offset) });
  meiId = await createCitizen(p, { email: 'mei@example.sg', name: 'Tan Mei' });
});
afterAll(async () => { await p?.close(); });

const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');
const basic = `Basic ${Buffer.from(`${encodeURIComponent(RP.client_id)}:${encodeURIComponent(RP.client_secret)}`).toString('base64')}`;

function authorizeUrl(o: { verifier?: string; state?: string; nonce?: string; method?: string; challenge?: string | null } = {}) {
  const q = new URLSearchParams({ client_id: RP.client_id, redirect_uri: RP.redirect_uris[0]!, response_type: 'code', scope: 'openid email profile', state: o.state ?? 'st-1', nonce: o.nonce ?? 'n-1' });
  if (o.challenge !== null) { q.set('code_challenge', o.challenge ?? s256(o.verifier ?? 'v'.repeat(50))); q.set('code_challenge_method', o.method ?? 'S256'); }
  return `/oidc/auth?${q}`;
}

/** A third-party relying party's authorization code flow, through the sign-in and consent pages. */
async function codeFor(b: FormBrowser, verifier: string, nonce = 'n-1'): Promise<string> {
  await b.get(authorizeUrl({ verifier, nonce }));
  expect(h1(b.last!.html)).toBe('Sign in');
  expect(decode(b.last!.html)).toContain('Sign in to continue to Agency Portal.');
  let res = await b.post(formAction(b.last!.html, 'password'), { email: 'mei@example.sg', password: 'correct horse battery' });
  expect(h1(res.html)).toBe('Allow Agency Portal to know who you are?');
  res = await b.post(formAction(res.html, 'consent'), { decision: 'allow' }, { follow: false });
  const location = await redirectsUntil(b, res, (l) => l.startsWith('https://portal.example.gov/'));
  const u = new URL(location);
  expect(u.searchParams.get('state')).toBe('st-1');
  expect(u.searchParams.get('iss')).toBe(p.config.baseUrl);
  return u.searchParams.get('code')!;
}

const token = (body: Record<string, string>) => p.app.inject({ method: 'POST', url: '/oidc/token', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString() });

describe('the built-in OpenID provider', () => {
  it('publishes its discovery document and keys: issuer is the base URL, code flow with PKCE S256 only, PAR and DPoP offered', async () => {
    const d = (await p.app.inject('/.well-known/openid-configuration')).json();
    expect(d.issuer).toBe(p.config.baseUrl);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    expect(d.grant_types_supported).not.toContain('implicit');
    expect(d.pushed_authorization_request_endpoint).toBe(`${p.config.baseUrl}/oidc/par`);
    expect(d.dpop_signing_alg_values_supported).toContain('ES256');
    expect(d.token_endpoint).toBe(`${p.config.baseUrl}/oidc/token`);
    const jwks = (await p.app.inject(new URL(d.jwks_uri).pathname)).json();
    expect(jwks.keys.map((k: any) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(jwks.keys.every((k: any) => k.kid && k.use === 'sig' && k.d === undefined && k.p === undefined)).toBe(true);
    // the relying party's keys (for Singpass/Corppass): one to sign client assertions, one P-256 key to receive encrypted ID tokens
    const rp = (await p.app.inject('/rp/jwks.json')).json();
    expect(rp.keys.map((k: any) => `${k.use}:${k.alg}:${k.crv}`).sort()).toEqual(['enc:ECDH-ES+A256KW:P-256', 'sig:ES256:P-256']);
    expect(rp.keys.every((k: any) => k.d === undefined)).toBe(true);
  });

  it('gives a relying party a signed ID token after the person consents, and refuses the same code twice', async () => {
    const b = new FormBrowser(p.app);
    const verifier = randomBytes(32).toString('base64url');
    const code = await codeFor(b, verifier, 'nonce-42');
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: RP.redirect_uris[0]!, code_verifier: verifier });
    expect(res.statusCode).toBe(200);
    const idToken = res.json().id_token as string;
    const jwks = (await p.app.inject('/oidc/jwks')).json();
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), { issuer: p.config.baseUrl, audience: RP.client_id });
    expect(payload).toMatchObject({ nonce: 'nonce-42', email: 'mei@example.sg', name: 'Tan Mei', amr: ['pwd'], acr: 'urn:civitas:loa:1' });
    expect(decodeProtectedHeader(idToken).alg).toBe('ES256');
    // a replayed code is refused (and the grant it made is revoked)
    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: RP.redirect_uris[0]!, code_verifier: verifier });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('requires PKCE with S256, and checks the verifier', async () => {
    const b = new FormBrowser(p.app);
    for (const url of [authorizeUrl({ challenge: null }), authorizeUrl({ method: 'plain', challenge: 'x'.repeat(50) })]) {
      const res = await b.request('GET', url, undefined, {}, false);
      const l = new URL(String(res.headers.location));
      expect(l.origin + l.pathname).toBe(RP.redirect_uris[0]);
      expect(l.searchParams.get('error')).toBe('invalid_request');
      expect(l.searchParams.get('error_description')).toMatch(/PKCE|code_challenge/);
    }
    const code = await codeFor(new FormBrowser(p.app), 'right-verifier-'.repeat(4));
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: RP.redirect_uris[0]!, code_verifier: 'wrong-verifier-'.repeat(4) });
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('shows a clear Civitas page, not a stack trace, for a request it cannot redirect back', async () => {
    const res = await new FormBrowser(p.app).get('/oidc/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https://evil.example/cb');
    expect(res.status).toBe(400);
    expect(h1(res.html)).toBe('Signing in could not continue');
    expect(res.html).toContain('invalid_client');
  });
});

describe('the web app as a relying party of its own provider', () => {
  it('signs in through the provider: the session records how, and the audit log has it', async () => {
    const b = new FormBrowser(p.app);
    const res = await signInWithPassword(b, 'mei@example.sg', 'correct horse battery');
    expect(res.url).toBe('/my-applications');
    const session = await p.ctx.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(session.amr)).toEqual(['pwd']);
    expect((await auditTrail(p.ctx.db, `account:${meiId}`)).map((e) => e.action)).toEqual(expect.arrayContaining(['identity.password_accepted', 'identity.authenticated', 'identity.signed_in']));
    // signing out also ends the provider's session in this browser
    const opSession = b.cookie('civitas_op_session');
    expect(opSession).toBeTruthy();
    await b.get('/sign-out');
    expect(await p.ctx.db.selectFrom('oidc_payloads').selectAll().where('kind', '=', 'Session').where('id', '=', opSession!).execute()).toHaveLength(0);
  });

  async function toCallback(b: FormBrowser, tamper?: (authorizeUrl: string) => string): Promise<string> {
    let res = await b.request('GET', '/sign-in', undefined, {}, false);
    const authorize = String(res.headers.location);
    res = await b.request('GET', tamper ? tamper(authorize) : authorize, undefined, {}, false);
    res = await b.get(String(res.headers.location));
    res = await b.post(formAction(res.html, 'password'), { email: 'mei@example.sg', password: 'correct horse battery' }, { follow: false });
    const location = await redirectsUntil(b, res, (l) => l.includes('/sign-in/callback?'));
    const u = new URL(location, p.config.baseUrl);
    return u.pathname + u.search;
  }
  const errorOf = (html: string) => decode(/id="sign-in-error">([^<]*)</.exec(html)?.[1] ?? '');

  it('refuses a forged state, a response from another browser, a replayed response and an expired request, each with a clear message', async () => {
    const b = new FormBrowser(p.app);
    const callback = await toCallback(b);
    // forged: the state is not one this Civitas sent
    const forged = await b.get(callback.replace(/state=[^&]+/, 'state=forged-state-value-123'));
    expect(forged.status).toBe(400);
    expect(errorOf(forged.html)).toBe('This sign-in does not match one started in this browser: the address may have been copied or changed.');
    // another browser holding the response (a stolen or injected code)
    const thief = await new FormBrowser(p.app).get(callback);
    expect(errorOf(thief.html)).toBe('This sign-in was started in another browser or window. Start again in this one.');
    // the right browser: signed in, once
    expect((await b.get(callback)).url).toBe('/my-applications');
    const replay = await b.get(callback);
    expect(replay.status).toBe(400);
    expect(errorOf(replay.html)).toBe('This sign-in response has already been used. A sign-in can be completed only once.');
    // too slow: the request lives 30 minutes
    const slow = new FormBrowser(p.app);
    const late = await toCallback(slow);
    offset = 31 * 60_000;
    try {
      expect(errorOf((await slow.get(late)).html)).toBe('This sign-in took too long and has expired.');
    } finally {
      offset = 0;
    }
  });

  it('refuses an ID token with another nonce, and an expired ID token', async () => {
    const b = new FormBrowser(p.app);
    // the authorization request is changed on its way (a token minted for someone else's nonce)
    const callback = await toCallback(b, (url) => url.replace(/nonce=[^&]+/, 'nonce=someone-elses-nonce'));
    const res = await b.get(callback);
    expect(res.headers['x-civitas-sign-in-error']).toBe('nonce_mismatch');
    expect(errorOf(res.html)).toBe('The proof of your sign-in does not belong to this sign-in (the nonce does not match).');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    // the relying party's clock two hours ahead of the provider's: the ID token (10 minutes) has expired
    p.identity.web.clockSkew = 2 * 3600;
    try {
      const c = new FormBrowser(p.app);
      const expired = await c.get(await toCallback(c));
      expect(expired.headers['x-civitas-sign-in-error']).toBe('id_token_expired');
      expect(errorOf(expired.html)).toBe('The proof of your sign-in has expired.');
    } finally {
      p.identity.web.clockSkew = 0;
    }
  });

  it('times out a sign-in page left open, with a way to start again', async () => {
    const res = await new FormBrowser(p.app).get('/interaction/not-a-real-interaction');
    expect(res.status).toBe(410);
    expect(h1(res.html)).toBe('Your sign-in has timed out');
    expect(res.html).toContain('href="/sign-in"');
  });

  it('works across processes: a sign-in started on one finishes on another (provider state in the database)', async () => {
    const other = await createPlatform(p.config, { log: createLogger('silent') });
    try {
      const a = new FormBrowser(p.app);
      await a.get('/sign-in');
      const action = formAction(a.last!.html, 'password');
      const b = a.on(other.app);
      const res = await b.post(action, { email: 'mei@example.sg', password: 'correct horse battery' });
      expect(res.url).toBe('/my-applications');
      expect(h1((await b.on(p.app).get('/account')).html)).toBe('Your account');
    } finally {
      await other.close();
    }
  });
});

describe('key rotation', () => {
  const kids = async () => (await p.app.inject('/oidc/jwks')).json().keys.map((k: any) => k.kid) as string[];
  const signedWith = async () => {
    const verifier = randomBytes(32).toString('base64url');
    const res = await token({ grant_type: 'authorization_code', code: await codeFor(new FormBrowser(p.app), verifier), redirect_uri: RP.redirect_uris[0]!, code_verifier: verifier });
    return decodeProtectedHeader(res.json().id_token).kid!;
  };

  it('publishes a new key first, signs with it a minute later, keeps the old one published for a day, then drops it', async () => {
    const before = await kids();
    const oldSigner = await signedWith();
    const created = await rotateKeys(p.ctx.db, p.ctx.keys, 'op');
    await p.identity.idp.get(true);
    // published at once, beside the keys in use, which still sign
    expect(await kids()).toEqual([...before, ...created]);
    expect(await signedWith()).toBe(oldSigner);
    // a minute later (every process has seen the new keys) they sign
    expect(await promoteDueKeys(p.ctx.db, new Date(Date.now() + 61_000))).toEqual(expect.arrayContaining(created));
    await p.identity.idp.get(true);
    expect(created).toContain(await signedWith());
    expect(await kids()).toEqual(expect.arrayContaining(before));
    // the web app's own sign-in goes on working across the change
    expect((await signInWithPassword(new FormBrowser(p.app), 'mei@example.sg', 'correct horse battery')).url).toBe('/my-applications');
    // a day later the old keys go
    expect(await pruneKeys(p.ctx.db, new Date(Date.now() + 25 * 3600_000))).toBe(2);
    await p.identity.idp.get(true);
    expect((await kids()).sort()).toEqual([...created].sort());
  });

  it('can be rotated from the command line; every rotation is audited', async () => {
    const out = execFileSync('node', ['bin/civitas.js', 'keys', 'rotate', '--owner', 'rp'], {
      env: { ...process.env, CIVITAS_DATA_DIR: p.config.dataDir, ...(p.config.database.dialect === 'postgres' ? { DATABASE_URL: p.config.database.url } : {}), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(out).toMatch(/New keys: rp-sig-[\w-]+, rp-enc-[\w-]+\./);
    expect(out).toMatch(/rp enc ECDH-ES\+A256KW +next/);
    const trail = (await auditTrail(p.ctx.db, 'identity:keys')).map((e) => e.action);
    expect(trail.filter((a) => a === 'identity.keys_rotation_started')).toHaveLength(2);
    expect(trail).toContain('identity.key_activated');
  });
});
