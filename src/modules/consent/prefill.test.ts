/**
 * Consent and prefill through the real journey (JavaScript off): the consent
 * page names each item, source and agency; agreeing fills and locks the
 * questions; a locked value changed by any route is refused at submission;
 * declining leaves the questions to be typed; consents are listed and can be
 * withdrawn; the prefill and an officer's reading of the case appear in
 * "who used my data".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { drain, signInAs } from '../../../test/helpers/casework.ts';
import { decode, h1, type FormBrowser } from '../../../test/helpers/browser.ts';
import { findApplication, updateDraft } from '../applications/index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

const text = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

async function startBabyBonus(b: FormBrowser) {
  await b.get('/services/baby-bonus/apply');
  const page = await b.post('/services/baby-bonus/applications');
  const m = /\/applications\/([0-9a-f-]{36})\/consent$/.exec(page.url);
  return { page, id: m?.[1] };
}

/** The rest of the Baby Bonus after the applicant page, typed. */
async function finish(b: FormBrowser, id: string, contact: Record<string, string> = {}) {
  const url = `/applications/${id}`;
  await b.post(`${url}/pages/children/items/0`, { childName: 'Tan Xiao Ming', 'childBirthDate-day': '3', 'childBirthDate-month': '10', 'childBirthDate-year': '2026', birthCertificate: 'T2612345A' });
  await b.post(`${url}/pages/children`, { addAnother: 'no' });
  await b.post(`${url}/pages/spouse`, { spouseName: 'Lee Mei Hua', spouseNric: 'S7654321F', 'marriageDate-day': '1', 'marriageDate-month': '6', 'marriageDate-year': '2020' });
  await b.post(`${url}/pages/payment`, { paymentMethod: 'paynow' });
  return b.post(`${url}/pages/contact`, contact);
}

