/**
 * The data exchange in a real browser (Chromium through playwright-core)
 * against the real server: an AVS officer finds ICA's product in the
 * catalogue and asks for people's name and email; ICA's data owner approves
 * the name only; the AVS officer is shown the provisioned API key once; AVS's
 * system fetches a person's name with a purpose reference and is refused the
 * email; an extract is prepared in the background; after revocation the key
 * is refused. Every page is checked with axe (WCAG 2.2 AA rules) and
 * photographed (CIVITAS_SCREENSHOTS=<dir> keeps the pictures). The request
 * form's errors are also checked with JavaScript off.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/platform.ts';
import { openPersonaSuite, Visitor, weightTable, type PersonaSuite } from './helpers.ts';
import { DEMO_PERSONAS } from '../../src/modules/identity/index.ts';
import { dataSharingMeasurements, findRequest, submitRequest } from '../../src/modules/exchange/index.ts';

const TAN = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!;
let suite: PersonaSuite;
let p: TestPlatform;
let base = '';

beforeAll(async () => {
  suite = await openPersonaSuite('exchange');
  p = suite.platform;
  base = suite.base;
});
afterAll(async () => { await suite?.close(); });

const person = (persona: string) => suite.person(persona);
const check = (page: Page, label: string) => suite.check(page, label);

const call = (key: string, url: string, headers: Record<string, string> = {}) => fetch(`${base}${url}`, { headers: { authorization: `Bearer ${key}`, ...headers } });

describe('data exchange in Chromium', () => {
  it('goes from request to approval to an API call with the provisioned key, and ends on revocation', async () => {
    const avs = await person('priya-nair');
    await avs.page.goto(`${base}/exchange`);
    await check(avs.page, '01-catalogue');
    await avs.page.click('a[href="/exchange/products/people.accounts"]');
    await avs.page.waitForURL('**/exchange/products/people.accounts');
    await check(avs.page, '02-product');
    await avs.page.click('a:has-text("Ask for this data")');
    await avs.page.waitForURL('**/exchange/requests/new?source=people.accounts');
    await check(avs.page, '03-new-request');
    await avs.page.fill('#project', 'Dog licence renewal letters');
    await avs.page.fill('#purpose', 'Write to dog owners whose licence is due for renewal');
    await avs.page.fill('#legalBasis', 'Animals and Birds Act 1965, section 80');
    await avs.page.fill('#retention', '12 months after the campaign');
    await avs.page.fill('#users', 'AVS licensing system; two licensing officers');
    await avs.page.click('button:has-text("Send the request")');
    await avs.page.waitForURL('**done=submitted');
    await check(avs.page, '04-request-sent');
    const requestId = /\/exchange\/requests\/([0-9a-f-]{36})/.exec(avs.page.url())![1]!;

    const ica = await person('kelvin-tay');
    await ica.page.goto(`${base}/exchange/inbox`);
    await check(ica.page, '05-inbox');
    await ica.page.click(`a[href="/exchange/requests/${requestId}"]`);
    await ica.page.waitForURL(`**/exchange/requests/${requestId}`);
    await check(ica.page, '06-decide');
    // approve the name only, until a date three months from now
    await ica.page.uncheck('input[name="items"][value="people.accounts:email"]');
    const end = new Date(Date.now() + 90 * 86400_000);
    await ica.page.fill('#expiresOn-day', String(end.getUTCDate()));
    await ica.page.fill('#expiresOn-month', String(end.getUTCMonth() + 1));
    await ica.page.fill('#expiresOn-year', String(end.getUTCFullYear()));
    await ica.page.fill('#conditions', 'Only for the renewal letters; delete after the campaign.');
    await ica.page.click('button[data-approve]');
    await ica.page.waitForURL('**done=approve');
    await check(ica.page, '07-approved');

    await avs.page.goto(`${base}/exchange/requests/${requestId}`);
    await avs.page.click('button[data-reveal]');
    await avs.page.waitForSelector('[data-api-key]');
    const key = (await avs.page.textContent('[data-api-key]'))!.trim();
    expect(key).toMatch(/^civ_/);
    await check(avs.page, '08-key-shown-once');

    // AVS's system: the approved item, with a purpose reference; the email is refused
    const headers = { 'civitas-subject': TAN.nric!, 'civitas-purpose-reference': 'AVS-RENEWAL-2027-0001' };
    const ok = await call(key, '/api/v1/exchange/sources/people.accounts/person', headers);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ found: true, items: ['name'], data: { name: 'Tan Ah Kow' } });
    const refused = await call(key, '/api/v1/exchange/sources/people.accounts/person?items=email', headers);
    expect(refused.status).toBe(403);
    expect((await refused.json()).details).toMatchObject({ items: ['email'], approved: ['name'] });
    const m = await dataSharingMeasurements(p.ctx.db, { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    expect(m).toMatchObject({ requests: 1, shareWithin7: 1 });
    expect((await findRequest(p.ctx.db, requestId))!.firstCallAt).toBeTruthy();

    // an extract, prepared by the background worker, with its progress on the page
    await avs.page.goto(`${base}/exchange/requests/${requestId}`);
    await avs.page.check('input[name="format"][value="jsonl"]');
    await avs.page.click('button:has-text("Prepare an extract")');
    await avs.page.waitForURL('**done=extract**');
    await expect.poll(async () => {
      await avs.page.goto(`${base}/exchange/requests/${requestId}`); // (a link to #extracts would not reload the page)
      return avs.page.locator('[data-extract="done"]').count();
    }, { timeout: 20_000 }).toBe(1);
    await check(avs.page, '09-extract-ready-and-log');

    await ica.page.goto(`${base}/exchange/requests/${requestId}`);
    await ica.page.click('summary:has-text("Revoke access")');
    await ica.page.fill('#reason', 'The campaign was cancelled');
    await ica.page.click('button:has-text("Revoke access now")');
    await ica.page.waitForURL('**done=revoked');
    await check(ica.page, '10-revoked');
    expect((await call(key, '/api/v1/exchange/sources/people.accounts/person', headers)).status).toBe(401);

    // with JavaScript off, the form shows its errors and keeps what was typed
    const noJs = await person('priya-nair');
    const cdp = await noJs.context.newCDPSession(noJs.page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    await noJs.page.goto(`${base}/exchange/requests/new?source=case-statistics.msf`);
    await noJs.page.fill('#project', 'Caseload planning');
    await noJs.page.click('button:has-text("Send the request")');
    expect(await noJs.page.textContent('.govuk-error-summary')).toContain('Enter the purpose');
    expect(await noJs.page.inputValue('#project')).toBe('Caseload planning');
    await noJs.page.screenshot({ path: path.join(suite.shots, '11-error-javascript-off.png'), fullPage: true });

    for (const c of [avs, ica, noJs]) await c.context.close();
    if (process.env.CIVITAS_SCREENSHOTS) process.stdout.write(`\nexchange screenshots: ${suite.shots}\n`);
  }, 120_000);
});

