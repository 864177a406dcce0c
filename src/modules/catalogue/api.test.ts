import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

describe('GET /api/v1/services', () => {
  it('lists every published service with its version, agency, title, audience, life events, fee and signature need', async () => {
    const r = await p.app.inject('/api/v1/services');
    expect(r.statusCode).toBe(200);
    const { items } = r.json();
    expect(items.length).toBe(p.catalogue.list().length);
    const baby = items.find((i: any) => i.id === 'baby-bonus');
    expect(baby).toMatchObject({ id: 'baby-bonus', version: 1, agency: 'msf', title: 'Claim the Baby Bonus', audience: ['citizen'], lifeEvents: ['having-a-baby'], signatureRequired: false, fee: { type: 'none', amount: 0 } });
    expect(baby.titles.zh).toBe('申领婴儿花红');
  });

  it('answers in another language and filters by audience', async () => {
    const { items } = (await p.app.inject('/api/v1/services?lang=ms&audience=citizen')).json();
    expect(items.find((i: any) => i.id === 'baby-bonus').title).toBe('Tuntut Bonus Bayi');
    expect(items.every((i: any) => i.audience.includes('citizen'))).toBe(true);
  });

  it('refuses bad query values with a clear 400, never a 500', async () => {
    const r = await p.app.inject('/api/v1/services?lang=fr');
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'bad_request' });
    expect((await p.app.inject('/api/v1/nothing-here')).json()).toMatchObject({ code: 'not_found' });
  });
});

describe('catalogue pages', () => {
  it('finds services by life event, agency and search in any language', async () => {
    const home = await p.app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(home.body).toContain('href="/life-events/having-a-baby"');
    expect((await p.app.inject('/life-events/having-a-baby')).body).toContain('href="/services/baby-bonus"');
    expect((await p.app.inject('/agencies/msf')).body).toContain('href="/services/baby-bonus"');
    expect((await p.app.inject('/services?q=bonus')).body).toContain('href="/services/baby-bonus"');
    expect((await p.app.inject(`/services?q=${encodeURIComponent('婴儿')}`)).body).toContain('href="/services/baby-bonus"');
    expect((await p.app.inject('/services?q=zzzzqqq')).body).toContain('No services match your search');
    expect((await p.app.inject('/life-events/nope')).statusCode).toBe(404);
  });

  it('shows a service page with who can apply, what you need, cost, processing time and a start button', async () => {
    const r = await p.app.inject('/services/baby-bonus');
    for (const text of ['Who can apply', 'What you need', 'Cost', 'Free', 'Processing time', '10 working days', 'Start now', 'href="/services/baby-bonus/apply"']) expect(r.body).toContain(text);
  });

  it('serves every page in the chosen language', async () => {
    const r = await p.app.inject({ url: '/services/baby-bonus', headers: { cookie: 'civitas_lang=zh' } });
    expect(r.body).toContain('<html lang="zh-Hans"');
    expect(r.body).toContain('申领婴儿花红');
    expect(r.body).toContain('立即开始');
    const switched = await p.app.inject('/language/ta?next=/services');
    expect(switched.statusCode).toBe(303);
    expect(switched.headers.location).toBe('/services');
    expect(String(switched.headers['set-cookie'])).toContain('civitas_lang=ta');
    expect((await p.app.inject('/language/ta?next=https://evil.example')).headers.location).toBe('/');
  });
});
