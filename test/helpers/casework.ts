/** Helpers for casework tests: people signing in, applications sent through the real journey, the outbox worked. */
import { expect } from 'vitest';
import type { Platform } from '../../src/main.ts';
import { FormBrowser } from './browser.ts';
import { actOnCase, findCase } from '../../src/modules/casework/index.ts';

export async function signInAs(p: Platform, persona: string): Promise<FormBrowser> {
  const b = new FormBrowser(p.app);
  await b.get('/sign-in');
  const res = await b.post('/demo/sign-in', { persona });
  expect(res.status).toBe(200);
  return b;
}

/** A Baby Bonus application sent through the web journey; returns its id and reference. */
export async function sendBabyBonus(b: FormBrowser, opts: { fullName?: string; nric?: string } = {}): Promise<{ id: string; reference: string; url: string }> {
  await b.get('/services/baby-bonus/apply');
  let page = await b.post('/services/baby-bonus/applications');
  // a person with verified data is asked for consent to prefill first: these tests type their answers
  if (page.url.endsWith('/consent')) page = await b.post(page.url, { decision: 'decline' });
  const url = page.url.replace(/\/pages\/applicant$/, '');
  page = await b.post(`${url}/pages/applicant`, { fullName: opts.fullName ?? 'Tan Ah Kow', nric: opts.nric ?? 'S1234567D', relationship: 'father' });
  expect(page.url, page.html.slice(0, 2000)).toBe(`${url}/pages/children/items/0`);
  await b.post(`${url}/pages/children/items/0`, { childName: 'Tan Xiao Ming', 'childBirthDate-day': '3', 'childBirthDate-month': '10', 'childBirthDate-year': '2026', birthCertificate: 'T2612345A' });
  await b.post(`${url}/pages/children`, { addAnother: 'no' });
  await b.post(`${url}/pages/spouse`, { spouseName: 'Lee Mei Hua', spouseNric: 'S7654321F', 'marriageDate-day': '1', 'marriageDate-month': '6', 'marriageDate-year': '2020' });
  await b.post(`${url}/pages/payment`, { paymentMethod: 'paynow' });
  page = await b.post(`${url}/pages/contact`, { mobile: '9123 4567', 'address-postalCode': '560123', 'address-block': '123', 'address-street': 'Ang Mo Kio Ave 3' });
  expect(page.url).toBe(`${url}/check`);
  page = await b.post(`${url}/submit`, { declaration: 'yes' });
  expect(page.url).toBe(`${url}/confirmation`);
  const reference = /data-reference="([A-Z0-9]+)"/.exec(page.html)![1]!;
  return { id: url.split('/').pop()!, reference, url };
}

/** Baby Bonus answers as an agency system sends them through the API. */
export function babyBonusAnswers(name = 'Siti Aminah binte Rahman', nric = 'S5834567I') {
  return {
    fullName: name, nric, relationship: 'mother',
    children: [{ childName: 'Nur Aisyah', childBirthDate: '2026-10-03', birthCertificate: 'T2612345A' }],
    spouseName: 'Rahman bin Ali', spouseNric: 'S7654321F', marriageDate: '2020-06-01',
    paymentMethod: 'paynow', mobile: '91234567', address: { postalCode: '560123', block: '123', street: 'Ang Mo Kio Ave 3' },
  };
}

/** Run the background worker until nothing is due. */
export async function drain(p: Platform): Promise<number> {
  return p.worker.tick();
}

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const versionOf = (html: string): string => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';

/**
 * Approve an application through casework as the owning agency's system would
 * (an API actor with every role the workflow asks for), step by step, then run
 * the jobs the decision queues (the issued document among them).
 */
export async function approveThroughCasework(p: Platform, applicationId: string): Promise<void> {
  await drain(p); // the case is opened by a job after submission
  for (let i = 0; i < 10; i++) {
    const c = await findCase(p.ctx.db, p.ctx.keys, applicationId);
    if (!c) throw new Error(`no case for application ${applicationId}`);
    if (c.state === 'closed') break;
    const service = (await p.catalogue.getVersion(c.serviceId, c.serviceVersion))!;
    const step = service.definition.workflow!.steps[c.stepIndex]!;
    const action = (step.actions as string[]).includes('approve') ? 'approve' : 'complete_step';
    const actor = { type: 'api' as const, id: `test-system-${i}`, agencyId: c.agencyId, roles: [step.role] as never[], human: false };
    await actOnCase(p.casework, { applicationId, actor, action: action as never, comment: 'Approved in a test' });
  }
  await drain(p);
}
