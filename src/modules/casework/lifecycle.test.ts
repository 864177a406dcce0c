/**
 * The "done when", through the real pages (JavaScript off): an
 * officer works a queue, requests information, the applicant answers, a
 * second officer approves, the applicant gets the email; the case's cached
 * row always equals what its history says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { decode, h1 } from '../../../test/helpers/browser.ts';
import { emailsTo } from '../../../test/helpers/mail.ts';
import { drain, sendBabyBonus, signInAs, versionOf } from '../../../test/helpers/casework.ts';
import { listHistory } from '../applications/index.ts';
import { deriveCase, findCase } from './index.ts';
import { DECIDED_QUEUE } from './act-on-case.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

async function agreesWithHistory(id: string) {
  const c = (await findCase(p.ctx.db, p.ctx.keys, id))!;
  const service = (await p.catalogue.getVersion(c.serviceId, c.serviceVersion))!;
  const derived = deriveCase(await listHistory(p.ctx.db, p.ctx.keys, id, { withComments: false }), service.definition.workflow.steps)!;
  expect({ state: c.state, stepId: c.stepId, stepIndex: c.stepIndex, queueAgencyId: c.queueAgencyId, referredByAgencyId: c.referredByAgencyId, assigneeId: c.assigneeId, dueDate: c.dueDate, pausedDaysLeft: c.pausedDaysLeft, escalated: c.escalated, decision: c.decision, version: c.version })
    .toEqual(derived);
}

describe('an application worked from queue to decision', () => {
  it('goes through request for information, answer, four-eyes approval and the applicant\'s email', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id, reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    await drain(p); // the outbox job opens the case
    await agreesWithHistory(id);

    // the case officer finds it in the open queue, on time, unassigned
    const officer = await signInAs(p, 'wong-li-hua');
    let page = await officer.get('/casework');
    expect(page.status).toBe(200);
    expect(h1(page.html)).toBe('Cases');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    expect(decode(page.html)).toContain(shown);
    expect(decode(page.html)).toContain('Tan Ah Kow');

    page = await officer.get(`/casework/cases/${id}`);
    expect(page.status).toBe(200);
    const text = decode(page.html);
    expect(text).toContain('1 of 2: Check eligibility');
    expect(text).toContain('Unassigned');
    expect(page.html).toContain('data-source="typed"'); // every answer says where it came from
    expect(text).toMatch(/Working days left: \d+/);

    // take it, then ask for more information
    page = await officer.post(`/casework/cases/${id}/assignment`, { operation: 'take', version: versionOf(page.html) });
    expect(page.url).toBe(`/casework/cases/${id}?done=take`);
    expect(decode(page.html)).toContain('You are now working on this case.');
    page = await officer.post(`/casework/cases/${id}/actions`, { action: 'request_information', version: versionOf(page.html), message_request_information: '' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Say what information or documents the applicant needs to send');
    page = await officer.post(`/casework/cases/${id}/actions`, { action: 'request_information', version: versionOf(page.html), message_request_information: 'Please send a copy of the marriage certificate.' });
    expect(page.url).toBe(`/casework/cases/${id}?done=request_information`);
    expect(decode(page.html)).toContain('Clock paused');
    await agreesWithHistory(id);

    // the applicant is told by email and on "My applications", and answers with a document
    const mail = (await emailsTo(p, 'tan.ahkow@demo.civitas.sg')).find((m) => m.kind === 'casework.infoRequested')!;
    expect(mail.subject).toContain('we need more information');
    expect(mail.body).toContain('Please send a copy of the marriage certificate.');
    expect(mail.body).toContain(`/applications/${id}/respond`);
    page = await citizen.get('/my-applications');
    expect(decode(page.html)).toContain('Information needed');
    page = await citizen.get(`/applications/${id}`);
    expect(decode(page.html)).toContain('Please send a copy of the marriage certificate.');
    page = await citizen.get(`/applications/${id}/respond`);
    expect(page.status).toBe(200);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    page = await citizen.postMultipart(`/applications/${id}/respond`, { answer: '' }, { documents: { name: 'marriage.pdf', type: 'application/pdf', content: pdf } });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter the answer');
    page = await citizen.postMultipart(`/applications/${id}/respond`, { answer: 'Attached, thank you.' }, { documents: { name: 'marriage.pdf', type: 'application/pdf', content: pdf } });
    expect(page.url).toBe(`/applications/${id}?answered=1`);
    expect(decode(page.html)).toContain('Thank you: we have your answer');
    await agreesWithHistory(id);

    // back with the officer (who is told), clock running again; the document is on the case
    expect((await emailsTo(p, 'wong.lihua@msf.demo.civitas.sg')).some((m) => m.kind === 'casework.answered')).toBe(true);
    page = await officer.get(`/casework/cases/${id}`);
    expect(decode(page.html)).toContain('marriage.pdf');
    expect(decode(page.html)).toContain('Attached, thank you.');
    const fileHref = /href="(\/casework\/cases\/[^"]+\/files\/[^"]+)"/.exec(page.html)![1]!;
    const download = await p.app.inject({ method: 'GET', url: fileHref, headers: { cookie: `civitas_session=${officer.cookie('civitas_session')}` } });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.subarray(0, 4).toString()).toBe('%PDF');

    // the case officer cannot approve (not the step's role); they complete the step
    expect(page.html).not.toContain('value="approve"');
    page = await officer.post(`/casework/cases/${id}/actions`, { action: 'complete_step', version: versionOf(page.html), comment_complete_step: 'Eligible: married, child is a citizen.' });
    expect(page.url).toBe(`/casework/cases/${id}?done=complete_step`);
    expect(decode(page.html)).toContain('2 of 2: Approve payment');
    await agreesWithHistory(id);

    // the approver approves
    const approver = await signInAs(p, 'goh-siew-ling');
    page = await approver.get('/casework');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    page = await approver.get(`/casework/cases/${id}`);
    expect(page.html).toContain('value="approve"');
    expect(decode(page.html)).toContain('Eligible: married, child is a citizen.'); // the internal comment is in the history
    page = await approver.post(`/casework/cases/${id}/actions`, { action: 'approve', version: versionOf(page.html), message_approve: '' });
    expect(page.url).toBe(`/casework/cases/${id}?done=approve`);
    expect(decode(page.html)).toContain('Application approved.');
    await agreesWithHistory(id);

    // consequences: the applicant's email (their language), the document job, the status they see
    const approved = (await emailsTo(p, 'tan.ahkow@demo.civitas.sg')).find((m) => m.kind === 'casework.approved')!;
    expect(approved.lang).toBe('en');
    expect(approved.subject).toBe(`Claim the Baby Bonus: your application is approved (${shown})`);
    expect(approved.body).toContain('Baby Bonus approval letter');
    const job: any = await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', DECIDED_QUEUE).executeTakeFirst();
    expect(JSON.parse(job.payload)).toMatchObject({ applicationId: id, decision: 'approved', output: 'approval-letter' });
    // the job issues the sealed approval letter, which the applicant downloads from the application page
    await drain(p);
    const letter = await p.ctx.db.selectFrom('issued_documents').select(['id', 'type', 'status']).where('application_id', '=', id).executeTakeFirstOrThrow();
    expect(letter).toMatchObject({ type: 'approval-letter', status: 'valid' });
    page = await citizen.get(`/applications/${id}`);
    expect(decode(page.html)).toContain('Your application has been approved');
    expect(page.html).toContain(`/documents/${letter.id}/pdf`);
    const letterPdf = await p.app.inject({ url: `/documents/${letter.id}/pdf`, headers: { cookie: `civitas_session=${citizen.cookie('civitas_session')}` } });
    expect(letterPdf.statusCode).toBe(200);
    expect(letterPdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    page = await citizen.get('/my-applications');
    expect(decode(page.html)).toContain('Approved');

    // closed: in the closed queue, nothing more to do
    page = await officer.get('/casework?view=closed');
    expect(page.html).toContain(`href="/casework/cases/${id}"`);
    page = await officer.get(`/casework/cases/${id}`);
    expect(decode(page.html)).toContain('A decision has been made. The case is closed.');
  });

  it('records rejection reasons the applicant sees, in the language they applied in', async () => {
    const citizen = await signInAs(p, 'siti-aminah');
    await citizen.get('/language/ms?next=/');
    const { id } = await sendBabyBonus(citizen, { fullName: 'Siti Aminah binte Rahman', nric: 'S5834567I' });
    await drain(p);
    const officer = await signInAs(p, 'wong-li-hua');
    let page = await officer.get(`/casework/cases/${id}`);
    page = await officer.post(`/casework/cases/${id}/actions`, { action: 'reject', version: versionOf(page.html), message_reject: '' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Give the reasons for the rejection');
    page = await officer.post(`/casework/cases/${id}/actions`, { action: 'reject', version: versionOf(page.html), message_reject: 'The child was born before 1 January 2026.' });
    expect(page.url).toBe(`/casework/cases/${id}?done=reject`);
    const mail = (await emailsTo(p, 'siti.aminah@demo.civitas.sg')).find((m) => m.kind === 'casework.rejected')!;
    expect(mail.lang).toBe('ms');
    expect(mail.subject).toContain('tidak diluluskan');
    expect(mail.body).toContain('The child was born before 1 January 2026.');
    page = await citizen.get(`/applications/${id}`);
    expect(decode(page.html)).toContain('Permohonan anda tidak diluluskan');
    expect(decode(page.html)).toContain('The child was born before 1 January 2026.');
    await agreesWithHistory(id);
  });

  it('refuses a stale page: two officers acting on what they saw, only the first succeeds', async () => {
    const citizen = await signInAs(p, 'rajesh-kumar');
    const { id } = await sendBabyBonus(citizen, { fullName: 'Rajesh Kumar', nric: 'S9012345I' });
    await drain(p);
    const a = await signInAs(p, 'wong-li-hua');
    const b = await signInAs(p, 'ahmad-faizal');
    const pageA = await a.get(`/casework/cases/${id}`);
    const pageB = await b.get(`/casework/cases/${id}`);
    expect(versionOf(pageA.html)).toBe(versionOf(pageB.html));
    // the officer completes the step; the administrator, from the page they opened before, tries to assign it
    const r1 = await a.post(`/casework/cases/${id}/actions`, { action: 'complete_step', version: versionOf(pageA.html) });
    expect(r1.url).toBe(`/casework/cases/${id}?done=complete_step`);
    const r2 = await b.post(`/casework/cases/${id}/assignment`, { operation: 'assign', assignee: (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'goh-siew-ling').executeTakeFirstOrThrow()).id as string, version: versionOf(pageB.html) });
    expect(r2.status).toBe(409);
    expect(decode(r2.html)).toContain('Someone else acted on case');
    const again = await a.request('POST', `/casework/cases/${id}/actions`, { _csrf: /name="_csrf" value="([^"]+)"/.exec(pageA.html)![1]!, action: 'complete_step', version: versionOf(pageA.html) });
    expect(again.status).toBe(409);
    expect(decode(again.html)).toContain('Someone else acted on case');
    expect(decode(again.html)).toContain('2 of 2'); // the page now shows what happened
    await agreesWithHistory(id);
  });

  it('shows someone else\'s agency\'s case as not found', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    await drain(p);
    const avs = await signInAs(p, 'priya-nair');
    expect((await avs.get(`/casework/cases/${id}`)).status).toBe(404);
    expect((await avs.get('/casework')).html).not.toContain(id);
    expect((await citizen.get(`/casework/cases/${id}`)).status).toBe(403);
    expect((await avs.post(`/casework/cases/${id}/actions`, { action: 'complete_step', version: '1' })).status).toBe(404);
  });
});
