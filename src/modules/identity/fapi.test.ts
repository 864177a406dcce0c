/**
 * The FAPI 2.0 pieces mockpass does not enforce (pushed authorization requests,
 * DPoP, the PKCE check), tested against a provider that does: Civitas's own,
 * with a client registered to require them. The same Civitas also uses that
 * client as an "other OIDC provider" (an agency's officer directory) purely by
 * configuration: CIVITAS_OIDC_PROVIDERS and CIVITAS_OIDC_CLIENTS.
 */
import * as oidc from 'openid-client';
import { importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPlatform, type ListeningPlatform } from '../../../test/helpers/servers.ts';
import { HttpBrowser } from '../../../test/helpers/http-browser.ts';
import { createOfficer, secretOnPage, totpCode } from '../../../test/helpers/identity.ts';
import { decode } from '../../../test/helpers/browser.ts';

let civitas: ListeningPlatform;
let secret = '';
let offset = 0;
/** the platform's clock, moved on 30 seconds before each authenticator code (a code is accepted once) */
const now = () => new Date(Date.now() + offset);
const nextCode = () => { offset += 30_000; return totpCode(secret, now()); };
const OFFICER = { email: 'siew.ling@msf.example.gov', password: 'officer passphrase 1' };
const CLIENT = 'msf-directory-rp';

beforeAll(async () => {
  civitas = await listeningPlatform((origin) => ({
    CIVITAS_OIDC_CLIENTS: JSON.stringify([{
      client_id: CLIENT, client_name: 'MSF officer directory', redirect_uris: [`${origin}/auth/msf-directory/callback`], jwks_uri: `${origin}/rp/jwks.json`,
      token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', require_pushed_authorization_requests: true, dpop_bound_access_tokens: true,
      scope: 'openid email profile', first_party: true,
    }]),
    CIVITAS_OIDC_PROVIDERS: JSON.stringify([{ id: 'msf-directory', kind: 'oidc', issuer: origin, clientId: CLIENT, audience: 'officer', agency: 'msf', label: { en: 'Sign in with the MSF directory' }, trustProviderMfa: true }]),
  }), { clock: now });
  await createOfficer(civitas.platform, { agency: 'msf', email: OFFICER.email, roles: ['approver'], password: OFFICER.password });
});
afterAll(async () => { await civitas?.close(); });

const form = (html: string, suffix: string) => new RegExp(`action="(/interaction/[\\w-]+/${suffix})"`).exec(html)![1]!;

