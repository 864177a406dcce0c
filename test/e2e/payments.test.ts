/**
 * Payments in a real browser (Chromium through playwright-core) against the
 * real server: a citizen applies for a dog licence, is declined with one test
 * card and pays with another; another pays by PayNow (the QR code is shown and
 * the agency imports the bank statement); an officer refunds part of a payment;
 * the agency's reconciliation is clean. Every page is checked with axe (WCAG
 * 2.2 AA) and photographed (CIVITAS_SCREENSHOTS=<dir> keeps the pictures); the
 * card page also works with JavaScript off.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/platform.ts';
import { openPersonaSuite, type PersonaSuite } from './helpers.ts';
import { TEST_CARDS, reconcile } from '../../src/modules/payments/index.ts';

let suite: PersonaSuite;
let p: TestPlatform;
let base = '';

beforeAll(async () => {
  suite = await openPersonaSuite('payments');
  p = suite.platform;
  base = suite.base;
});
afterAll(async () => { await suite?.close(); });

const person = (persona: string) => suite.person(persona);
const check = (page: Page, label: string) => suite.check(page, label);

/** A dog licence filled in up to the check page. */
async function dogLicence(page: Page, sterilised: 'Yes' | 'No'): Promise<string> {
  await page.goto(`${base}/services/dog-licence/apply`);
  await page.getByRole('button', { name: /^Start (a new )?application$/ }).click();
  await page.waitForURL('**/pages/owner');
  const appUrl = page.url().replace(/\/pages\/owner$/, '');
  await page.getByLabel('Full name').fill('Rajesh Kumar');
  await page.getByLabel('NRIC or FIN').fill('T0123456G');
  await page.getByLabel('Postal code').fill('310123');
  await page.getByLabel('Block or house number').fill('123');
  await page.getByLabel('Street name').fill('Toa Payoh Lorong 1');
  await page.getByLabel('Mobile number').fill('81234567');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL('**/pages/dog');
  await page.getByLabel("Dog's name").fill('Bobo');
  await page.getByLabel('Breed').fill('Singapore Special');
  await page.getByLabel('Day').fill('1');
  await page.getByLabel('Month').fill('2');
  await page.getByLabel('Year').fill('2023');
  await page.getByLabel('Male', { exact: true }).check();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL('**/pages/health');
  await page.getByLabel(sterilised, { exact: true }).first().check();
  await page.getByLabel('Microchip number').fill('900123456789012');
  await page.locator('input[type="file"]').setInputFiles({ name: 'vaccination.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') });
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL('**/check');
  return appUrl;
}

async function fillCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Month').fill('12');
  await page.getByLabel('Year').fill('2030');
  await page.getByLabel('Name on card').fill('Rajesh Kumar');
  await page.getByLabel('Card security code').fill('123');
}

