import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, SERVICES_DIR, type Platform } from '../../main.ts';
import { createLogger } from '../../platform/log/index.ts';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, h1 } from '../../../test/helpers/browser.ts';

let first: TestPlatform;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-services-'));
  fs.cpSync(SERVICES_DIR, dir, { recursive: true });
  first = await createTestPlatform({}, { servicesDir: dir });
});
afterAll(async () => { await first?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

async function startAs(p: Platform, persona: string) {
  const b = new FormBrowser(p.app);
  await b.get('/sign-in');
  await b.post('/demo/sign-in', { persona });
  await b.get('/services/baby-bonus/apply');
  let page = await b.post('/services/baby-bonus/applications');
  if (page.url.endsWith('/consent')) page = await b.post(page.url, { decision: 'decline' });
  const url = page.url.replace(/\/pages\/applicant$/, '');
  return { b, url };
}

describe('service definition versions', () => {
  it('a changed definition becomes a new version; an application keeps the version it started on', async () => {
    const old = await startAs(first, 'tan-ah-kow');
    expect(h1((await old.b.get(`${old.url}/pages/applicant`)).html)).toBe('About you');

    // the agency changes the definition and Civitas restarts on the same database
    const file = path.join(dir, 'msf/baby-bonus.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('title: { en: "About you"', 'title: { en: "Tell us about yourself"'));
    const second = await createPlatform(first.config, { log: createLogger('silent'), servicesDir: dir });
    try {
      expect(second.catalogue.get('baby-bonus')!.version).toBe(2);
      const resumed = new FormBrowser(second.app);
      await resumed.get('/sign-in');
      await resumed.post('/demo/sign-in', { persona: 'tan-ah-kow' });
      expect(h1((await resumed.get(`${old.url}/pages/applicant`)).html)).toBe('About you');
      const fresh = await startAs(second, 'tan-ah-kow');
      expect(h1((await fresh.b.get(`${fresh.url}/pages/applicant`)).html)).toBe('Tell us about yourself');
      const api = (await second.app.inject('/api/v1/services')).json();
      expect(api.items.find((i: any) => i.id === 'baby-bonus').version).toBe(2);
    } finally {
      await second.close();
    }
    // unchanged: a third start keeps version 2
    const third = await createPlatform(first.config, { log: createLogger('silent'), servicesDir: dir });
    expect(third.catalogue.get('baby-bonus')!.version).toBe(2);
    await third.close();
  });
});
