import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser } from '../../../test/helpers/browser.ts';

let p: TestPlatform;
let b: FormBrowser;
let appUrl: string;
beforeAll(async () => {
  p = await createTestPlatform();
  b = new FormBrowser(p.app);
  await b.get('/sign-in');
  await b.post('/demo/sign-in', { persona: 'tan-ah-kow' });
  await b.get('/services/baby-bonus/apply');
  let started = await b.post('/services/baby-bonus/applications');
  // a person with verified data is asked for consent to prefill first: these tests type their answers
  if (started.url.endsWith('/consent')) started = await b.post(started.url, { decision: 'decline' });
  appUrl = started.url.replace(/\/pages\/applicant$/, '');
  await b.post(`${appUrl}/pages/applicant`, { fullName: 'Tan Ah Kow', nric: 'S1234567D', relationship: 'father' });
});
afterAll(async () => { await p?.close(); });

const cookieOf = () => `civitas_session=${b.cookie('civitas_session')}`;

describe('bad input never yields a 500 and never loses answers', () => {
  it('malformed JSON, wrong content types and huge bodies get clear 4xx pages', async () => {
    const json = await p.app.inject({ method: 'POST', url: `${appUrl}/pages/applicant`, headers: { cookie: cookieOf(), 'content-type': 'application/json', accept: 'text/html' }, payload: '{"fullName": ' });
    expect(json.statusCode).toBe(400);
    expect(json.body).toContain('There is a problem with your request');
    expect(json.body).not.toMatch(/at .*\.ts:\d+/); // no stack trace

    const text = await p.app.inject({ method: 'POST', url: `${appUrl}/pages/applicant`, headers: { cookie: cookieOf(), 'content-type': 'text/plain', accept: 'text/html' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);

    const huge = await p.app.inject({ method: 'POST', url: `${appUrl}/pages/applicant`, headers: { cookie: cookieOf(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: `fullName=${'x'.repeat(2 * 1024 * 1024)}` });
    expect(huge.statusCode).toBe(413);
    expect(huge.body).toContain('larger than we accept');
  });

  it('wrong types and oversized fields are answer errors on the same page', async () => {
    await b.get(`${appUrl}/pages/applicant`);
    const res = await b.post(`${appUrl}/pages/applicant`, { fullName: 'y'.repeat(500), nric: ['S1234567D', 'T0123456G'], relationship: 'uncle' });
    expect(res.status).toBe(422);
    expect(res.html).toContain('must be 100 characters or fewer');
    expect(res.html).toContain('Select one of the options shown');
  });

  it('earlier answers survive every refused request', async () => {
    const page = await b.get(`${appUrl}/pages/applicant`);
    expect(page.html).toContain('value="Tan Ah Kow"');
    expect(page.html).toContain('value="S1234567D"');
  });

  it('a tampered hidden field (CSRF token) is refused on the same page with the typed answers', async () => {
    const res = await b.request('POST', `${appUrl}/pages/applicant`, { _csrf: 'x'.repeat(43), fullName: 'Changed Name', nric: 'S1234567D', relationship: 'mother' });
    expect(res.status).toBe(422);
    expect(res.html).toContain('value="Changed Name"');
    const saved = await b.get(`${appUrl}/pages/applicant`);
    expect(saved.html).toContain('value="Tan Ah Kow"');
  });

  it('unknown routes answer with a 404 page or JSON', async () => {
    expect((await p.app.inject({ url: '/no/such/page', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    const api = await p.app.inject('/api/v1/no-such');
    expect(api.statusCode).toBe(404);
    expect(api.json().code).toBe('not_found');
  });
});
