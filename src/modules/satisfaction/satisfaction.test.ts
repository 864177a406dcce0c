/**
 * The survey through the real pages (JavaScript off): asked on the
 * confirmation page, answered once, counted in the scorecard at once and kept
 * apart by audience; asked again in "My applications" only after a decision
 * when not yet answered; a missing rating is an error that keeps the comment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { approveThroughCasework, csrfOf, sendBabyBonus, signInAs } from '../../../test/helpers/casework.ts';
import { createApiKey } from '../identity/index.ts';
import { findAnswer } from './index.ts';

let p: TestPlatform;
let key: string;
beforeAll(async () => {
  p = await createTestPlatform();
  key = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'scorecard', scopes: ['kpi:read'] })).key;
});
afterAll(async () => { await p?.close(); });

async function kpi(id: string, query = '') {
  const r = await p.app.inject({ method: 'GET', url: `/api/v1/kpis?from=2000-01-01&to=2099-12-31${query}`, headers: { authorization: `Bearer ${key}` } });
  return r.json().kpis.find((k: { id: string }) => k.id === id);
}

describe('the satisfaction survey', () => {
  it('is asked after sending, answered once, and changes the KPI at once', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id, url } = await sendBabyBonus(citizen);
    let page = await citizen.get(`${url}/confirmation`);
    expect(page.html).toContain('data-survey="open"');
    expect(page.html).toContain('name="rating"');
    expect(await kpi('satisfaction_citizens')).toMatchObject({ value: null, status: 'no_data' });

    // no rating: an error, the comment kept
    page = await citizen.post(`/applications/${id}/feedback`, { comment: 'Quick and clear' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('govuk-error-summary');
    expect(page.html).toContain('Quick and clear');

    page = await citizen.post(`/applications/${id}/feedback`, { rating: '6', comment: 'Quick and clear' });
    expect(page.url).toBe(`/applications/${id}/feedback`);
    expect(page.html).toContain('data-survey="answered"');
    expect(await findAnswer(p.ctx.db, p.ctx, id)).toMatchObject({ rating: 6, comment: 'Quick and clear', audience: 'citizen' });
    expect(await kpi('satisfaction_citizens')).toMatchObject({ value: 1, numerator: 1, denominator: 1, status: 'met' });
    expect(await kpi('satisfaction_businesses')).toMatchObject({ value: null, denominator: 0 });

    // a second answer does not count twice; the first stands
    page = await citizen.get(`/applications/${id}/feedback`);
    await citizen.post(`/applications/${id}/feedback`, { rating: '1', _csrf: csrfOf(page.html) });
    expect((await findAnswer(p.ctx.db, p.ctx, id))!.rating).toBe(6);
    expect(await kpi('satisfaction_citizens')).toMatchObject({ numerator: 1, denominator: 1 });
  });

  it('is offered in My applications after a decision, until answered', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    let mine = await citizen.get('/my-applications');
    expect(mine.html).not.toContain(`href="/applications/${id}/feedback"`);
    await approveThroughCasework(p, id);
    mine = await citizen.get('/my-applications');
    expect(mine.html).toContain(`href="/applications/${id}/feedback"`);
    const view = await citizen.get(`/applications/${id}`);
    expect(view.html).toContain('data-survey="open"');
    await citizen.post(`/applications/${id}/feedback`, { rating: '3' });
    mine = await citizen.get('/my-applications');
    expect(mine.html).not.toContain(`href="/applications/${id}/feedback"`);
    expect(await kpi('satisfaction_citizens')).toMatchObject({ numerator: 1, denominator: 2, value: 0.5, status: 'missed' });
    expect(await kpi('satisfaction_citizens', '&service=baby-bonus')).toMatchObject({ numerator: 1, denominator: 2 });
  });

  it('shows the agency\'s leadership the comments, never the public', async () => {
    const viewer = await signInAs(p, 'farah-aziz');
    const page = await viewer.get('/kpi/comments');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Quick and clear');
    expect((await p.app.inject({ method: 'GET', url: '/performance' })).body).not.toContain('Quick and clear');
    const avs = await signInAs(p, 'priya-nair');
    expect((await avs.get('/kpi/comments')).status).toBe(403); // not leadership
  });

  it('is asked in the applicant\'s language', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    await citizen.get('/language/zh?next=/');
    const page = await citizen.get(`/applications/${id}/feedback`);
    expect(page.html).toContain('非常满意');
  });

  it('is not shown to someone else', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    const other = await signInAs(p, 'lim-mei-ling');
    expect((await other.get(`/applications/${id}/feedback`)).status).toBe(404);
  });
});
