/**
 * Journey: "tell us once". A demo citizen (Tan Ah Kow) starts the Baby Bonus,
 * sees the consent screen naming each item, its source and the agency that
 * keeps it, agrees, finds his name, NRIC, mobile number and address filled in
 * and locked (read-only, tagged "Government-verified"), answers the rest and
 * submits. An officer opens the case; the citizen then sees, in "Who used my
 * data", the prefill and the officer, newest first, and his consent in "Your
 * consents". Run with JavaScript on and off; every page is checked (axe,
 * weight, scripts, console: see helpers.ts) and photographed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, Visitor, weightTable, type Server } from './helpers.ts';

let browser: Browser;
const visitors: Visitor[] = [];
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => {
  const reports = visitors.flatMap((v) => v.reports);
  if (reports.length) console.log(`Tell us once pages (cold cache, bytes transferred):\n${weightTable(reports)}`);
  await browser?.close();
});

describe.concurrent.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('a citizen claims the Baby Bonus with verified data ($mode)', ({ js, mode }) => {
  let server: Server;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server?.close(); });

  it('consents, finds the answers filled and locked, submits, and later sees who used the data', async () => {
    const shot = (name: string) => v.screenshot(`registry-${js ? 'js' : 'nojs'}-${name}`);
    const v = await Visitor.open(browser, { js, origin: server.origin, name: mode });
    visitors.push(v);
    const { page } = v;
    const save = () => page.getByRole('button', { name: 'Save and continue' });

    await v.go('/sign-in', 'sign in');
    await v.click(page.getByRole('button', { name: 'Sign in as Tan Ah Kow' }), 'signed in as a persona');
    await v.go('/services/baby-bonus/apply', 'start page');
    await v.click(page.getByRole('button', { name: 'Start application' }), 'consent');

    // ---- the consent screen: each item, its source and its agency, and the purpose
    expect(await v.h1()).toBe('Use your verified data?');
    const items = page.locator('table[data-list="consent-items"] tbody tr');
    await expect(items.count()).resolves.toBe(4);
    const rows = (await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    expect(rows[0]).toMatch(/^Name Full name Government-verified Immigration & Checkpoints Authority \(ICA\)$/);
    expect(rows[1]).toMatch(/^NRIC or FIN NRIC number Government-verified/);
    expect(rows[2]).toMatch(/^Mobile number Mobile number Singpass-verified/);
    expect(rows[3]).toMatch(/^Registered address Home address Government-verified/);
    await expect(page.locator('[data-purpose]').innerText()).resolves.toContain('so that MSF can confirm who is claiming');
    await shot('01-consent');

    // no choice: the error summary, nothing lost
    await v.click(page.getByRole('button', { name: 'Continue' }), 'consent (error)');
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('Select whether you agree');
    await page.getByLabel('Yes, fill in my answers').check();
    await v.click(page.getByRole('button', { name: 'Continue' }), 'about you (filled)');

    // ---- filled and locked
    expect(await v.h1()).toBe('About you');
    const name = page.getByLabel('Full name');
    await expect(name.inputValue()).resolves.toBe('TAN AH KOW');
    await expect(name.getAttribute('readonly')).resolves.not.toBeNull();
    await expect(page.getByLabel('NRIC number').getAttribute('readonly')).resolves.not.toBeNull();
    await expect(page.locator('[data-verified="fullName"]').innerText()).resolves.toMatch(/Government-verified\s+From government records\. You cannot change this answer here/);
    await shot('02-about-you-locked');
    await page.getByLabel('Father').check();
    await v.click(save(), 'child 1');

    await page.getByLabel("Child's full name").fill('Tan Xiao Ming');
    const birth = page.getByRole('group', { name: 'Date of birth' });
    await birth.getByLabel('Day').fill('3');
    await birth.getByLabel('Month').fill('10');
    await birth.getByLabel('Year').fill('2026');
    await page.getByLabel('Birth certificate number').fill('T2612345A');
    await v.click(save(), 'children added');
    await page.getByRole('group', { name: 'Do you need to add another child?' }).getByLabel('No').check();
    await v.click(page.getByRole('button', { name: 'Continue' }), 'the other parent');
    await page.getByLabel('Full name of the other parent').fill('Lee Mei Hua');
    await page.getByLabel('NRIC or FIN of the other parent').fill('S7654321F');
    const married = page.getByRole('group', { name: 'Date of marriage' });
    await married.getByLabel('Day').fill('1');
    await married.getByLabel('Month').fill('6');
    await married.getByLabel('Year').fill('2020');
    await v.click(save(), 'payment');
    await page.getByLabel('PayNow linked to my NRIC').check();
    await v.click(save(), 'contact (filled)');
    await expect(page.getByLabel('Mobile number').inputValue()).resolves.toBe('9123 4567');
    await expect(page.getByLabel('Mobile number').getAttribute('readonly')).resolves.not.toBeNull();
    await expect(page.locator('#address-postalCode').inputValue()).resolves.toBe('560123');
    await expect(page.locator('[data-verified="mobile"]').innerText()).resolves.toContain('Singpass-verified');
    await shot('03-contact-locked');
    await v.click(save(), 'check your answers');

    expect(await v.h1()).toBe('Check your answers before sending your application');
    const check = await v.mainText();
    expect(check).toContain('TAN AH KOW');
    expect(check).toContain('Government-verified');
    // no Change link for verified answers
    await expect(page.getByRole('link', { name: /^Change\s+Full name$/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: /Change\s+Your relationship to the child/ }).count()).resolves.toBe(1);
    await shot('04-check');
    await page.getByLabel(/I declare that the information I have given is true/).check();
    await v.click(page.getByRole('button', { name: 'Accept and send' }), 'confirmation');
    expect(await v.h1()).toBe('Application submitted');

    // ---- an officer opens the case
    const officer = await Visitor.open(browser, { js, origin: server.origin, name: `${mode} officer` });
    visitors.push(officer);
    await officer.go('/sign-in', 'officer sign in');
    await officer.click(officer.page.getByRole('button', { name: 'Sign in as Wong Li Hua' }), 'officer signed in');
    const id = new URL(page.url()).pathname.split('/')[2]!;
    await expect.poll(async () => (await server.platform.ctx.db.selectFrom('cases').select('application_id').where('application_id', '=', id).execute()).length, { timeout: 10_000 }).toBe(1);
    await officer.go(`/casework/cases/${id}`, 'case page');
    expect(await officer.mainText()).toContain('TAN AH KOW');

    // ---- the citizen sees who used the data
    await v.go('/account', 'account');
    await v.click(page.getByRole('link', { name: 'Who used my data' }), 'who used my data');
    const uses = page.locator('table[data-list="data-use"] tbody tr');
    await expect(uses.count()).resolves.toBe(2);
    const [newest, older] = (await uses.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    expect(newest).toContain('Wong Li Hua');
    expect(newest).toContain('Officer, Ministry of Social and Family Development');
    expect(newest).toContain('Processing your application');
    expect(older).toContain('Claim the Baby Bonus');
    expect(older).toContain('Name, NRIC or FIN, Mobile number, Registered address');
    expect(older).toContain('so that MSF can confirm who is claiming');
    await shot('05-who-used-my-data');
    await page.locator('#kind').selectOption('service');
    await v.click(page.getByRole('button', { name: 'Show' }), 'who used my data: services');
    await expect(uses.count()).resolves.toBe(1);

    await v.go('/account/consents', 'your consents');
    expect(await v.mainText()).toContain('Agreed');
    await shot('06-consents');
  }, 180_000);
});
