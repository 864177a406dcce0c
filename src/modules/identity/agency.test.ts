import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { emailsTo, linkIn } from '../../../test/helpers/mail.ts';
import { applyForFoodShopLicence, formAction, secretOnPage, totpCode } from '../../../test/helpers/identity.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { createApiKey, DEMO_BUSINESSES } from './index.ts';
import { injectFetch } from './web-client.ts';

let p: TestPlatform;
let offset = 0;
const now = () => new Date(Date.now() + offset);
let sfaReference = '';
const MSF_REFERENCE = 'MSFX7K2Q';
beforeAll(async () => {
  p = await createTestPlatform({}, { clock: now });
  // an application to SFA, from Lim's Bakery, through the real journey
  const lim = await persona('lim-mei-ling');
  await lim.get('/acting-for');
  await lim.post('/acting-for', { actingFor: DEMO_BUSINESSES[0]!.uen });
  const { appUrl } = await applyForFoodShopLicence(lim, DEMO_BUSINESSES[0]!.uen);
  sfaReference = (await p.ctx.db.selectFrom('applications').select('reference').where('id', '=', appUrl.split('/').pop()!).executeTakeFirstOrThrow()).reference as string;
  // and one already sent to MSF
  const t = now().toISOString();
  await p.ctx.db.insertInto('applications').values({
    id: randomUUID(), reference: MSF_REFERENCE, service_id: 'baby-bonus', service_version: 1, agency_id: 'msf', applicant_id: randomUUID(), acting_for_uen: null,
    channel: 'online', status: 'submitted', answers_enc: p.ctx.keys.encrypt('{}', 'x'), lang: 'en', rev: 1, created_at: t, updated_at: t, submitted_at: t,
  }).execute();
});
afterAll(async () => { await p?.close(); });

async function persona(id: string): Promise<FormBrowser> {
  const b = new FormBrowser(p.app);
  await b.get('/sign-in');
  await b.post('/demo/sign-in', { persona: id });
  return b;
}
const fmt = (ref: string) => `${ref.slice(0, 4)}-${ref.slice(4)}`;
/** the OAuth error of a refused request (from the body, or from WWW-Authenticate for a 401) */
const oauthError = (p: Promise<unknown>) => p.then(() => 'none', (e: any) => e.error ?? e.cause?.[0]?.parameters?.error ?? String(e));

describe('officers', () => {
  it('see their own agency\'s submitted applications, and no other agency\'s', async () => {
    const sfa = await persona('chen-jia-hui');
    let html = decode((await sfa.get('/officer')).html);
    expect(html).toContain('Singapore Food Agency');
    expect(html).toContain(fmt(sfaReference));
    expect(html).toContain(DEMO_BUSINESSES[0]!.uen);
    expect(html).not.toContain(fmt(MSF_REFERENCE));
    const msf = await persona('wong-li-hua');
    html = decode((await msf.get('/officer')).html);
    expect(html).toContain(fmt(MSF_REFERENCE));
    expect(html).not.toContain(fmt(sfaReference));
    // a KPI viewer's roles do not include casework
    html = decode((await (await persona('farah-aziz')).get('/officer')).html);
    expect(html).toContain('Your roles do not include working on applications.');
    expect(html).not.toContain(fmt(MSF_REFERENCE));
    // a citizen is no officer
    expect((await (await persona('tan-ah-kow')).get('/officer')).status).toBe(403);
  });
});

