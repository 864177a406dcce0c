/**
 * Singpass and Corppass, end to end against GovTech's @opengovsg/mockpass on a
 * loopback port: private_key_jwt client authentication (ES256, typ header),
 * PKCE, state and nonce, and ID tokens encrypted to Civitas's P-256 key
 * (mockpass fetches Civitas's relying-party JWKS at each token request).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPlatform, startMockpass, type ListeningPlatform, type Mockpass } from '../../../test/helpers/servers.ts';
import { HttpBrowser } from '../../../test/helpers/http-browser.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { applyForFoodShopLicence, createCitizen } from '../../../test/helpers/identity.ts';
import { nricCheckLetter } from '../../platform/identifiers/index.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { DEMO_BUSINESSES, DEMO_PERSONAS } from './index.ts';

let mp: Mockpass & { useRelyingParty(url: string): void };
let civitas: ListeningPlatform;
const nric = (d: string) => `S${d}${nricCheckLetter('S', d)}`;
const LIM = DEMO_PERSONAS.find((x) => x.id === 'lim-mei-ling')!;
const BAKERY = DEMO_BUSINESSES[0]!;

beforeAll(async () => {
  mp = await startMockpass();
  civitas = await listeningPlatform({
    CIVITAS_OIDC_PROVIDERS: JSON.stringify([
      { id: 'singpass', kind: 'singpass', issuer: mp.singpassIssuer, clientId: 'civitas-test-client' },
      { id: 'corppass', kind: 'corppass', issuer: mp.corppassIssuer, clientId: 'civitas-test-client' },
    ]),
  });
  mp.useRelyingParty(`${civitas.origin}/rp/jwks.json`);
});
afterAll(async () => { await civitas?.close(); await mp?.close(); });

/** A browser whose requests to mockpass say which person (and business) logs in. */
function browserAs(who: { nric: string; uuid?: string; uen?: string }) {
  return new HttpBrowser((url) => url.origin === mp.origin ? { 'X-Custom-NRIC': who.nric, 'X-Custom-UUID': who.uuid ?? randomUUID(), ...(who.uen ? { 'X-Custom-UEN': who.uen } : {}) } : {});
}

async function logInWith(b: HttpBrowser, provider: 'singpass' | 'corppass') {
  const page = await b.get(`${civitas.origin}/sign-in`);
  const href = new RegExp(`href="(/interaction/[\\w-]+/external/${provider})"`).exec(page.html)?.[1];
  expect(href, `a "Log in with ${provider}" button`).toBeTruthy();
  return b.get(`${civitas.origin}${href}`);
}

