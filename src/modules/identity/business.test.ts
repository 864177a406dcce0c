import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { applyForFoodShopLicence } from '../../../test/helpers/identity.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { nricCheckLetter } from '../../platform/identifiers/index.ts';
import { DEMO_BUSINESSES, DEMO_PERSONAS } from './index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

const BAKERY = DEMO_BUSINESSES[0]!;
const BANNER = `You are acting for Lim's Bakery Pte Ltd (UEN ${BAKERY.uen}).`;
const NURUL = DEMO_PERSONAS.find((x) => x.id === 'nurul-huda')!;

async function persona(id: string): Promise<FormBrowser> {
  const b = new FormBrowser(p.app);
  await b.get('/sign-in');
  await b.post('/demo/sign-in', { persona: id });
  return b;
}
async function actFor(b: FormBrowser, choice: string) {
  await b.get('/acting-for');
  return b.post('/acting-for', { actingFor: choice });
}

describe('acting for a business', () => {
  it('is chosen explicitly after sign-in by someone who represents businesses, shown on every page, and audited', async () => {
    const b = new FormBrowser(p.app);
    await b.get('/sign-in');
    let res = await b.post('/demo/sign-in', { persona: 'lim-mei-ling' });
    expect(res.url).toBe('/acting-for');
    expect(h1(res.html)).toBe('Who are you acting for?');
    expect(decode(res.html)).toContain('Myself (Lim Mei Ling)');
    expect(decode(res.html)).toContain(`UEN ${BAKERY.uen}. Your roles: Administrator`);
    res = await b.post('/acting-for', {});
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('Select who you are acting for');
    res = await b.post('/acting-for', { actingFor: '201599999Z' }); // not hers
    expect(res.status).toBe(422);
    res = await b.post('/acting-for', { actingFor: BAKERY.uen });
    expect(res.url).toBe('/my-applications');
    for (const url of ['/my-applications', '/services', '/account', '/']) expect(decode((await b.get(url)).html)).toContain(BANNER);
    const account = await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'lim-mei-ling').executeTakeFirstOrThrow();
    expect((await auditTrail(p.ctx.db, `account:${account.id}`)).find((e) => e.action === 'identity.acting_for_chosen')).toMatchObject({ onBehalfOf: BAKERY.uen });
    // back to acting for herself: the banner goes
    await actFor(b, 'self');
    expect(decode((await b.get('/my-applications')).html)).not.toContain(BANNER);
  });

  it('is needed for a business-only service, and a personal service is refused while acting for a business', async () => {
    const b = await persona('lim-mei-ling');
    await actFor(b, 'self');
    let res = await b.get('/services/food-shop-licence/apply');
    expect(res.status).toBe(403);
    expect(decode(res.html)).toContain('This service is for businesses. Choose the business you act for');
    res = await b.post('/services/food-shop-licence/applications');
    expect(res.status).toBe(403);
    await actFor(b, BAKERY.uen);
    res = await b.get('/services/baby-bonus/apply');
    expect(res.status).toBe(403);
    expect(decode(res.html)).toContain('This service is for individuals. You are acting for a business');
    expect((await b.get('/services/food-shop-licence/apply')).status).toBe(200);
  });

  it('lets the business\'s representatives, and only them, see its applications; drafts only to those who may apply', async () => {
    const lim = await persona('lim-mei-ling');
    await actFor(lim, BAKERY.uen);
    const { appUrl, page } = await applyForFoodShopLicence(lim, BAKERY.uen);
    expect(page.url).toBe(`${appUrl}/confirmation`);
    // Nurul, an applicant of the bakery, sees it when acting for the bakery
    const nurul = await persona('nurul-huda');
    await actFor(nurul, BAKERY.uen);
    expect(decode((await nurul.get('/my-applications')).html)).toContain('Apply for a food shop licence');
    expect((await nurul.get(appUrl)).status).toBe(200);
    // not when acting for herself, and never anyone else
    await actFor(nurul, 'self');
    expect((await nurul.get(appUrl)).status).toBe(404);
    expect((await (await persona('tan-ah-kow')).get(appUrl)).status).toBe(404);
    // a draft of the bakery's is for those who may apply
    await actFor(nurul, BAKERY.uen);
    await nurul.get('/services/food-shop-licence/apply');
    const draftUrl = (await nurul.post('/services/food-shop-licence/applications')).url.replace(/\/pages\/business$/, '');
    expect((await lim.get(draftUrl)).url).toBe(`${draftUrl}/pages/business`); // Lim (admin) may continue it
  });
});

describe('the business administrator', () => {
  it('gives people roles by NRIC/FIN (checked), changes them with immediate effect, and cannot remove the last administrator', async () => {
    const lim = await persona('lim-mei-ling');
    await actFor(lim, BAKERY.uen);
    let res = await lim.get('/business/representatives');
    expect(h1(res.html)).toBe('People who act for the business');
    expect(res.html).toContain('S****');
    expect(res.html).not.toContain(NURUL.nric!); // NRICs are shown masked
    res = await lim.post('/business/representatives', { nric: 'S1234567A', name: 'Ong Boon Huat', roles: 'viewer' });
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('Enter a valid NRIC or FIN, like S1234567D');
    expect(res.html).toContain('value="Ong Boon Huat"');
    const ong = `S3456789${nricCheckLetter('S', '3456789')}`;
    res = await lim.post('/business/representatives', { nric: ong.toLowerCase(), name: 'Ong Boon Huat', roles: 'viewer' });
    expect(decode(res.html)).toContain('The person has been added.');
    expect(decode(res.html)).toContain('Ong Boon Huat');

    // Nurul can apply now; once made a viewer she cannot, at her very next request
    const nurul = await persona('nurul-huda');
    await actFor(nurul, BAKERY.uen);
    expect((await nurul.get('/services/food-shop-licence/apply')).status).toBe(200);
    const keyOf = async (name: string) => [...(await lim.get('/business/representatives')).html.matchAll(/<td class="govuk-table__cell">([^<]+)<\/td>\s*<td class="govuk-table__cell">[^<]+<\/td>\s*<td class="govuk-table__cell">\s*<form method="post" action="\/business\/representatives\/([\w-]+)"/g)].find((m) => m[1] === name)![2]!;
    res = await lim.post(`/business/representatives/${await keyOf(NURUL.name)}`, { roles: 'viewer', action: 'save' });
    expect(decode(res.html)).toContain('The roles have been changed.');
    res = await nurul.get('/services/food-shop-licence/apply');
    expect(res.status).toBe(403);
    expect(decode(res.html)).toContain('Your roles in this business do not let you apply.');
    // and the representatives page is the administrator's only
    expect((await nurul.get('/business/representatives')).status).toBe(403);

    // Lim is the only administrator
    await lim.get('/business/representatives');
    res = await lim.post(`/business/representatives/${await keyOf('Lim Mei Ling')}`, { action: 'remove' });
    expect(res.status).toBe(422);
    expect(decode(res.html)).toContain('The business needs at least one administrator.');

    const trail = await auditTrail(p.ctx.db, `business:${BAKERY.uen}`);
    expect(trail.filter((e) => e.action === 'business.roles_granted').length).toBeGreaterThanOrEqual(4); // 2 seeded, Ong, Nurul changed
    expect(trail.at(-1)).toMatchObject({ action: 'business.roles_granted', onBehalfOf: BAKERY.uen, data: { before: ['applicant'], after: ['viewer'] } });
  });
});