describe('consent and prefill', () => {
  it('shows each item with its source and agency, fills and locks on agreement, and refuses a changed locked value', async () => {
    const b = await signInAs(p, 'tan-ah-kow');
    const { page, id } = await startBabyBonus(b);
    expect(id, page.url).toBeTruthy();
    expect(h1(page.html)).toBe('Use your verified data?');
    const t = text(page.html);
    for (const s of ['Name', 'NRIC or FIN', 'Mobile number', 'Registered address', 'Government-verified', 'Singpass-verified', 'Immigration & Checkpoints Authority (ICA)', 'so that MSF can confirm who is claiming']) expect(t).toContain(s);
    // nothing was read before agreeing
    expect(await p.ctx.db.selectFrom('data_uses').selectAll().execute()).toHaveLength(0);

    // no choice: an error, nothing recorded
    const none = await b.post(`/applications/${id}/consent`, {});
    expect(none.status).toBe(422);
    expect(text(none.html)).toContain('Select whether you agree');

    const agreed = await b.post(`/applications/${id}/consent`, { decision: 'agree' });
    expect(agreed.url).toBe(`/applications/${id}/pages/applicant`);
    expect(agreed.html).toMatch(/name="fullName"[^>]*value="TAN AH KOW"|value="TAN AH KOW"[^>]*name="fullName"/);
    expect(agreed.html).toMatch(/id="fullName"[^>]*readonly/);
    expect(agreed.html).toContain('data-verified="fullName"');
    expect(text(agreed.html)).toContain('Government-verified');
    expect(text(agreed.html)).toContain('From government records');

    // sending another name changes nothing: the locked value is kept
    await b.post(`/applications/${id}/pages/applicant`, { fullName: 'Someone Else', nric: 'S1234567D', relationship: 'father' });
    let a = (await findApplication(p.ctx.db, p.ctx.keys, id!))!;
    expect(a.answers.fullName).toBe('TAN AH KOW');
    expect(a.answers.nric).toBe('S8912345' + a.answers.nric!.toString().slice(-1));
    expect(a.answerSources.fullName).toMatchObject({ source: 'verified', item: 'name', agency: 'ica', origin: '1', provider: 'registry' });
    expect(a.answers.mobile).toBe('+6591234567');
    expect(a.answers.address).toEqual({ block: '123', street: 'ANG MO KIO AVENUE 3', postalCode: '560123', floor: '8', unit: '45' });

    const check = await finish(b, id!);
    expect(check.url).toBe(`/applications/${id}/check`);
    expect(text(check.html)).toContain('Government-verified');

    // a locked value changed behind the journey's back: refused at submission
    a = (await findApplication(p.ctx.db, p.ctx.keys, id!))!;
    await updateDraft(p.ctx, a, (ans) => ({ ...ans, fullName: 'MALLORY' }));
    const refused = await b.post(`/applications/${id}/submit`, { declaration: 'yes' });
    expect(refused.status).toBe(409);
    expect(text(refused.html)).toContain('A verified answer in this application was changed');
    a = (await findApplication(p.ctx.db, p.ctx.keys, id!))!;
    expect(a.status).toBe('draft');
    // put back as verified: it goes through
    await updateDraft(p.ctx, a, (ans) => ({ ...ans, fullName: 'TAN AH KOW' }));
    await b.get(`/applications/${id}/check`);
    const sent = await b.post(`/applications/${id}/submit`, { declaration: 'yes' });
    expect(sent.url).toBe(`/applications/${id}/confirmation`);

    // the officer opens the case: both uses appear in "who used my data", newest first
    await drain(p);
    const officer = await signInAs(p, 'wong-li-hua');
    expect((await officer.get(`/casework/cases/${id}`)).status).toBe(200);
    const uses = await b.get('/account/data-use');
    const rows = [...uses.html.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) => text(m[1]!)).filter((r) => !r.includes('When'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('Wong Li Hua');
    expect(rows[0]).toContain('Processing your application');
    expect(rows[1]).toContain('Claim the Baby Bonus');
    expect(rows[1]).toContain('Name, NRIC or FIN, Mobile number, Registered address');
    // filtered: only officers
    const officers = await b.get('/account/data-use?kind=officer');
    expect(text(officers.html)).toContain('Wong Li Hua');
    expect(text(officers.html)).not.toContain('Claim the Baby Bonus');

    // the consent is listed and can be withdrawn
    const consents = await b.get('/account/consents');
    expect(text(consents.html)).toContain('Agreed');
    const withdraw = /action="(\/account\/consents\/[0-9a-f-]+\/withdraw)"/.exec(consents.html)![1]!;
    const after = await b.post(withdraw, {});
    expect(after.url).toBe('/account/consents?withdrawn=1');
    expect(text(after.html)).toContain('Withdrawn');
    // nobody else can withdraw it
    const other = await signInAs(p, 'rajesh-kumar');
    await other.get('/account/security'); // a page with a form (its CSRF token)
    expect((await other.post(withdraw, {})).status).toBe(404);
  });

  it('declining reads nothing and asks the questions; a person without verified data goes straight in', async () => {
    const b = await signInAs(p, 'siti-aminah');
    const { id } = await startBabyBonus(b);
    const before = (await p.ctx.db.selectFrom('data_uses').selectAll().execute()).length;
    const declined = await b.post(`/applications/${id}/consent`, { decision: 'decline' });
    expect(declined.url).toBe(`/applications/${id}/pages/applicant`);
    expect(declined.html).not.toContain('readonly');
    expect((await p.ctx.db.selectFrom('data_uses').selectAll().execute()).length).toBe(before);
    const a = (await findApplication(p.ctx.db, p.ctx.keys, id!))!;
    expect(a.answers).toEqual({});
    expect(text((await b.get('/account/consents')).html)).toContain('Declined');

    // Nurul Huda acts for herself here but has a record without... a representative acting for a business is not asked
    const rep = await signInAs(p, 'lim-mei-ling');
    const start = await startBabyBonus(rep);
    expect(start.id).toBeTruthy(); // has a record: asked
  });

  it('asks the question normally when an item is unavailable', async () => {
    // Siti's record has no email and the baby bonus does not ask it; remove her mobile number to make one unavailable
    const b = await signInAs(p, 'siti-aminah');
    await p.ctx.db.deleteFrom('registry_person_items').where('item', '=', 'mobileno').where('person_id', 'in', p.ctx.db.selectFrom('registry_person_items').select('person_id').where('item', '=', 'sex')).execute();
    const { id, page } = await startBabyBonus(b);
    expect(text(page.html)).toContain('Not available: you will be asked');
    await b.post(`/applications/${id}/consent`, { decision: 'agree' });
    const a = (await findApplication(p.ctx.db, p.ctx.keys, id!))!;
    expect(a.answers.fullName).toBe('SITI AMINAH BINTE RAHMAN');
    expect(a.answers.mobile).toBeUndefined();
    const contact = await b.get(`/applications/${id}/pages/contact`);
    expect(contact.html).not.toMatch(/id="mobile"[^>]*readonly/);
    expect(contact.html).toMatch(/id="address-postalCode"[^>]*readonly/);
  });
});