describe('Log in with Singpass (mockpass)', () => {
  it('creates an account for a new person, found again by NRIC next time', async () => {
    const person = { nric: nric('1234567'), uuid: randomUUID() };
    const b = browserAs(person);
    const res = await logInWith(b, 'singpass');
    expect(res.url).toBe(`${civitas.origin}/my-applications`);
    // the journey went through mockpass and came back through Civitas's provider
    expect(b.visited.some((u) => u.startsWith(`${mp.singpassIssuer}/authorize?`))).toBe(true);
    expect(b.visited.some((u) => u.startsWith(`${civitas.origin}/auth/singpass/callback?code=`))).toBe(true);
    const db = civitas.platform.ctx.db;
    const hash = civitas.platform.ctx.keys.blindIndex('nric', person.nric);
    const accounts = await db.selectFrom('accounts').select(['id', 'nric_enc']).where('nric_hash', '=', hash).execute();
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.nric_enc).not.toContain(person.nric); // stored encrypted
    expect(civitas.platform.ctx.keys.decrypt(accounts[0]!.nric_enc as string, `account:${accounts[0]!.id}`)).toBe(person.nric);
    // the account page shows the masked NRIC as the name (Singpass gives no name without Myinfo)
    expect((await b.get(`${civitas.origin}/account`)).html).toContain(`S****${person.nric.slice(5)}`);

    await b.get(`${civitas.origin}/sign-out`);
    expect((await logInWith(browserAs(person), 'singpass')).url).toBe(`${civitas.origin}/my-applications`);
    expect(await db.selectFrom('accounts').select('id').where('nric_hash', '=', hash).execute()).toHaveLength(1);
    expect((await auditTrail(db, `account:${accounts[0]!.id}`)).map((e) => e.action)).toEqual(expect.arrayContaining(['identity.account_created', 'identity.sign_in_method_linked', 'identity.signed_in']));
  });

  it('signs an existing person into their account: the NRIC links Singpass to it', async () => {
    const tan = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!;
    const b = browserAs({ nric: tan.nric! });
    expect((await logInWith(b, 'singpass')).url).toBe(`${civitas.origin}/my-applications`);
    const account = await b.get(`${civitas.origin}/account`);
    expect(account.html).toContain('Tan Ah Kow');
    expect(decode((await b.get(`${civitas.origin}/account/security`)).html)).toContain('Singpass');
  });

  it('links Singpass to an account made with an email address, from its security page; one person, one account', async () => {
    const id = await createCitizen(civitas.platform, { email: 'wei.jie@example.sg', name: 'Ong Wei Jie' });
    const person = { nric: nric('2468024'), uuid: randomUUID() };
    const b = browserAs(person);
    let page = await b.get(`${civitas.origin}/sign-in`);
    page = await b.post(`${civitas.origin}${/action="(\/interaction\/[\w-]+\/password)"/.exec(page.html)![1]}`, { email: 'wei.jie@example.sg', password: 'correct horse battery' });
    expect(page.url).toBe(`${civitas.origin}/my-applications`);
    page = await b.get(`${civitas.origin}/account/security`);
    expect(page.html).toContain('Link Singpass to this account');
    page = await b.get(`${civitas.origin}/account/security/link/singpass`);
    expect(page.url).toBe(`${civitas.origin}/account/security?linked=singpass`);
    expect(decode(page.html)).toContain('The sign-in method has been linked to your account.');
    await b.get(`${civitas.origin}/sign-out`);
    // Singpass now signs in to the same account
    const c = browserAs(person);
    await logInWith(c, 'singpass');
    expect((await c.get(`${civitas.origin}/account`)).html).toContain('Ong Wei Jie');
    const hash = civitas.platform.ctx.keys.blindIndex('nric', person.nric);
    expect((await civitas.platform.ctx.db.selectFrom('accounts').select('id').where('nric_hash', '=', hash).execute()).map((r: any) => r.id)).toEqual([id]);
    // another account cannot take the same person's Singpass
    await createCitizen(civitas.platform, { email: 'someone.else@example.sg' });
    const d = browserAs(person);
    page = await d.get(`${civitas.origin}/sign-in`);
    await d.post(`${civitas.origin}${/action="(\/interaction\/[\w-]+\/password)"/.exec(page.html)![1]}`, { email: 'someone.else@example.sg', password: 'correct horse battery' });
    page = await d.get(`${civitas.origin}/account/security/link/singpass`);
    expect(page.status).toBe(400);
    expect(decode(page.html)).toContain('This sign-in is already linked to another account.');
  });

  it('refuses a replayed or forged callback, with a clear message', async () => {
    const b = browserAs({ nric: nric('7654320') });
    await logInWith(b, 'singpass');
    const callback = b.visited.find((u) => u.startsWith(`${civitas.origin}/auth/singpass/callback?`))!;
    const replay = await b.get(callback);
    expect(replay.status).toBe(400);
    expect(decode(replay.html)).toContain('This sign-in response has already been used.');
    const forged = await b.get(callback.replace(/state=[^&]+/, 'state=made-up-by-an-attacker'));
    expect(decode(forged.html)).toContain('This sign-in does not match one started in this browser');
  });
});

describe('Log in with Corppass (mockpass), then apply on behalf of the business', () => {
  it('Lim Mei Ling acts for Lim\'s Bakery and applies for a food shop licence; the application and the audit log say so', async () => {
    const b = browserAs({ nric: LIM.nric!, uen: BAKERY.uen });
    const landed = await logInWith(b, 'corppass');
    expect(landed.url).toBe(`${civitas.origin}/my-applications`);
    // every page says who she acts for
    expect(decode(landed.html)).toContain(`You are acting for Lim's Bakery Pte Ltd (UEN ${BAKERY.uen}).`);
    expect(b.visited.some((u) => u.startsWith(`${mp.corppassIssuer}/authorize?`))).toBe(true);

    // the same session, through in-process requests, completes the application
    const f = new FormBrowser(civitas.platform.app);
    for (const [k, v] of b.allCookies()) f.setCookie(k, v);
    const { appUrl, page } = await applyForFoodShopLicence(f, BAKERY.uen);
    expect(page.url).toBe(`${appUrl}/confirmation`);
    expect(decode(page.html)).toContain(`You are acting for Lim's Bakery Pte Ltd (UEN ${BAKERY.uen}).`);
    const id = appUrl.split('/').pop()!;
    const row = await civitas.platform.ctx.db.selectFrom('applications').select(['acting_for_uen', 'status', 'agency_id']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ acting_for_uen: BAKERY.uen, status: 'submitted', agency_id: 'sfa' });
    const trail = await auditTrail(civitas.platform.ctx.db, `application:${id}`);
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['application.started', 'application.submitted']));
    // every entry of the application's history (started, signed, submitted) records the business
    expect(trail.every((e) => e.onBehalfOf === BAKERY.uen)).toBe(true);
  });

  it('gives a Corppass user Civitas does not know yet view-only access to a new business, until its administrator grants more', async () => {
    const uen = '53344210M';
    const b = browserAs({ nric: nric('1111112'), uen });
    const landed = await logInWith(b, 'corppass');
    expect(decode(landed.html)).toContain(`(UEN ${uen})`);
    const f = new FormBrowser(civitas.platform.app);
    for (const [k, v] of b.allCookies()) f.setCookie(k, v);
    const res = await f.get('/services/food-shop-licence/apply');
    expect(res.status).toBe(403);
    expect(decode(res.html)).toContain('Your roles in this business do not let you apply.');
    expect(h1((await f.get('/my-applications')).html)).toBe('My applications');
  });
});