describe('an agency administrator', () => {
  it('creates an API key (shown once), sees it used, and revokes it; another agency\'s keys are out of reach', async () => {
    expect((await (await persona('wong-li-hua')).get('/agency/api')).status).toBe(403);
    const admin = await persona('ahmad-faizal');
    let res = await admin.get('/agency/api');
    expect(decode(h1(res.html))).toBe('API access for your agency\'s systems');
    res = await admin.post('/agency/api/keys', { name: '', scopes: [] });
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('Enter a name');
    expect(decode(res.html)).toContain('Give the key at least one scope');
    res = await admin.post('/agency/api/keys', { name: 'Case system', scopes: ['applications:read'] });
    const key = /id="secret">(civ_[\w-]+)</.exec(res.html)![1]!;
    expect(decode(res.html)).toContain('Copy it now: it will not be shown again.');
    const api = await p.app.inject({ url: '/api/v1/agency/applications', headers: { authorization: `Bearer ${key}` } });
    expect(api.statusCode).toBe(200);
    expect(api.json().items.map((i: any) => i.reference)).toEqual([MSF_REFERENCE]);
    res = await admin.get('/agency/api');
    expect(res.html).not.toContain(key);
    const id = /action="\/agency\/api\/keys\/([\w-]+)\/revoke"/.exec(res.html)![1]!;
    const stored = await p.ctx.db.selectFrom('api_keys').select(['agency_id', 'created_by']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.agency_id).toBe('msf');
    const avs = await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'AVS system', scopes: ['applications:read'] });
    expect((await admin.post(`/agency/api/keys/${avs.id}/revoke`)).status).toBe(404);
    await admin.get('/agency/api');
    res = await admin.post(`/agency/api/keys/${id}/revoke`);
    expect(decode(res.html)).toContain('The API key has been revoked');
    expect((await p.app.inject({ url: '/api/v1/agency/applications', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    expect((await auditTrail(p.ctx.db, `api-key:${id}`)).map((e) => e.action)).toEqual(['identity.api_key_created', 'api.call', 'identity.api_key_revoked']);
  });

  it('creates an OAuth client: its client credentials give short-lived tokens with the allowed scopes only, every call attributed to the agency', async () => {
    const admin = await persona('ahmad-faizal');
    await admin.get('/agency/api');
    const res = await admin.post('/agency/api/clients', { name: 'Grants system', scopes: ['applications:read'] });
    expect(h1(res.html)).toBe('OAuth client created');
    const clientId = /id="client-id">([\w-]+)</.exec(res.html)![1]!;
    const secret = /id="secret">([\w-]+)</.exec(res.html)![1]!;
    expect(JSON.stringify(await p.ctx.db.selectFrom('oauth_clients').selectAll().execute())).not.toContain(secret);

    const server = (await oidc.discovery(new URL(p.config.baseUrl), clientId, undefined, oidc.ClientSecretBasic(secret), { [oidc.customFetch]: injectFetch(p.app), execute: [oidc.allowInsecureRequests] })).serverMetadata();
    const client = (s: string) => { const c = new oidc.Configuration(server, clientId, undefined, oidc.ClientSecretBasic(s)); c[oidc.customFetch] = injectFetch(p.app); oidc.allowInsecureRequests(c); return c; };
    expect(await oauthError(oidc.clientCredentialsGrant(client(secret), { scope: 'payments:write' }))).toBe('invalid_scope');
    expect(await oauthError(oidc.clientCredentialsGrant(client('not-the-secret'), { scope: 'applications:read' }))).toBe('invalid_client');
    const tokens = await oidc.clientCredentialsGrant(client(secret), { scope: 'applications:read' });
    expect(tokens.expires_in).toBe(600);
    const call = () => p.app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${tokens.access_token}` } });
    const who = await call();
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual({ agency: 'msf', scopes: ['applications:read'], key_id: `oauth:${clientId}` });
    const trail = await auditTrail(p.ctx.db, `oauth-client:${clientId}`);
    expect(trail.map((e) => e.action)).toEqual(['identity.oauth_client_created', 'api.token_issued', 'api.call']);
    const raw = await p.ctx.db.selectFrom('audit_log').select('agency_id').where('stream', '=', `oauth-client:${clientId}`).where('action', '=', 'api.call').executeTakeFirstOrThrow();
    expect(raw.agency_id).toBe('msf');
    const applications = await p.app.inject({ url: '/api/v1/agency/applications', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(applications.statusCode).toBe(200);

    // expired tokens are refused, with a message that says so
    offset = 11 * 60_000;
    try {
      const late = await call();
      expect(late.statusCode).toBe(401);
      expect(late.json()).toMatchObject({ code: 'unauthenticated', message: 'The access token has expired. Ask the token endpoint for a new one.' });
    } finally {
      offset = 0;
    }
    // revoking the client stops its tokens at once
    await admin.get('/agency/api');
    await admin.post(`/agency/api/clients/${clientId}/revoke`);
    expect((await call()).json()).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/^The access token is not valid/) });
    expect(await oauthError(oidc.clientCredentialsGrant(client(secret), { scope: 'applications:read' }))).toBe('invalid_client');
  });

  it('accepts sender-constrained (DPoP) tokens only with a fresh proof from their key', async () => {
    const admin = await persona('ahmad-faizal');
    await admin.get('/agency/api');
    const res = await admin.post('/agency/api/clients', { name: 'Payments system', scopes: ['applications:read'] });
    const clientId = /id="client-id">([\w-]+)</.exec(res.html)![1]!;
    const secret = /id="secret">([\w-]+)</.exec(res.html)![1]!;
    const config = await oidc.discovery(new URL(p.config.baseUrl), clientId, undefined, oidc.ClientSecretBasic(secret), { [oidc.customFetch]: injectFetch(p.app), execute: [oidc.allowInsecureRequests] });
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'applications:read' }, { DPoP: dpop });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const url = new URL('/api/v1/whoami', p.config.baseUrl);
    // as a plain bearer token: refused
    const bearer = await p.app.inject({ url: url.pathname, headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(bearer.json()).toMatchObject({ message: expect.stringMatching(/bound to a key \(DPoP\)/) });
    // with a proof of possession: accepted
    const ok = await oidc.fetchProtectedResource(config, tokens.access_token, url, 'GET', undefined, undefined, { DPoP: dpop });
    expect(ok.status).toBe(200);
    // another key's proof: refused
    const other = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const wrong = await oidc.fetchProtectedResource(config, tokens.access_token, url, 'GET', undefined, undefined, { DPoP: other }).catch((e) => e);
    expect(wrong.status ?? wrong.cause?.status ?? 401).toBe(401);
  });

  it('invites an officer, who chooses a password and must set up a second factor; role changes are audited', async () => {
    const admin = await persona('ahmad-faizal');
    let res = await admin.get('/agency/officers');
    expect(h1(res.html)).toBe('Officers and roles');
    expect(decode(res.html)).toContain('Wong Li Hua');
    expect(decode(res.html)).not.toContain('Priya Nair'); // AVS
    res = await admin.post('/agency/officers', { name: 'Koh Jun Jie', email: 'koh.junjie@msf.example.gov', roles: ['case_officer'] });
    expect(decode(res.html)).toContain('The officer has been invited by email.');
    const [mail] = await emailsTo(p, 'koh.junjie@msf.example.gov');
    expect(mail!.subject).toBe('You have been added as an officer on Civitas');
    const link = linkIn(mail!.body);
    const officer = new FormBrowser(p.app);
    await officer.get(link);
    res = await officer.post('/reset-password', { token: new URL(link, 'http://x').searchParams.get('token')!, password: 'a good officer passphrase' });
    expect(h1(res.html)).toBe('Set up a second step for signing in');
    res = await officer.post(formAction(res.html, 'enrol/totp'), { code: totpCode(secretOnPage(res.html), now()) });
    res = await officer.post(formAction(res.html, 'continue'));
    expect(res.url).toBe('/account?reset=1');
    expect(h1((await officer.get('/officer')).html)).toBe('Officer home');

    // the administrator makes them an approver too
    await admin.get('/agency/officers');
    const officerId = (await p.ctx.db.selectFrom('accounts').select('id').where('kind', '=', 'officer').orderBy('created_at', 'desc').executeTakeFirstOrThrow()).id as string;
    res = await admin.post(`/agency/officers/${officerId}`, { roles: ['case_officer', 'approver'] });
    expect(decode(res.html)).toContain('The roles have been changed.');
    const roles = (await auditTrail(p.ctx.db, 'agency:msf:roles')).filter((e) => e.action === 'identity.roles_granted');
    expect(roles.at(-1)).toMatchObject({ data: { before: ['case_officer'], after: ['case_officer', 'approver'] } });
    // not their own roles, not another agency's officers
    const me = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'ahmad-faizal').executeTakeFirstOrThrow()).id as string;
    res = await admin.post(`/agency/officers/${me}`, { roles: ['agency_admin', 'approver'] });
    expect(res.status).toBe(422);
    const priya = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'priya-nair').executeTakeFirstOrThrow()).id as string;
    await admin.get('/agency/officers');
    expect((await admin.post(`/agency/officers/${priya}`, { roles: ['agency_admin'] })).status).toBe(404);
  });
});
