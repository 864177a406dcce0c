/**
 * Identity journeys in a real browser (Debian's Chromium through playwright-core)
 * against the real server: a passkey created and used (Chromium's virtual
 * authenticator), Singpass and Corppass through mockpass, applying for a
 * business, an officer's first sign-in with an authenticator app, an agency
 * administrator's pages. Every page visited is checked with axe (WCAG 2.2 AA)
 * and screenshotted into .tmp/e2e/identity/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMockpass, type Mockpass } from '../helpers/servers.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { createCitizen, createOfficer, tinyPdf, totpCode } from '../helpers/identity.ts';
import { DEMO_BUSINESSES, DEMO_PERSONAS } from '../../src/modules/identity/index.ts';
import { nricCheckLetter } from '../../src/platform/identifiers/index.ts';

const SHOTS = path.resolve(import.meta.dirname, '../../.tmp/e2e/identity');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let mp: Mockpass & { useRelyingParty(url: string): void };
let platform: TestPlatform;
let origin = '';
let browser: Browser;
const visited: { label: string; violations: string[] }[] = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  mp = await startMockpass();
  const port = await freePort();
  // "localhost", not 127.0.0.1: WebAuthn needs a domain as its relying party ID
  origin = `http://localhost:${port}`;
  platform = await createTestPlatform({
    PORT: String(port), CIVITAS_BASE_URL: origin,
    CIVITAS_OIDC_PROVIDERS: JSON.stringify([
      { id: 'singpass', kind: 'singpass', issuer: mp.singpassIssuer, clientId: 'civitas-e2e' },
      { id: 'corppass', kind: 'corppass', issuer: mp.corppassIssuer, clientId: 'civitas-e2e' },
    ]),
    CIVITAS_OIDC_CLIENTS: JSON.stringify([{ client_id: 'hdb-portal', client_name: 'HDB Resale Portal', client_secret: 'hdb portal secret 0123456789abcdef', redirect_uris: ['https://resale.example.gov/callback'] }]),
  });
  await platform.app.listen({ port, host: '127.0.0.1' });
  platform.worker.start();
  mp.useRelyingParty(`${origin}/rp/jwks.json`);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
}, 120_000);

afterAll(async () => {
  if (visited.length) console.log(`identity journeys: ${visited.length} pages checked with axe; violations: ${visited.reduce((n, v) => n + v.violations.length, 0)}`);
  await browser?.close();
  await platform?.close();
  await mp?.close();
});

async function open(extraHeaders?: Record<string, string>): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1024, height: 768 }, locale: 'en-SG', extraHTTPHeaders: extraHeaders });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** axe on the page (served from the page's origin: the CSP allows no inline script), then a screenshot. */
async function check(page: Page, label: string): Promise<void> {
  await page.waitForLoadState('load');
  const url = `${origin}/__e2e__/axe.min.js`;
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.route(url, (route) => route.fulfill({ body: AXE, contentType: 'text/javascript' }));
    await page.addScriptTag({ url });
    await page.unroute(url);
  }
  const violations = await page.evaluate(async (tags) => {
    const r = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).join(', ')})`);
  }, AXE_TAGS);
  visited.push({ label, violations });
  await page.screenshot({ path: path.join(SHOTS, `${label}.png`), fullPage: true });
  expect(violations, `${label}: axe`).toEqual([]);
}
const h1 = async (page: Page) => (await page.locator('h1').first().innerText()).trim();

describe('identity in a browser', () => {
  it('a person creates a passkey, then signs in with it (no password); the second step is a passkey too', async () => {
    await createCitizen(platform, { email: 'aisyah.e2e@example.sg', name: 'Nur Aisyah' });
    const { context, page } = await open();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });

    await page.goto('/sign-in');
    expect(await h1(page)).toBe('Sign in');
    await check(page, '01-sign-in');
    await page.getByLabel('Email address').fill('aisyah.e2e@example.sg');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.locator('#sign-in-button').click();
    await page.waitForURL('**/my-applications');
    await page.goto('/account/security');
    await check(page, '02-security-page');
    await page.getByLabel('Name for a new passkey').fill('This laptop');
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.waitForSelector('#recovery-codes');
    expect(await h1(page)).toBe('Save your recovery codes');
    await check(page, '03-recovery-codes');
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Your passkey has been saved.');
    await page.getByRole('link', { name: 'Sign out' }).click();

    // sign in with the passkey alone
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('**/my-applications');
    expect(await h1(page)).toBe('My applications');
    await page.getByRole('link', { name: 'Sign out' }).click();

    // email and password, then the passkey as the second step
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('aisyah.e2e@example.sg');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.locator('#sign-in-button').click();
    expect(await h1(page)).toBe('Confirm it is you');
    await check(page, '04-second-step-passkey');
    await page.getByRole('button', { name: 'Use passkey' }).click();
    await page.waitForURL('**/my-applications');
    await context.close();
  }, 120_000);

  it('a person logs in with Singpass (mockpass), in Tamil', async () => {
    const nric = `S2345678${nricCheckLetter('S', '2345678')}`;
    const { context, page } = await open({ 'X-Custom-NRIC': nric, 'X-Custom-UUID': randomUUID() });
    await page.goto('/language/ta?next=/sign-in');
    await check(page, '05-sign-in-tamil');
    await page.getByRole('button', { name: 'Singpass மூலம் உள்நுழைக' }).click();
    await page.waitForURL('**/my-applications');
    await check(page, '06-after-singpass-tamil');
    await context.close();
  }, 120_000);

  it('a business representative logs in with Corppass, acts for the business and applies for a food shop licence', async () => {
    const lim = DEMO_PERSONAS.find((x) => x.id === 'lim-mei-ling')!;
    const bakery = DEMO_BUSINESSES[0]!;
    const { context, page } = await open({ 'X-Custom-NRIC': lim.nric!, 'X-Custom-UUID': randomUUID(), 'X-Custom-UEN': bakery.uen });
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Log in with Corppass' }).click();
    await page.waitForURL('**/my-applications');
    await expect(page.locator('.civitas-acting-for').innerText()).resolves.toContain(`You are acting for Lim's Bakery Pte Ltd (UEN ${bakery.uen}).`);
    await check(page, '07-acting-for-banner');
    await page.goto('/acting-for');
    await check(page, '08-choose-who-you-act-for');
    await page.goto('/business/representatives');
    await check(page, '09-business-representatives');

    await page.goto('/services/food-shop-licence');
    await page.getByRole('button', { name: 'Start now' }).click();
    await page.getByRole('button', { name: /^Start (a new )?application$/ }).click();
    await page.getByLabel('Business UEN').fill(bakery.uen);
    await page.getByLabel('Name of the shop').fill("Lim's Bakery");
    await page.getByLabel('Postal code').fill('520123');
    await page.getByLabel('Block or house number').fill('123');
    await page.getByLabel('Street name').fill('Tampines Street 11');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel('Bakery or confectionery').check();
    await page.getByLabel('Bread, cakes and pastries').check();
    await page.getByLabel('Number of seats for customers').fill('12');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel("Food Hygiene Officer's full name").fill('Lim Mei Ling');
    await page.getByLabel("Food Hygiene Officer's certificate number").fill('FHO-2024-1234');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel('Upload the layout plan of the premises').setInputFiles({ name: 'layout.pdf', mimeType: 'application/pdf', buffer: tinyPdf() });
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByLabel('Full name').fill('Lim Mei Ling');
    await page.getByLabel('Mobile number').fill('91234567');
    await page.getByLabel('Email address').fill('lim.meiling@demo.civitas.sg');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    expect(await h1(page)).toBe('Check your answers before sending your application');
    await page.locator('input[name="declaration"]').check();
    // the licence needs a signature (step-up with the authenticator: the demo shows the code) and has a fee (sandbox card)
    await page.getByRole('button', { name: 'Continue to sign' }).click();
    await page.waitForURL('**/sign');
    const code = /authenticator app shows (\d{6}) right now/.exec(await page.locator('main').innerText())?.[1];
    await page.getByLabel('Code from your authenticator app').fill(code ?? '');
    await page.getByRole('button', { name: 'Sign and continue to payment' }).click();
    await page.waitForURL('**/pay');
    await page.getByLabel('Debit or credit card').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByLabel('Month').fill('12');
    await page.getByLabel('Year').fill('2030');
    await page.getByLabel('Name on card').fill('Lim Mei Ling');
    await page.getByLabel('Card security code').fill('123');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL('**/confirmation');
    await check(page, '10-business-application-sent');
    const id = page.url().split('/').at(-2)!;
    const row = await platform.ctx.db.selectFrom('applications').select(['acting_for_uen', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ acting_for_uen: bakery.uen, status: 'submitted' });
    await context.close();
  }, 120_000);

  it('an officer sets up an authenticator app at first sign-in and sees their agency\'s applications', async () => {
    await createOfficer(platform, { agency: 'sfa', email: 'officer.e2e@sfa.example.gov', roles: ['case_officer'], name: 'Lee Wei Ming' });
    const { context, page } = await open();
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('officer.e2e@sfa.example.gov');
    await page.getByLabel('Password', { exact: true }).fill('officer passphrase 1');
    await page.locator('#sign-in-button').click();
    expect(await h1(page)).toBe('Set up a second step for signing in');
    await check(page, '11-officer-set-up-second-step');
    await page.getByText('I cannot scan the QR code').click();
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    await page.getByLabel('Enter the 6-digit code the app shows').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.waitForURL('**/officer');
    await check(page, '12-officer-home');
    await expect(page.locator('#agency-applications').innerText()).resolves.toContain('Apply for a food shop licence');
    await page.getByRole('link', { name: 'Sign out' }).click();
    // the next time: the code is asked for
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('officer.e2e@sfa.example.gov');
    await page.getByLabel('Password', { exact: true }).fill('officer passphrase 1');
    await page.locator('#sign-in-button').click();
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await check(page, '13-second-step-wrong-code');
    await context.close();
  }, 120_000);

  it('an agency administrator creates an API key; a third-party site asks for consent; dead ends explain themselves', async () => {
    const { context, page } = await open();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in as Ahmad Faizal' }).click();
    await page.waitForURL('**/officer');
    await page.getByRole('link', { name: 'API access for your agency\'s systems' }).click();
    await check(page, '14-agency-api');
    await page.locator('#key-name').fill('Case management system');
    await page.locator('#key-scopes').check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    await check(page, '15-api-key-shown-once');
    await page.goto('/agency/officers');
    await check(page, '16-agency-officers');
    await context.close();

    // a relying party other than Civitas: the person is asked
    const other = await open();
    await createCitizen(platform, { email: 'resale@example.sg', name: 'Goh Keng Swee' });
    await other.page.goto(`/oidc/auth?client_id=hdb-portal&redirect_uri=${encodeURIComponent('https://resale.example.gov/callback')}&response_type=code&scope=openid%20email%20profile&state=s&nonce=n&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
    await other.page.getByLabel('Email address').fill('resale@example.sg');
    await other.page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await other.page.locator('#sign-in-button').click();
    expect(await h1(other.page)).toBe('Allow HDB Resale Portal to know who you are?');
    await check(other.page, '17-consent');
    // allowing it takes the browser back to the portal with a code (the form's redirect chain leaves Civitas)
    await other.page.route('https://resale.example.gov/**', (route) => route.fulfill({ body: 'portal', contentType: 'text/plain' }));
    await other.page.getByRole('button', { name: 'Allow', exact: true }).click();
    await other.page.waitForURL((u) => u.origin === 'https://resale.example.gov');
    expect(new URL(other.page.url()).searchParams.get('code')).toBeTruthy();
    await other.page.goto('/interaction/an-old-link');
    await check(other.page, '18-sign-in-timed-out');
    await other.page.goto('/sign-in/callback?code=x&state=forged-state-value');
    await check(other.page, '19-sign-in-refused');
    await other.context.close();
  }, 120_000);
});
