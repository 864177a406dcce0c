/**
 * The workflow rules through the pages and use cases: four eyes, referral
 * across agencies, the clock pausing while the applicant has the case,
 * escalation of breached deadlines, counter applications, automatic and bulk
 * assignment, search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { decode } from '../../../test/helpers/browser.ts';
import { emailsTo } from '../../../test/helpers/mail.ts';
import { babyBonusAnswers, drain, sendBabyBonus, signInAs, versionOf } from '../../../test/helpers/casework.ts';
import { countByChannel, listHistory } from '../applications/index.ts';
import { createApiKey } from '../identity/index.ts';
import { actOnCase, assignMany, escalateOverdue, findCase } from './index.ts';
import { actorOfApi } from './casework.ts';
import { fourEyesConflict } from './workflow.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
let p: TestPlatform;
let offsetMs = 0;
const keys: Record<string, string> = {};

beforeAll(async () => {
  p = await createTestPlatform({}, { clock: () => new Date(Date.now() + offsetMs) });
  const make = async (agencyId: string, role: string) => (await createApiKey(p.ctx.db, { agencyId, name: `${agencyId} ${role}`, scopes: ['applications:read', 'applications:write', 'casework:act'], officerRole: role })).key;
  keys.msf = await make('msf', 'case_officer');
  keys.avs = await make('avs', 'case_officer');
});
afterAll(async () => { await p?.close(); });

async function api(method: 'GET' | 'POST', url: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await p.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, body: res.json() as any, headers: res.headers };
}

const comcare = {
  fullName: 'Siti Aminah binte Rahman', nric: 'S5834567I', mobile: '91234567', homeAddress: { postalCode: '560123', block: '123', street: 'Ang Mo Kio Ave 3' },
  employmentStatus: 'looking-for-work', household: [], housingCost: 300, utilitiesCost: 100, foodCost: 400, transportCost: 50, otherCost: 0, reason: 'I lost my job in October.',
};
const dogLicence = {
  ownerName: 'Rajesh Kumar', ownerNric: 'T0123456G', ownerAddress: { postalCode: '560123', block: '123', street: 'Ang Mo Kio Ave 3' }, ownerMobile: '91234567',
  dogName: 'Biscuit', dogBreed: 'Singapore Special', dogBirthDate: '2024-01-15', dogSex: 'female', sterilised: 'yes', microchipNumber: '900123456789012',
  vaccinationCertificate: { name: 'vaccination.pdf', contentBase64: PDF.toString('base64') },
};

describe('four eyes', () => {
  it('keeps the officer who screened a case from approving it, on the page and in the action', async () => {
    const created = await api('POST', '/api/v1/services/dog-licence/applications', keys.avs!, { channel: 'api', applicant: { nric: 'T0123456G' }, answers: dogLicence });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const priya = await signInAs(p, 'priya-nair'); // case officer and approver at AVS
    let page = await priya.get(`/casework/cases/${id}`);
    expect(page.html).toContain('value="complete_step"');
    page = await priya.post(`/casework/cases/${id}/actions`, { action: 'complete_step', version: versionOf(page.html) });
    expect(decode(page.html)).toContain('2 of 2: Issue the licence');
    // at the approval step she holds the role, but four eyes rules her out
    expect(page.html).not.toContain('value="approve"');
    expect(decode(page.html)).toContain('You acted on this case at an earlier step, so four eyes rules you out here');
    expect(page.html).not.toContain('Take this case');
    const refused = await priya.post(`/casework/cases/${id}/actions`, { action: 'approve', version: versionOf(page.html) });
    expect(refused.status).toBe(403);
    expect(decode(refused.html)).toContain('four eyes rules you out');
    const c = (await findCase(p.ctx.db, p.ctx.keys, id))!;
    expect(c.status).toBe('in_review');
    const history = await listHistory(p.ctx.db, p.ctx.keys, id, { withComments: false });
    const steps = (await p.catalogue.getVersion('dog-licence', c.serviceVersion))!.definition.workflow.steps;
    expect(fourEyesConflict(steps, history, 1, c.assigneeId ?? history.find((e) => e.type === 'case.step_completed')!.actorId)).toBe(true);
  });
});

describe('referral to another agency', () => {
  it('sends a case to another agency\'s queue and gets it back with that agency\'s input, without email', async () => {
    const created = await api('POST', '/api/v1/services/comcare-assistance/applications', keys.msf!, { channel: 'counter', applicant: { nric: 'S5834567I', name: 'Siti Aminah binte Rahman' }, answers: comcare });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const msf = await signInAs(p, 'wong-li-hua');
    let page = await msf.get(`/casework/cases/${id}`);
    page = await msf.post(`/casework/cases/${id}/actions`, { action: 'refer', version: versionOf(page.html), toAgency: '', comment_refer: 'Does she have a dog licence with you?' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Choose the agency to refer the case to');
    page = await msf.post(`/casework/cases/${id}/actions`, { action: 'refer', version: versionOf(page.html), toAgency: 'avs', comment_refer: 'Does she have a dog licence with you?' });
    expect(page.url).toBe(`/casework/cases/${id}?done=refer`);
    expect((await msf.get('/casework?view=referred_out')).html).toContain(id);

    const avs = await signInAs(p, 'priya-nair');
    page = await avs.get('/casework?view=referred_in');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    page = await avs.get(`/casework/cases/${id}`);
    expect(page.status).toBe(200);
    expect(decode(page.html)).toContain('Does she have a dog licence with you?');
    expect(page.html).toContain('value="answer_referral"');
    expect(page.html).not.toContain('value="approve"');
    page = await avs.post(`/casework/cases/${id}/actions`, { action: 'answer_referral', version: versionOf(page.html), comment_answer_referral: 'No licence on record.' });
    expect(page.url).toBe(`/casework/cases/${id}?done=answer_referral`);
    // once answered, the case is MSF's again and AVS no longer sees it
    expect((await avs.get(`/casework/cases/${id}`)).status).toBe(404);
    page = await msf.get(`/casework/cases/${id}`);
    expect(decode(page.html)).toContain('No licence on record.');
    expect(decode(page.html)).toContain('Animal & Veterinary Service answered the referral');
    expect(page.html).toContain('value="complete_step"');
  });
});

describe('the clock', () => {
  it('pauses while the applicant has the case and restarts with the working days that were left', async () => {
    const created = await api('POST', '/api/v1/services/baby-bonus/applications', keys.msf!, { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
    const id = created.body.id as string;
    const cal = await p.calendar.get();
    const before = (await findCase(p.ctx.db, p.ctx.keys, id))!;
    const today = cal.localDate(p.ctx.clock());
    const left = cal.workingDaysBetween(today, before.dueDate!);
    expect(left).toBeGreaterThan(0);
    await actOnCase(p.casework, { applicationId: id, actor: actorOfApi({ keyId: 'k', agencyId: 'msf', scopes: [], officerRole: 'case_officer' }), action: 'request_information', message: 'Send the birth certificate.' });
    const paused = (await findCase(p.ctx.db, p.ctx.keys, id))!;
    expect(paused).toMatchObject({ state: 'with_applicant', dueDate: null, pausedDaysLeft: left, status: 'info_requested' });
    offsetMs = 10 * 86_400_000; // ten days later the applicant answers
    try {
      await actOnCase(p.casework, { applicationId: id, actor: actorOfApi({ keyId: 'k', agencyId: 'msf', scopes: [], officerRole: 'case_officer' }), action: 'provide_information', message: 'Sent at the counter.' });
      const resumed = (await findCase(p.ctx.db, p.ctx.keys, id))!;
      const later = cal.localDate(p.ctx.clock());
      expect(resumed.dueDate).toBe(cal.addWorkingDays(later, left));
      expect(cal.workingDaysBetween(later, resumed.dueDate!)).toBe(left);
    } finally {
      offsetMs = 0;
    }
  });
});

describe('escalation', () => {
  it('escalates a breached deadline once, in the history, the escalated queue and the supervisors\' mail', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    await drain(p);
    expect(await escalateOverdue(p.casework)).toBe(0);
    offsetMs = 20 * 86_400_000;
    try {
      const n = await escalateOverdue(p.casework);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(await escalateOverdue(p.casework)).toBe(0);
      const c = (await findCase(p.ctx.db, p.ctx.keys, id))!;
      expect(c.escalated).toBe(true);
      const history = await listHistory(p.ctx.db, p.ctx.keys, id, { withComments: false });
      expect(history.at(-1)).toMatchObject({ type: 'case.escalated', actorType: 'system' });
      expect((history.at(-1)!.data as any).supervisors).toEqual(['approver', 'agency_admin']);
      expect((await emailsTo(p, 'goh.siewling@msf.demo.civitas.sg')).some((m) => m.kind === 'casework.escalated')).toBe(true);
      expect((await emailsTo(p, 'ahmad.faizal@msf.demo.civitas.sg')).some((m) => m.kind === 'casework.escalated')).toBe(true);
      expect((await emailsTo(p, 'wong.lihua@msf.demo.civitas.sg')).some((m) => m.kind === 'casework.escalated')).toBe(false);
      const supervisor = await signInAs(p, 'goh-siew-ling');
      const page = await supervisor.get('/casework?view=escalated');
      expect(page.html).toContain(`href="/casework/cases/${id}"`);
      const casePage = await supervisor.get(`/casework/cases/${id}`);
      expect(decode(casePage.html)).toContain('escalated to supervisors');
      expect(decode(casePage.html)).toMatch(/Working days overdue: \d+/);
    } finally {
      offsetMs = 0;
    }
  });

  it('runs as a periodic job on the worker', async () => {
    expect(p.ctx.jobs.periodic.some((t) => t.queue === 'casework.escalate')).toBe(true);
  });
});

describe('counter and paper', () => {
  it('records an application through the same pages and counts it in the channel totals', async () => {
    const before = await countByChannel(p.ctx.db, { agencyId: 'msf' });
    const officer = await signInAs(p, 'wong-li-hua');
    let page = await officer.get('/casework/record');
    expect(page.status).toBe(200);
    page = await officer.post('/casework/record', { serviceId: 'baby-bonus', channel: 'counter', nric: 'S1234567A' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter a valid NRIC or FIN');
    page = await officer.post('/casework/record', { serviceId: 'dog-licence', channel: 'counter', nric: 'S9012345I' });
    expect(decode(page.html)).toContain('Choose one of your agency\'s services'); // AVS's service: not theirs
    page = await officer.post('/casework/record', { serviceId: 'baby-bonus', channel: 'counter', nric: 'S9012345I', name: 'Mohamed Iskandar', email: 'iskandar@example.com' });
    expect(page.url).toMatch(/^\/applications\/[0-9a-f-]+\/pages\/applicant$/);
    const url = page.url.replace(/\/pages\/applicant$/, '');
    const id = url.split('/').pop()!;
    // the same questions and checks as online
    page = await officer.post(`${url}/pages/applicant`, { fullName: 'Mohamed Iskandar', nric: 'S9012345X', relationship: 'father' });
    expect(page.status).toBe(422);
    page = await officer.post(`${url}/pages/applicant`, { fullName: 'Mohamed Iskandar', nric: 'S9012345I', relationship: 'father' });
    expect(page.url).toBe(`${url}/pages/children/items/0`);
    await officer.post(`${url}/pages/children/items/0`, { childName: 'Adam Iskandar', 'childBirthDate-day': '3', 'childBirthDate-month': '10', 'childBirthDate-year': '2026', birthCertificate: 'T2612999A' });
    await officer.post(`${url}/pages/children`, { addAnother: 'no' });
    await officer.post(`${url}/pages/spouse`, { spouseName: 'Nurul Huda', spouseNric: 'S7654321F', 'marriageDate-day': '1', 'marriageDate-month': '6', 'marriageDate-year': '2020' });
    await officer.post(`${url}/pages/payment`, { paymentMethod: 'paynow' });
    await officer.post(`${url}/pages/contact`, { mobile: '9123 4567', 'address-postalCode': '560123', 'address-block': '123', 'address-street': 'Ang Mo Kio Ave 3' });
    page = await officer.post(`${url}/submit`, { declaration: 'yes' });
    expect(page.url).toBe(`${url}/confirmation`);
    expect(page.html).toContain(`/casework/cases/${id}`);
    // the applicant (not the officer) gets the confirmation
    expect((await emailsTo(p, 'iskandar@example.com')).some((m) => m.kind === 'application.submitted')).toBe(true);
    const after = await countByChannel(p.ctx.db, { agencyId: 'msf' });
    const counter = (rows: typeof after) => rows.find((r) => r.channel === 'counter')?.submitted ?? 0;
    expect(counter(after)).toBe(counter(before) + 1);
    // the case, found by the applicant's NRIC
    page = await officer.get(`/casework/cases/${id}`);
    expect(decode(page.html)).toContain('At a counter');
    page = await officer.get('/casework?q=S9012345I');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    page = await officer.get('/casework?q=iskandar+mohamed');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    // a citizen cannot see a draft an officer is recording; the recording officer can
    const other = await signInAs(p, 'tan-ah-kow');
    expect((await other.get(`${url}/pages/applicant`)).status).toBe(404);
  });
});

describe('assignment', () => {
  it('assigns in turn when a step\'s rule is on, and in bulk from the workbench', async () => {
    const admin = await signInAs(p, 'ahmad-faizal');
    let page = await admin.get('/casework/settings');
    expect(page.status).toBe(200);
    page = await admin.post('/casework/settings/assignment', { serviceId: 'baby-bonus', stepId: 'assessment', enabled: 'on' });
    expect(page.url).toBe('/casework/settings?done=assignment');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await api('POST', '/api/v1/services/baby-bonus/applications', keys.msf!, { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
      ids.push(r.body.id);
    }
    const wong = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'wong-li-hua').executeTakeFirstOrThrow()).id as string;
    const cases = await Promise.all(ids.map((id) => findCase(p.ctx.db, p.ctx.keys, id)));
    // MSF has one case officer, so both go to her
    expect(cases.map((c) => c!.assigneeId)).toEqual([wong, wong]);
    await admin.post('/casework/settings/assignment', { serviceId: 'baby-bonus', stepId: 'assessment', enabled: 'off' });

    // bulk: release both, then take them back from the workbench
    const officer = await signInAs(p, 'wong-li-hua');
    page = await officer.get('/casework?view=mine');
    expect(page.html).toContain(ids[0]!);
    page = await officer.post('/casework/bulk', { cases: ids, operation: 'release', assignee: '', returnTo: '/casework?view=mine' });
    expect(page.url).toMatch(/^\/casework\?view=mine&bulkDone=2&bulkOp=release$/);
    expect(decode(page.html)).toContain('Cases returned to the queue: 2');
    page = await officer.get('/casework?view=unassigned');
    expect(page.html).toContain(ids[1]!);
    const r = await assignMany(p.casework, { applicationIds: [...ids, '00000000-0000-4000-8000-000000000000'], actor: { type: 'officer', id: wong, agencyId: 'msf', roles: ['case_officer'], human: true }, op: { kind: 'take' } });
    expect(r.done).toHaveLength(2);
    expect(r.failed).toHaveLength(1);
  });
});

describe('search', () => {
  it('finds cases by reference, NRIC, UEN or name words, within the agency only', async () => {
    const r = await api('POST', '/api/v1/services/baby-bonus/applications', keys.msf!, { channel: 'paper', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers('Nurul Huda binte Osman') });
    const { id, reference } = r.body;
    const officer = await signInAs(p, 'wong-li-hua');
    for (const q of [reference, `${reference.slice(0, 4)}-${reference.slice(4)}`.toLowerCase(), 'S5834567I', 'huda osman', 'OSMAN']) {
      const page = await officer.get(`/casework?q=${encodeURIComponent(q)}`);
      expect(page.html, q).toContain(`href="/casework/cases/${id}"`);
    }
    expect((await officer.get('/casework?q=huda+nobody')).html).not.toContain(id);
    const avs = await signInAs(p, 'priya-nair');
    expect((await avs.get(`/casework?q=${reference}`)).html).not.toContain(id);
  });
});