describe.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('data exchange pages ($mode)', ({ js, mode }) => {
  it('pass axe, stay within the weight budget and work without JavaScript', async () => {
    // a request waiting in ICA's inbox
    const priya: any = await p.ctx.db.selectFrom('accounts').selectAll().where('demo_persona', '=', 'priya-nair').executeTakeFirstOrThrow();
    const { id } = await submitRequest(p.exchange, { id: priya.id, kind: 'officer', displayName: 'Priya Nair', email: null, roles: ['case_officer', 'approver'], agencyId: 'avs', actingFor: null, sessionId: 'x', authMethods: ['pwd', 'otp'] },
      { items: ['people.accounts:name'], project: `Weights ${mode}`, purpose: 'p', legalBasis: 'l', retention: 'r', users: 'u' });
    const pages = async (name: string, urls: [string, string][]) => {
      const v = await Visitor.open(suite.browser, { js, origin: base, name: `${mode}, ${name}` });
      await v.go('/sign-in', 'sign in');
      await v.click(v.page.getByRole('button', { name: `Sign in as ${name}` }), 'signed in');
      for (const [url, label] of urls) await v.go(url, label);
      return v;
    };
    const owner = await pages('Kelvin Tay', [['/exchange', 'catalogue'], ['/exchange/products/people.accounts', 'product'], ['/exchange/inbox', 'inbox'], [`/exchange/requests/${id}`, 'request (data owner)']]);
    // the data owner's approval without a date: errors first, the choice of items kept
    await owner.click(owner.page.locator('button[data-approve]'), 'approval with a mistake');
    await expect(owner.page.title()).resolves.toMatch(/^Error: /);
    const requester = await pages('Priya Nair', [['/exchange/requests', 'requests'], ['/exchange/requests/new?source=people.accounts', 'new request'], [`/exchange/requests/${id}`, 'request (requester)']]);
    console.log(`Exchange pages, ${mode} (cold cache, bytes transferred):\n${weightTable([...owner.reports, ...requester.reports])}`);
    for (const v of [owner, requester]) await v.context.close();
  }, 120_000);
});
