import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1, title } from '../../../test/helpers/browser.ts';
import { REFERENCE_ALPHABET } from './index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

async function signInAs(persona: string): Promise<FormBrowser> {
  const b = new FormBrowser(p.app);
  await b.get('/sign-in');
  const res = await b.post('/demo/sign-in', { persona });
  expect(res.status).toBe(200);
  return b;
}

/** Open the service's start page and start a new application, as a person would. */
async function start(b: FormBrowser, service = 'baby-bonus'): Promise<string> {
  await b.get(`/services/${service}/apply`);
  let page = await b.post(`/services/${service}/applications`);
  // people with verified data are asked for consent to prefill first: these journeys type the answers
  if (page.url.endsWith('/consent')) page = await b.post(page.url, { decision: 'decline' });
  expect(page.url).toMatch(/\/applications\/[0-9a-f-]+\/pages\/applicant$/);
  return page.url.replace(/\/pages\/applicant$/, '');
}

describe('the application journey without JavaScript', () => {
  it('starts, validates each page, adds children, checks, changes and submits', async () => {
    const b = await signInAs('tan-ah-kow');
    let page = await b.get('/services/baby-bonus/apply');
    expect(h1(page.html)).toBe('Claim the Baby Bonus');
    page = await b.post('/services/baby-bonus/applications');
    // Tan Ah Kow has verified data: he is asked for consent first, and declines (he types his answers)
    expect(page.url).toMatch(/\/applications\/[0-9a-f-]+\/consent$/);
    page = await b.post(page.url, { decision: 'decline' });
    expect(page.url).toMatch(/\/applications\/[0-9a-f-]+\/pages\/applicant$/);
    const appUrl = page.url.replace(/\/pages\/applicant$/, '');

    // empty page: error summary first, "Error: " title, each field linked
    page = await b.post(`${appUrl}/pages/applicant`, {});
    expect(page.status).toBe(422);
    expect(title(page.html)).toMatch(/^Error: /);
    expect(page.html).toContain('govuk-error-summary');
    expect(page.html).toContain('href="#fullName"');
    expect(decode(page.html)).toContain('Enter your full name');

    // a wrong NRIC keeps the other answers
    page = await b.post(`${appUrl}/pages/applicant`, { fullName: 'Tan Ah Kow', nric: 'S1234567A', relationship: 'father' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('value="Tan Ah Kow"');
    expect(decode(page.html)).toContain('Enter a valid NRIC or FIN');

    page = await b.post(`${appUrl}/pages/applicant`, { fullName: 'Tan Ah Kow', nric: 'S8912345I', relationship: 'father' });
    expect(page.status).toBe(422); // wrong check letter for S8912345
    page = await b.post(`${appUrl}/pages/applicant`, { fullName: 'Tan Ah Kow', nric: 'S1234567D', relationship: 'father' });
    expect(page.url).toBe(`${appUrl}/pages/children/items/0`);

    // add another: two children (twins)
    page = await b.post(`${appUrl}/pages/children/items/0`, { childName: 'Tan Xiao Ming', 'childBirthDate-day': '3', 'childBirthDate-month': '10', 'childBirthDate-year': '2026', birthCertificate: 'T2612345A' });
    expect(page.url).toBe(`${appUrl}/pages/children`);
    expect(decode(h1(page.html))).toBe('You have added 1 child');
    page = await b.post(`${appUrl}/pages/children`, {});
    expect(page.status).toBe(422);
    page = await b.post(`${appUrl}/pages/children`, { addAnother: 'yes' });
    expect(page.url).toBe(`${appUrl}/pages/children/items/1`);
    page = await b.post(`${appUrl}/pages/children/items/1`, { childName: 'Tan Xiao Hong', 'childBirthDate-day': '31', 'childBirthDate-month': '2', 'childBirthDate-year': '2026', birthCertificate: 'T2612346B' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter a real date');
    page = await b.post(`${appUrl}/pages/children/items/1`, { childName: 'Tan Xiao Hong', 'childBirthDate-day': '3', 'childBirthDate-month': '10', 'childBirthDate-year': '2026', birthCertificate: 'T2612346B' });
    expect(decode(h1(page.html))).toBe('You have added 2 children');
    page = await b.post(`${appUrl}/pages/children`, { addAnother: 'no' });
    expect(page.url).toBe(`${appUrl}/pages/spouse`);

    page = await b.post(`${appUrl}/pages/spouse`, { spouseName: 'Lee Mei Hua', spouseNric: 'T0123456A', 'marriageDate-day': '1', 'marriageDate-month': '6', 'marriageDate-year': '2020' });
    expect(page.status).toBe(422); // T0123456A has the wrong check letter
    page = await b.post(`${appUrl}/pages/spouse`, { spouseName: 'Lee Mei Hua', spouseNric: 'S7654321F', 'marriageDate-day': '1', 'marriageDate-month': '6', 'marriageDate-year': '2020' });
    expect(page.status, decode(page.html).slice(0, 0)).toBe(200);
    expect(page.url).toBe(`${appUrl}/pages/payment`);

    // conditional questions: shown under the "bank" option, required only when chosen
    expect(page.html).toContain('govuk-radios__conditional');
    page = await b.post(`${appUrl}/pages/payment`, { paymentMethod: 'bank' });
    expect(page.status).toBe(422);
    page = await b.post(`${appUrl}/pages/payment`, { paymentMethod: 'paynow' });
    expect(page.url).toBe(`${appUrl}/pages/contact`);

    page = await b.post(`${appUrl}/pages/contact`, { mobile: '9123 4567', 'address-postalCode': '5601', 'address-block': '123', 'address-street': 'Ang Mo Kio Ave 3' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('href="#address-postalCode"');
    page = await b.post(`${appUrl}/pages/contact`, { mobile: '9123 4567', 'address-postalCode': '560123', 'address-block': '123', 'address-street': 'Ang Mo Kio Ave 3', 'address-floor': '12', 'address-unit': '34' });
    expect(page.url).toBe(`${appUrl}/check`);
    const check = decode(page.html);
    expect(check).toContain('Tan Xiao Hong');
    expect(check).toContain('S****567D'); // NRICs are masked on screen
    expect(check).toContain('123 Ang Mo Kio Ave 3, #12-34, Singapore 560123');

    // change an answer from the check page and come back to it
    await b.get(`${appUrl}/pages/payment?returnTo=check`);
    page = await b.post(`${appUrl}/pages/payment?returnTo=check`, { paymentMethod: 'bank', bankName: 'dbs', accountNumber: '123-45678-9' });
    expect(page.url).toBe(`${appUrl}/check`);
    expect(decode(page.html)).toContain('DBS / POSB');

    // the declaration is required
    page = await b.post(`${appUrl}/submit`, {});
    expect(page.status).toBe(422);
    const token = b.csrf();
    page = await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    expect(page.url).toBe(`${appUrl}/confirmation`);
    const ref = /data-reference="([A-Z0-9]+)"/.exec(page.html)![1]!;
    expect(ref).toHaveLength(8);
    for (const c of ref) expect(REFERENCE_ALPHABET).toContain(c);

    // a replayed submit is harmless, a replayed page edit is refused with a clear message
    // (a replay sends the same form again, token included)
    const again = await b.request('POST', `${appUrl}/submit`, { _csrf: token, declaration: 'yes' });
    expect(again.url).toBe(`${appUrl}/confirmation`);
    expect(again.html).toContain(ref);
    const edit = await b.request('POST', `${appUrl}/pages/payment`, { _csrf: token, paymentMethod: 'paynow' });
    expect(edit.status).toBe(409);
    expect(decode(edit.html)).toContain('has already been sent');

    page = await b.get('/my-applications');
    expect(page.html).toContain(`${ref.slice(0, 4)}-${ref.slice(4)}`);
  });

  it('keeps a draft that another browser of the same person resumes', async () => {
    const first = await signInAs('siti-aminah');
    const appUrl = await start(first);
    let page;
    await first.post(`${appUrl}/pages/applicant`, { fullName: 'Siti Aminah', nric: 'S1234567D', relationship: 'mother' });

    const second = await signInAs('siti-aminah');
    page = await second.get('/my-applications');
    expect(page.html).toContain(appUrl);
    page = await second.get(appUrl);
    expect(page.url).toBe(`${appUrl}/pages/children/items/0`);
    page = await second.get(`${appUrl}/pages/applicant`);
    expect(page.html).toContain('value="Siti Aminah"');
  });

  it('never shows one person another person\'s application', async () => {
    const owner = await signInAs('rajesh-kumar');
    const appUrl = await start(owner);
    const other = await signInAs('lim-mei-ling');
    expect((await other.get(appUrl)).status).toBe(404);
    expect((await other.get(`${appUrl}/pages/applicant`)).status).toBe(404);
    expect((await other.post(`${appUrl}/pages/applicant`, { fullName: 'x' })).status).toBe(404);
  });

  it('refuses a stale form with the answers kept on the page', async () => {
    const b = await signInAs('tan-ah-kow');
    const appUrl = await start(b);
    const res = await b.request('POST', `${appUrl}/pages/applicant`, { _csrf: 'forged', fullName: 'Tan Ah Kow' });
    expect(res.status).toBe(422);
    expect(res.html).toContain('value="Tan Ah Kow"');
    expect(decode(res.html)).toContain('open too long or was sent from an old copy');
  });

  it('answers unknown services, pages and items with a clear 404', async () => {
    const b = await signInAs('tan-ah-kow');
    expect((await b.get('/services/no-such-service')).status).toBe(404);
    expect((await b.get('/services/no-such-service/apply')).status).toBe(404);
    const appUrl = await start(b);
    const unknown = await b.get(`${appUrl}/pages/nope`);
    expect(unknown.status).toBe(404);
    expect(decode(unknown.html)).toContain('This application has no such page.');
    expect((await b.get(`${appUrl}/pages/children/items/7`)).status).toBe(404);
    expect((await b.get('/applications/not-a-uuid')).status).toBe(404);
  });
});
