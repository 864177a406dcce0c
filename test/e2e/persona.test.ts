/**
 * Journey 2: a demo persona (Rajesh Kumar s/o Muthu) licenses his dog: finds
 * the service by searching, sends a page empty and follows the error summary,
 * switches the page to Bahasa Melayu and back, answers an address, a date,
 * radios, yes/no and a file upload (a small PDF), checks and sends.
 * Run with JavaScript on and off; every page is checked (see helpers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { nricCheckLetter } from '../../src/platform/identifiers/index.ts';
import { REFERENCE_ALPHABET } from '../../src/modules/applications/index.ts';
import { launchBrowser, startServer, tinyPdf, Visitor, weightTable, type Server } from './helpers.ts';

let browser: Browser;
const visitors: Visitor[] = [];
beforeAll(async () => { browser = await launchBrowser(); });
afterAll(async () => {
  const reports = visitors.flatMap((v) => v.reports);
  if (reports.length) console.log(`Journey 2 pages (cold cache, bytes transferred):\n${weightTable(reports)}`);
  await browser?.close();
});

const ref = `[${REFERENCE_ALPHABET}]{4}`;
const REFERENCE = new RegExp(`^${ref}-${ref}$`);

describe.concurrent.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('a demo persona licenses his dog ($mode)', ({ js, mode }) => {
  // each run has its own server (a fresh database): the runs go side by side
  let server: Server;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server?.close(); });

  it('signs in as a persona, meets an error, switches language, uploads a file and submits', async () => {
    const v = await Visitor.open(browser, { js, origin: server.origin, name: mode });
    visitors.push(v);
    const { page } = v;
    const save = () => page.getByRole('button', { name: 'Save and continue' });

    await v.go('/sign-in', 'sign in');
    await v.click(page.getByRole('button', { name: 'Sign in as Rajesh Kumar s/o Muthu' }), 'signed in as a persona');
    expect(await v.h1()).toBe('My applications');

    await v.click(page.getByRole('link', { name: 'Services', exact: true }), 'services');
    await page.getByLabel('Search for a service').fill('dog licence');
    await v.click(page.getByRole('button', { name: 'Search' }), 'search results');
    await v.click(page.getByRole('link', { name: 'Licence your dog' }), 'service page');
    expect(await v.h1()).toBe('Licence your dog');
    await v.click(page.getByRole('button', { name: 'Start now' }), 'start page');
    await v.click(page.getByRole('button', { name: 'Start application' }), 'about you');
    expect(await v.h1()).toBe('About you');

    // ---- an empty page: error summary first, "Error: " in the title, links to the fields
    await v.click(save(), 'about you (errors)');
    await expect(page.title()).resolves.toMatch(/^Error: /);
    const summary = page.locator('.govuk-error-summary');
    await expect(summary.getByRole('heading').innerText()).resolves.toBe('There is a problem');
    const toName = summary.getByRole('link', { name: 'Enter your full name' });
    await expect(toName.getAttribute('href')).resolves.toBe('#ownerName');
    if (js) {
      await expect(page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).resolves.toBe(true);
      await v.screenshot('error-summary');
    }
    await toName.click(); // stays on the page: moves to the field
    if (js) {
      // govuk-frontend's error summary focuses the field itself
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('ownerName');
    } else {
      await page.waitForURL((u) => u.hash === '#ownerName');
      await expect(page.evaluate(() => document.querySelector(':target')?.id)).resolves.toBe('ownerName');
    }
    await expect(page.locator('#ownerName-error').innerText()).resolves.toContain('Enter your full name');

    // ---- the language switcher, on a question page, and back
    await v.click(page.getByRole('link', { name: 'Bahasa Melayu' }), 'about you in Malay');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ms');
    expect(await v.h1()).toBe('Tentang anda');
    await expect(page.getByLabel('Nama penuh').count()).resolves.toBe(1);
    const malay = await v.mainText();
    expect(malay).not.toContain('Save and continue');
    if (js) await v.screenshot('question-in-malay');
    await v.click(page.getByRole('link', { name: 'English' }), 'about you in English again');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    expect(await v.h1()).toBe('About you');

    // ---- owner: text, NRIC, address, phone
    await page.getByLabel('Full name').fill('Rajesh Kumar s/o Muthu');
    await page.getByLabel('NRIC or FIN').fill(`T0123456${nricCheckLetter('T', '0123456')}`);
    const address = page.getByRole('group', { name: 'Address where the dog lives' });
    await address.getByLabel('Postal code').fill('310045');
    await address.getByLabel('Block or house number').fill('45');
    await address.getByLabel('Street name').fill('Lorong 6 Toa Payoh');
    await address.getByLabel('Floor (optional)').fill('8');
    await address.getByLabel('Unit number (optional)').fill('112');
    await page.getByLabel('Mobile number').fill('8123 4567');
    await v.click(save(), 'about your dog');
    expect(await v.h1()).toBe('About your dog');

    // ---- dog: text, date, radios
    await page.getByLabel("Dog's name").fill('Bobo');
    await page.getByLabel('Breed').fill('Singapore Special');
    const born = page.getByRole('group', { name: "Dog's date of birth" });
    await born.getByLabel('Day').fill('14');
    await born.getByLabel('Month').fill('2');
    await born.getByLabel('Year').fill('2023');
    await page.getByRole('group', { name: 'Sex' }).getByLabel('Female').check();
    await v.click(save(), 'microchip, sterilisation and vaccination');
    expect(await v.h1()).toBe('Microchip, sterilisation and vaccination');

    // ---- health: yes/no, text, file upload
    await page.getByRole('group', { name: 'Is your dog sterilised?' }).getByLabel('Yes').check();
    await page.getByLabel('Microchip number').fill('900123456789012');
    await page.getByLabel('Upload the vaccination certificate').setInputFiles({ name: 'bobo-vaccination.pdf', mimeType: 'application/pdf', buffer: tinyPdf() });
    if (js) await v.screenshot('file-chosen');
    await v.click(save(), 'check your answers');
    expect(await v.h1()).toBe('Check your answers before sending your application');
    const answers = await v.mainText();
    for (const s of ['Rajesh Kumar s/o Muthu', '45 Lorong 6 Toa Payoh, #8-112, Singapore 310045', 'Bobo', 'Singapore Special', 'Female', '900123456789012', 'bobo-vaccination.pdf']) {
      expect(answers).toContain(s);
    }

    // ---- send without the declaration, then with it
    await v.click(page.getByRole('button', { name: 'Continue to payment' }), 'check your answers (declaration missing)');
    await expect(page.title()).resolves.toMatch(/^Error: /);
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('Select the declaration');
    await page.getByLabel(/I declare that the information I have given is true and complete/).check();

    // ---- the licence has a fee: pay by card (the sandbox's always-successful test card)
    await v.click(page.getByRole('button', { name: 'Continue to payment' }), 'pay the fee');
    expect(await v.mainText()).toMatch(/S\$\d+\.\d{2}/);
    await page.getByLabel('Debit or credit card').check();
    await v.click(page.getByRole('button', { name: 'Continue to payment' }), 'card details');
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByLabel('Month').fill('12');
    await page.getByLabel('Year').fill('2030');
    await page.getByLabel('Name on card').fill('Rajesh Kumar');
    await page.getByLabel('Card security code').fill('123');
    await v.click(page.getByRole('button', { name: /^Pay / }), 'application submitted');
    const panel = page.locator('.govuk-panel--confirmation');
    await expect(panel.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Application submitted');
    const reference = (await panel.locator('.civitas-reference').innerText()).trim();
    expect(reference).toMatch(REFERENCE);

    await v.click(page.getByRole('link', { name: 'View your application' }), 'your application');
    expect(await v.h1()).toBe('Licence your dog');
    expect(await v.mainText()).toContain(reference);
    await v.click(page.getByRole('link', { name: 'My applications' }).first(), 'my applications');
    const sent = page.locator('table[data-list="submitted"] tbody tr').filter({ hasText: reference });
    await expect(sent.innerText()).resolves.toContain('Licence your dog');

    // ---- the confirmation is in his inbox too (the menu counts it), and he can choose how he hears
    await v.click(page.getByRole('link', { name: /^Inbox \(\d unread\)$/ }), 'inbox');
    expect(await v.h1()).toBe('Inbox');
    await v.click(page.getByRole('link', { name: `Licence your dog: application received (${reference})` }), 'inbox message');
    expect(await v.mainText()).toContain(reference);
    await v.click(page.getByRole('link', { name: /^Inbox( \(\d unread\))?$/ }), 'inbox (all read)');
    await v.click(page.getByRole('link', { name: 'How we contact you' }), 'how we contact you');
    expect(await v.h1()).toBe('How we contact you');
    await v.close();
  }, 120_000);
});
