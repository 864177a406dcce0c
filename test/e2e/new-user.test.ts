/**
 * Journey 1: a new user finds the Baby Bonus by life event, creates an account,
 * confirms the email from the demo mail viewer, starts applying, leaves after
 * two pages, comes back on another device, finishes, changes an answer from
 * the check page, sends the application and finds it in My applications.
 * Run with JavaScript on and off; every page is checked (see helpers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { nricCheckLetter } from '../../src/platform/identifiers/index.ts';
import { REFERENCE_ALPHABET } from '../../src/modules/applications/index.ts';
import { launchBrowser, startServer, Visitor, weightTable, type Server } from './helpers.ts';

let browser: Browser;
const visitors: Visitor[] = [];
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => {
  const reports = visitors.flatMap((v) => v.reports);
  if (reports.length) console.log(`Journey 1 pages (cold cache, bytes transferred):\n${weightTable(reports)}`);
  await browser?.close();
});

const ref = `[${REFERENCE_ALPHABET}]{4}`;
const REFERENCE = new RegExp(`^${ref}-${ref}$`);
const nric = (prefix: string, digits: string) => `${prefix}${digits}${nricCheckLetter(prefix, digits)}`;

describe.concurrent.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('a new user claims the Baby Bonus ($mode)', ({ js, mode }) => {
  // each run has its own server (a fresh database): the runs go side by side
  let server: Server;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server?.close(); });

  it('finds the service by life event, signs up, leaves midway, resumes on another device and submits', async () => {
    const email = `mei.${js ? 'on' : 'off'}.${Date.now()}@example.com`;
    const password = 'correct horse battery staple';
    const open = async (device: string) => {
      const v = await Visitor.open(browser, { js, origin: server.origin, name: `${mode}, ${device}` });
      visitors.push(v);
      return v;
    };

    // ---- first device: find the service, create an account ----------------
    const phone = await open('phone');
    const { page } = phone;
    await phone.go('/', 'home');
    await phone.click(page.getByRole('link', { name: 'Having a baby' }), 'life event');
    expect(await phone.h1()).toBe('Having a baby');
    await phone.click(page.getByRole('link', { name: 'Claim the Baby Bonus' }), 'service page');
    expect(await phone.h1()).toBe('Claim the Baby Bonus');
    if (js) await phone.screenshot('service-page');
    await phone.click(page.getByRole('button', { name: 'Start now' }), 'sign in (redirected)');
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//); // Civitas's own OpenID provider asks
    expect(await phone.h1()).toBe('Sign in');

    await phone.click(page.getByRole('link', { name: 'Create an account' }), 'create an account');
    expect(await phone.h1()).toBe('Create an account');
    await page.getByLabel('Full name').fill('Lee Mei Hua');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Create a password', { exact: true }).fill(password);
    await phone.click(page.getByRole('button', { name: 'Create account' }), 'check your email');
    expect(await phone.h1()).toBe('Check your email');
    expect(await phone.mainText()).toContain(email);

    // ---- the email, read in the demo mail viewer -----------------------------
    await phone.click(page.getByRole('link', { name: 'See sent emails' }).last(), 'demo mail viewer');
    const row = page.locator('tbody tr').filter({ hasText: email }).first();
    const deadline = Date.now() + 20_000;
    while (!(await row.isVisible()) || !(await row.innerText()).includes('delivered')) {
      expect(Date.now(), 'the worker sends the verification email within 20 seconds').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
      await phone.act(() => page.reload(), 'demo mail viewer (refreshed)');
    }
    // the newest message comes first
    await expect(page.locator('tbody tr').first().innerText()).resolves.toContain(email);
    await phone.click(row.getByRole('link'), 'the verification email');
    expect(await phone.h1()).toBe('Confirm your email address for Civitas');
    if (js) await phone.screenshot('verification-email');
    const link = page.locator('main a[href*="/verify-email?token="]');
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${server.origin}/verify-email\\?token=`));
    await phone.click(link, 'confirm your email address');
    expect(await phone.h1()).toBe('Confirm your email address');
    await phone.click(page.getByRole('button', { name: 'Confirm and sign in' }), 'start page (signed in)');

    // ---- back where the person was going: start the application ---------------
    expect(new URL(page.url()).pathname).toBe('/services/baby-bonus/apply');
    await phone.click(page.getByRole('button', { name: 'Start application' }), 'about you');
    expect(new URL(page.url()).pathname).toMatch(/^\/applications\/[0-9a-f-]+\/pages\/applicant$/);
    const applicationPath = new URL(page.url()).pathname.replace(/\/pages\/applicant$/, '');
    expect(await phone.h1()).toBe('About you');
    await page.getByLabel('Full name').fill('Lee Mei Hua');
    await page.getByLabel('NRIC number').fill(nric('S', '8801234'));
    await page.getByLabel('Mother').check();
    await phone.click(page.getByRole('button', { name: 'Save and continue' }), 'Child 1');
    expect(await phone.h1()).toBe('Child 1');

    await page.getByLabel("Child's full name").fill('Tan Xiao Ming');
    const birth = page.getByRole('group', { name: 'Date of birth' });
    await birth.getByLabel('Day').fill('3');
    await birth.getByLabel('Month').fill('2');
    await birth.getByLabel('Year').fill('2026');
    await page.getByLabel('Birth certificate number').fill('T2612345A');
    await phone.click(page.getByRole('button', { name: 'Save and continue' }), 'children added');
    expect(await phone.h1()).toBe('You have added 1 child');
    await page.getByRole('group', { name: 'Do you need to add another child?' }).getByLabel('No').check();
    await phone.click(page.getByRole('button', { name: 'Continue' }), 'the other parent');
    expect(await phone.h1()).toBe('The other parent');

    // ---- leave midway -----------------------------------------------------------
    await phone.click(page.getByRole('link', { name: 'Sign out' }), 'signed out');
    expect(await phone.h1()).toBe('You have signed out');
    await phone.close();

    // ---- another device: sign in, continue --------------------------------------
    const laptop = await open('laptop');
    const p2 = laptop.page;
    await laptop.go('/', 'home');
    await laptop.click(p2.getByRole('link', { name: 'Sign in' }), 'sign in');
    await p2.getByLabel('Email address').fill(email);
    await p2.getByLabel('Password', { exact: true }).fill(password);
    await laptop.click(p2.getByRole('button', { name: 'Sign in', exact: true }), 'signed in');
    await laptop.click(p2.getByRole('link', { name: 'My applications' }), 'my applications');
    expect(await laptop.h1()).toBe('My applications');
    const draft = p2.locator('table[data-list="drafts"] tbody tr').filter({ hasText: 'Claim the Baby Bonus' });
    await expect(draft.count()).resolves.toBe(1);
    await laptop.click(draft.getByRole('link', { name: /^Continue/ }), 'continue: the other parent');
    expect(new URL(p2.url()).pathname).toBe(`${applicationPath}/pages/spouse`);
    expect(await laptop.h1()).toBe('The other parent');

    await p2.getByLabel('Full name of the other parent').fill('Tan Wei Ming');
    await p2.getByLabel('NRIC or FIN of the other parent').fill(nric('S', '8765432'));
    const married = p2.getByRole('group', { name: 'Date of marriage' });
    await married.getByLabel('Day').fill('12');
    await married.getByLabel('Month').fill('6');
    await married.getByLabel('Year').fill('2021');
    await laptop.click(p2.getByRole('button', { name: 'Save and continue' }), 'where to pay');
    expect(await laptop.h1()).toBe('Where to pay the cash gift');

    await p2.getByLabel('Bank account').check();
    // the bank questions are revealed under the option (always shown without JavaScript)
    const bank = p2.getByRole('group', { name: 'Bank', exact: true });
    await expect(bank.isVisible()).resolves.toBe(true);
    await bank.getByLabel('DBS / POSB').check();
    await p2.getByLabel('Account number').fill('123-45678-9');
    if (js) await laptop.screenshot('payment-revealed');
    await laptop.click(p2.getByRole('button', { name: 'Save and continue' }), 'how we contact you');
    expect(await laptop.h1()).toBe('How we contact you');

    await p2.getByLabel('Mobile number').fill('9123 4567');
    await p2.getByLabel('Postal code').fill('560123');
    await p2.getByLabel('Block or house number').fill('123');
    await p2.getByLabel('Street name').fill('Ang Mo Kio Avenue 3');
    await p2.getByLabel('Floor (optional)').fill('12');
    await p2.getByLabel('Unit number (optional)').fill('34');
    await laptop.click(p2.getByRole('button', { name: 'Save and continue' }), 'check your answers');
    expect(await laptop.h1()).toBe('Check your answers before sending your application');
    let answers = await laptop.mainText();
    for (const s of ['Lee Mei Hua', 'Tan Xiao Ming', 'Tan Wei Ming', 'DBS / POSB', '123 Ang Mo Kio Avenue 3, #12-34, Singapore 560123', '9123 4567']) expect(answers).toContain(s);

    // ---- change one answer and come back -----------------------------------------
    await laptop.click(p2.getByRole('link', { name: 'Change Mobile number' }), 'change mobile number');
    expect(await laptop.h1()).toBe('How we contact you');
    // the saved number comes back (normalised to +65 form)
    await expect(p2.getByLabel('Mobile number').inputValue()).resolves.toMatch(/^(\+65)?9123 ?4567$/);
    await p2.getByLabel('Mobile number').fill('8765 4321');
    await laptop.click(p2.getByRole('button', { name: 'Save and continue' }), 'check your answers (changed)');
    expect(new URL(p2.url()).pathname).toBe(`${applicationPath}/check`);
    answers = await laptop.mainText();
    expect(answers).toContain('8765 4321');
    expect(answers).not.toContain('9123 4567');
    if (js) await laptop.screenshot('check-answers');

    // ---- declaration, send, confirmation -------------------------------------------
    await p2.getByLabel(/I declare that the information I have given is true and complete/).check();
    await laptop.click(p2.getByRole('button', { name: 'Accept and send' }), 'application submitted');
    const panel = p2.locator('.govuk-panel--confirmation');
    await expect(panel.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Application submitted');
    const reference = (await panel.locator('.civitas-reference').innerText()).trim();
    expect(reference).toMatch(REFERENCE);
    if (js) await laptop.screenshot('confirmation');

    await laptop.click(p2.getByRole('link', { name: 'My applications' }).last(), 'my applications (sent)');
    const sent = p2.locator('table[data-list="submitted"] tbody tr').filter({ hasText: reference });
    await expect(sent.count()).resolves.toBe(1);
    await expect(sent.innerText()).resolves.toContain('Claim the Baby Bonus');
    await expect(p2.locator('table[data-list="drafts"]').count()).resolves.toBe(0);
    await laptop.close();
  }, 120_000);
});