describe('another OpenID provider, by configuration only (the provider requires PAR, DPoP, private_key_jwt and PKCE)', () => {
  it('signs an officer in through their agency directory, the directory\'s two factors accepted', async () => {
    const b = new HttpBrowser();
    let page = await b.get(`${civitas.origin}/sign-in`);
    expect(page.html).toContain('Sign in with the MSF directory');
    page = await b.get(`${civitas.origin}${/href="(\/interaction\/[\w-]+\/external\/msf-directory)"/.exec(page.html)![1]}`);
    // the directory's sign-in page: the authorization request came by reference (PAR)
    const authorize = b.visited.find((u) => u.includes('/oidc/auth?') && u.includes(`client_id=${CLIENT}`))!;
    expect(new URL(authorize).searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(new URL(authorize).searchParams.get('code_challenge')).toBeNull(); // everything else travelled in the pushed request
    page = await b.post(`${civitas.origin}${form(page.html, 'password')}`, OFFICER);
    // first sign-in of an officer: a second factor is set up at the directory
    secret = secretOnPage(page.html);
    page = await b.post(`${civitas.origin}${form(page.html, 'enrol/totp')}`, { code: totpCode(secret, now()) });
    page = await b.post(`${civitas.origin}${form(page.html, 'continue')}`);
    expect(page.url).toBe(`${civitas.origin}/officer`);
    expect(decode(page.html)).toContain('Officer home');
    expect(b.visited.some((u) => u.startsWith(`${civitas.origin}/auth/msf-directory/callback?code=`))).toBe(true);
    // the directory's access token is bound to the relying party's DPoP key
    const tokens = await civitas.platform.ctx.db.selectFrom('oidc_payloads').select('payload').where('kind', '=', 'AccessToken').execute();
    expect(tokens.some((t: any) => JSON.parse(t.payload).clientId === CLIENT && typeof JSON.parse(t.payload).jkt === 'string')).toBe(true);
  });

  async function client(): Promise<oidc.Configuration> {
    await civitas.platform.identity.idp.get();
    const sig = civitas.platform.identity.idp.keys.find((k) => k.owner === 'rp' && k.use === 'sig' && k.state === 'active')!;
    const key = await importJWK(sig.privateJwk, 'ES256') as CryptoKey;
    return oidc.discovery(new URL(civitas.origin), CLIENT, { id_token_signed_response_alg: 'ES256' }, oidc.PrivateKeyJwt({ key, kid: sig.kid }), { execute: [oidc.allowInsecureRequests] });
  }
  const redirectUri = () => `${civitas.origin}/auth/msf-directory/callback`;

  /** Sign in at the provider for a pushed request, stopping where the code comes back. */
  async function codeFor(url: URL): Promise<string> {
    const b = new HttpBrowser();
    let page = await b.get(url.href);
    page = await b.post(`${civitas.origin}${form(page.html, 'password')}`, OFFICER);
    let res = await b.request('POST', `${civitas.origin}${form(page.html, 'totp')}`, { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!, code: nextCode() }, false);
    for (let i = 0; i < 5; i++) {
      const location = res.headers.get('location')!;
      if (location.startsWith(redirectUri())) return new URL(location).searchParams.get('code')!;
      res = await b.request('GET', new URL(location, civitas.origin).href, undefined, false);
    }
    throw new Error('no code');
  }

  it('refuses an authorization request that was not pushed, and a pushed one without PKCE', async () => {
    const config = await client();
    const plain = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri(), scope: 'openid', response_type: 'code', state: 's', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const res = await fetch(plain, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/pushed authorization request/i);
    await expect(oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: redirectUri(), scope: 'openid', response_type: 'code', state: 's', nonce: 'n' }))
      .rejects.toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/PKCE|code_challenge/) });
  });

  it('binds the code to the DPoP key of the pushed request: no proof, or another key, is refused; the code works once', async () => {
    const config = await client();
    const verifier = oidc.randomPKCECodeVerifier();
    const bound = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: redirectUri(), scope: 'openid email', response_type: 'code', state: 's', nonce: 'n',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { DPoP: bound });
    const code = await codeFor(url);
    const params = { code, redirect_uri: redirectUri(), code_verifier: verifier };
    await expect(oidc.genericGrantRequest(config, 'authorization_code', params)).rejects.toMatchObject({ error: 'invalid_grant' });
    const other = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    await expect(oidc.genericGrantRequest(config, 'authorization_code', params, { DPoP: other })).rejects.toMatchObject({ error: 'invalid_grant' });
    // the wrong PKCE verifier is refused too (the check mockpass does not make)
    await expect(oidc.genericGrantRequest(config, 'authorization_code', { ...params, code_verifier: oidc.randomPKCECodeVerifier() }, { DPoP: bound })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('issues DPoP-bound tokens to the right key, once', async () => {
    const config = await client();
    const verifier = oidc.randomPKCECodeVerifier();
    const bound = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: redirectUri(), scope: 'openid email', response_type: 'code', state: 's', nonce: 'n',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { DPoP: bound });
    const code = await codeFor(url);
    const params = { code, redirect_uri: redirectUri(), code_verifier: verifier };
    const tokens = await oidc.genericGrantRequest(config, 'authorization_code', params, { DPoP: bound });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(tokens.claims()).toMatchObject({ email: OFFICER.email, amr: ['pwd', 'otp'] });
    await expect(oidc.genericGrantRequest(config, 'authorization_code', params, { DPoP: bound })).rejects.toMatchObject({ error: 'invalid_grant' });
    // and client authentication must be the registered private_key_jwt
    const secretClient = new oidc.Configuration(config.serverMetadata(), CLIENT, 'a guessed secret');
    oidc.allowInsecureRequests(secretClient);
    await expect(oidc.genericGrantRequest(secretClient, 'authorization_code', params)).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
