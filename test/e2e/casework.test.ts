/**
 * Casework in a real browser (Chromium through playwright-core) against the
 * real server: an officer works a case from the queue, the applicant answers
 * a request for information, an approver approves; every page is checked
 * with axe (WCAG 2.2 AA rules) and photographed for people to look at
 * (CIVITAS_SCREENSHOTS=<dir> keeps the pictures). One page is also checked
 * with JavaScript off.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../helpers/platform.ts';
import { openPersonaSuite, type PersonaSuite } from './helpers.ts';
import { babyBonusAnswers, drain, sendBabyBonus, signInAs } from '../helpers/casework.ts';
import { createApiKey } from '../../src/modules/identity/index.ts';

let suite: PersonaSuite;
let p: TestPlatform;
let base = '';

beforeAll(async () => {
  suite = await openPersonaSuite('casework');
  p = suite.platform;
  base = suite.base;
});
afterAll(async () => { await suite?.close(); });

const person = (persona: string) => suite.person(persona);
const check = (page: Page, label: string) => suite.check(page, label);

describe('casework in Chromium', () => {
  it('works a case from queue to approval, with the applicant answering online', async () => {
    // a few cases in the queue: one from the journey (its applicant will answer), some from an agency system
    const citizenForm = await signInAs(p, 'tan-ah-kow');
    const { id, reference } = await sendBabyBonus(citizenForm);
    const key = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'intake', scopes: ['applications:write', 'applications:read', 'casework:act'], officerRole: 'case_officer' })).key;
    for (const [name, nric] of [['Nurul Huda binte Osman', 'S5834567I'], ['Rajesh Kumar', 'S9012345I']] as const) {
      const r = await p.app.inject({ method: 'POST', url: '/api/v1/services/baby-bonus/applications', headers: { authorization: `Bearer ${key}` }, payload: { channel: 'counter', applicant: { nric }, answers: babyBonusAnswers(name, nric) } });
      expect(r.statusCode).toBe(201);
    }
    await drain(p);

    const officer = await person('wong-li-hua');
    await officer.page.goto(`${base}/casework`);
    await expect.poll(() => officer.page.locator(`a[href="/casework/cases/${id}"]`).count()).toBe(1);
    await check(officer.page, '01-workbench');

    await officer.page.click(`a[href="/casework/cases/${id}"]`);
    await officer.page.waitForURL(`**/casework/cases/${id}`);
    await check(officer.page, '02-case');
    await officer.page.click('button:has-text("Take this case")');
    await officer.page.waitForURL('**done=take');
    // the request-for-information box is revealed when its option is chosen (JavaScript on)
    await officer.page.check('input[name="action"][value="request_information"]');
    await expect.poll(() => officer.page.locator('#message_request_information').isVisible()).toBe(true);
    expect(await officer.page.locator('#message_reject').isVisible()).toBe(false);
    await officer.page.fill('#message_request_information', 'Please upload a copy of your marriage certificate.');
    await officer.page.click('button:has-text("Confirm")');
    await officer.page.waitForURL('**done=request_information');
    await check(officer.page, '03-case-information-requested');

    const citizen = await person('tan-ah-kow');
    await citizen.page.goto(`${base}/my-applications`);
    await check(citizen.page, '04-my-applications');
    await citizen.page.goto(`${base}/applications/${id}`);
    await check(citizen.page, '05-application-information-needed');
    await citizen.page.click('a:has-text("Send the information we asked for")');
    await check(citizen.page, '06-respond');
    await citizen.page.fill('#answer', 'Here is our marriage certificate.');
    const pdf = path.join(suite.shots, 'marriage-certificate.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    await citizen.page.setInputFiles('#documents', pdf);
    await citizen.page.click('button:has-text("Send")');
    await citizen.page.waitForURL('**answered=1');
    await check(citizen.page, '07-answered');

    await officer.page.goto(`${base}/casework/cases/${id}`);
    expect(await officer.page.textContent('main')).toContain('marriage-certificate.pdf');
    await officer.page.check('input[name="action"][value="complete_step"]');
    await officer.page.click('button:has-text("Confirm")');
    await officer.page.waitForURL('**done=complete_step');
    await check(officer.page, '08-case-at-approval');

    const approver = await person('goh-siew-ling');
    await approver.page.goto(`${base}/casework?view=unassigned`);
    await approver.page.click(`a[href="/casework/cases/${id}"]`);
    await approver.page.check('input[name="action"][value="approve"]');
    await approver.page.click('button:has-text("Confirm")');
    await approver.page.waitForURL('**done=approve');
    await check(approver.page, '09-approved');
    expect(await approver.page.textContent('main')).toContain(`${reference.slice(0, 4)}-${reference.slice(4)}`);

    // the other pages, photographed and checked
    await officer.page.goto(`${base}/casework?q=${encodeURIComponent('Nurul Huda')}`);
    await check(officer.page, '10-search');
    await officer.page.goto(`${base}/casework/record`);
    await check(officer.page, '11-record');
    const admin = await person('ahmad-faizal');
    await admin.page.goto(`${base}/casework/settings`);
    await check(admin.page, '12-settings');
    await admin.page.goto(`${base}/casework?view=closed`);
    await check(admin.page, '13-closed');

    // with JavaScript off, every action's box is shown and the page still works
    const noJs = await person('wong-li-hua');
    const cdp = await noJs.context.newCDPSession(noJs.page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    const other = await p.ctx.db.selectFrom('cases').select('application_id').where('state', '=', 'queued').where('application_id', '!=', id).executeTakeFirstOrThrow();
    await noJs.page.goto(`${base}/casework/cases/${other.application_id}`);
    expect(await noJs.page.locator('#message_reject').isVisible()).toBe(true);
    await noJs.page.screenshot({ path: path.join(suite.shots, '14-case-javascript-off.png'), fullPage: true });
    await noJs.page.check('input[name="action"][value="reject"]');
    await noJs.page.click('button:has-text("Confirm")');
    expect(await noJs.page.textContent('.govuk-error-summary')).toContain('Give the reasons for the rejection');
    await noJs.page.screenshot({ path: path.join(suite.shots, '15-case-error-javascript-off.png'), fullPage: true });

    for (const c of [officer, citizen, approver, admin, noJs]) await c.context.close();
    if (process.env.CIVITAS_SCREENSHOTS) process.stdout.write(`\ncasework screenshots: ${suite.shots}\n`);
  }, 120_000);
});