describe('payments in Chromium', () => {
  it('a citizen pays a fee by card (after a decline) and by PayNow; an officer refunds part; the reconciliation is clean', async () => {
    const citizen = await person('rajesh-kumar');
    const { page } = citizen;
    const appUrl = await dogLicence(page, 'No');
    await check(page, '01-check-answers');
    await page.locator('input[name="declaration"]').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL('**/pay');
    expect(await page.textContent('main')).toContain('S$90.00');
    await check(page, '02-pay-the-fee');
    await page.getByLabel('Debit or credit card').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/pay\/[0-9a-f-]{36}$/);
    await check(page, '03-card-details');
    // the form's own errors first
    await page.getByRole('button', { name: /^Pay / }).click();
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter your card number');
    await check(page, '04-card-errors');
    await fillCard(page, TEST_CARDS.declined);
    await page.getByRole('button', { name: /^Pay / }).click();
    expect(await page.textContent('h1')).toContain('Your payment was declined');
    await check(page, '05-declined');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL('**/pay');
    expect(await page.textContent('main')).toContain('Your card was declined. No money has been taken.');
    await check(page, '06-pay-again');
    await page.getByLabel('Debit or credit card').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/pay\/[0-9a-f-]{36}$/);
    await fillCard(page, TEST_CARDS.success);
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL('**/confirmation');
    await check(page, '07-confirmation');
    const paidId = appUrl.split('/').pop()!;
    expect((await p.ctx.db.selectFrom('applications').select('status').where('id', '=', paidId).executeTakeFirstOrThrow()).status).toBe('submitted');

    // PayNow: the QR code, then the agency imports the bank statement
    const second = await dogLicence(page, 'Yes');
    await page.locator('input[name="declaration"]').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.getByLabel('PayNow').check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/\/pay\/[0-9a-f-]{36}$/);
    expect(await page.locator('img.civitas-paynow-qr').count()).toBe(1);
    await check(page, '08-paynow-qr');
    const billReference = (await page.locator('.civitas-code').innerText()).trim();
    await page.getByRole('link', { name: 'I have paid: check now' }).click();
    expect(await page.textContent('main')).toContain('We have not received your payment yet');

    const admin = await person('suresh-pillai');
    await admin.page.goto(`${base}/agency/payments`);
    await check(admin.page, '09-agency-payments');
    await admin.page.getByLabel('Statement (CSV)').fill(`value_date,amount,currency,bank_reference,bill_reference\n${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)},15.00,SGD,DBS-E2E-1,${billReference}\n`);
    await admin.page.getByRole('button', { name: 'Import' }).click();
    expect(await admin.page.textContent('main')).toContain('1 payments confirmed');
    await page.getByRole('link', { name: 'I have paid: check now' }).click();
    await page.waitForURL('**/confirmation');
    expect((await p.ctx.db.selectFrom('applications').select('status').where('id', '=', second.split('/').pop()!).executeTakeFirstOrThrow()).status).toBe('submitted');

    // the officer sees the payment on the case and refunds part of it
    await p.worker.tick();
    const officer = await person('priya-nair');
    await officer.page.goto(`${base}/casework/cases/${paidId}`);
    expect(await officer.page.textContent('main')).toContain('S$90.00');
    await check(officer.page, '10-case-payment-panel');
    await officer.page.getByRole('link', { name: 'Open the payment' }).click();
    await officer.page.getByLabel('Amount to refund').fill('30.00');
    await officer.page.getByLabel('Reason').fill('Licence issued for one year instead of two');
    await officer.page.getByRole('button', { name: 'Refund' }).click();
    expect(await officer.page.textContent('main')).toContain('The refund was made.');
    await check(officer.page, '11-refunded');

    // the card page with JavaScript off
    const noJs = await person('rajesh-kumar');
    const cdp = await noJs.context.newCDPSession(noJs.page);
    const third = await dogLicence(noJs.page, 'No');
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    await noJs.page.goto(`${third}/check`);
    await noJs.page.locator('input[name="declaration"]').check();
    await noJs.page.getByRole('button', { name: 'Continue to payment' }).click();
    await noJs.page.getByLabel('Debit or credit card').check();
    await noJs.page.getByRole('button', { name: 'Continue to payment' }).click();
    await fillCard(noJs.page, TEST_CARDS.success);
    await noJs.page.screenshot({ path: path.join(suite.shots, '12-card-javascript-off.png'), fullPage: true });
    await noJs.page.getByRole('button', { name: /^Pay / }).click();
    await noJs.page.waitForURL('**/confirmation');

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect((await reconcile(p.payments, 'avs', today)).mismatches).toEqual([]);
    await admin.page.goto(`${base}/agency/payments`);
    expect(await admin.page.locator('#reconciliation-clean').count()).toBe(1);
    await check(admin.page, '13-reconciliation-clean');
    for (const c of [citizen, admin, officer, noJs]) await c.context.close();
    if (process.env.CIVITAS_SCREENSHOTS) process.stdout.write(`\npayments screenshots: ${suite.shots}\n`);
  }, 180_000);
});
