/**
 * The whole lifecycle through the API alone: an agency system sends an
 * application (validated like the web journey, idempotent), reads it, acts on
 * it as its key's officer role (four eyes and versions apply), and hears
 * about every status change through signed webhooks (Standard Webhooks).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { decode } from '../../../test/helpers/browser.ts';
import { emailsTo } from '../../../test/helpers/mail.ts';
import { babyBonusAnswers, drain, signInAs } from '../../../test/helpers/casework.ts';
import { countByChannel } from '../applications/index.ts';
import { createApiKey } from '../identity/index.ts';
import { WEBHOOK_MAX_ATTEMPTS } from './webhooks.ts';

let p: TestPlatform;
let receiver: http.Server;
let receiverUrl: string;
let answerWith = 200;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const key: Record<string, string> = {};

beforeAll(async () => {
  p = await createTestPlatform();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answerWith).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/civitas-hook`;
  const make = async (agencyId: string, scopes: string[], role: string | null) => (await createApiKey(p.ctx.db, { agencyId, name: 'test', scopes, officerRole: role })).key;
  key.screening = await make('msf', ['applications:write', 'applications:read', 'casework:act'], 'case_officer');
  key.approval = await make('msf', ['applications:read', 'casework:act'], 'approver');
  key.readOnly = await make('msf', ['applications:read'], null);
  key.avs = await make('avs', ['applications:write', 'applications:read', 'casework:act'], 'case_officer');
});
afterAll(async () => {
  await p?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function call(method: 'GET' | 'POST', url: string, k: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await p.app.inject({ method, url, headers: { authorization: `Bearer ${k}`, ...headers }, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, body: res.json() as any, headers: res.headers };
}

describe('the API for agency systems', () => {
  let secret = '';

  it('registers a webhook endpoint from the agency settings page, showing the secret once', async () => {
    const admin = await signInAs(p, 'ahmad-faizal');
    await admin.get('/casework/settings');
    let page = await admin.post('/casework/settings/webhooks', { url: 'ftp://nowhere', description: '' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('The endpoint must use https://');
    page = await admin.post('/casework/settings/webhooks', { url: receiverUrl, description: 'MSF case system' });
    expect(page.status).toBe(200);
    secret = /data-secret>([^<]+)</.exec(page.html)![1]!;
    expect(secret).toMatch(/^whsec_/);
    page = await admin.get('/casework/settings');
    expect(page.html).toContain(receiverUrl);
    expect(page.html).not.toContain(secret);
  });

  it('runs the whole lifecycle: send, read, request information, answer, complete, approve', async () => {
    const body = { channel: 'api', applicant: { nric: 'S5834567I', email: 'siti.updates@example.com' }, answers: babyBonusAnswers(), lang: 'zh' };
    const created = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, body, { 'idempotency-key': 'msf-sys-0001' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'submitted', channel: 'api', serviceId: 'baby-bonus', case: { state: 'queued', step: { id: 'assessment', role: 'case_officer' } } });
    expect(created.body.case.allowedActions).toEqual(expect.arrayContaining(['complete_step', 'request_information', 'reject']));
    expect(created.headers.etag).toBe(`"${created.body.case.version}"`);

    // a retry with the same key is the same application; the same key for another request is refused
    const replay = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, body, { 'idempotency-key': 'msf-sys-0001' });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const misuse = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { ...body, channel: 'paper' }, { 'idempotency-key': 'msf-sys-0001' });
    expect(misuse.status).toBe(409);
    expect(misuse.body.message).toContain('used with a different request');
    expect((await p.ctx.db.selectFrom('applications').select('id').where('channel', '=', 'api').execute()).length).toBe(1);

    let read = await call('GET', `/api/v1/applications/${id}`, key.readOnly!);
    expect(read.status).toBe(200);
    expect(read.body.answers.fullName).toBe('Siti Aminah binte Rahman');
    expect(read.body.answerSources.fullName).toBe('typed');
    // the applicant was told, in the language the agency system gave
    expect((await emailsTo(p, 'siti.aminah@demo.civitas.sg')).concat(await emailsTo(p, 'siti.updates@example.com')).some((m) => m.kind === 'application.submitted' && m.lang === 'zh')).toBe(true);

    const act = (k: string, a: Record<string, unknown>, etag?: string) => call('POST', `/api/v1/applications/${id}/actions`, k, a, etag ? { 'if-match': etag } : {});
    let r = await act(key.screening!, { action: 'request_information', message: 'Send the marriage certificate.' }, read.headers.etag as string);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'info_requested', case: { state: 'with_applicant', deadlineStatus: 'paused' } });
    r = await act(key.screening!, { action: 'provide_information', message: 'Received at the service centre.' });
    expect(r.body).toMatchObject({ status: 'in_review', case: { state: 'queued' } });
    r = await act(key.screening!, { action: 'complete_step' }, r.headers.etag as string);
    expect(r.body.case.step.id).toBe('approval');
    const atApproval = r.headers.etag as string;

    // the screening key's role cannot approve; a stale version is refused; the approver's key approves
    r = await act(key.screening!, { action: 'approve' });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('needs the role: approver');
    r = await act(key.approval!, { action: 'approve' }, '"1"');
    expect(r.status).toBe(412);
    expect(r.body.code).toBe('precondition_failed');
    r = await act(key.approval!, { action: 'approve', version: 1 });
    expect(r.status).toBe(409);
    r = await act(key.approval!, { action: 'approve' }, atApproval);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'approved', case: { state: 'closed', decision: 'approved', allowedActions: [] } });
    read = await call('GET', `/api/v1/applications/${id}`, key.readOnly!);
    expect(read.body.history.map((e: any) => e.type)).toEqual(['started', 'submitted', 'case.opened', 'case.information_requested', 'case.information_provided', 'case.step_completed', 'case.approved']);

    // every status change reached the agency's endpoint, signed
    await drain(p);
    const wh = new Webhook(secret);
    const messages = received.map((m) => wh.verify(m.body, m.headers as Record<string, string>) as any).sort((a, b) => a.data.sequence - b.data.sequence);
    expect(messages.map((m) => m.data.status)).toEqual(['submitted', 'info_requested', 'in_review', 'approved']);
    expect(messages.every((m) => m.type === 'application.status_changed' && m.data.applicationId === id)).toBe(true);
    expect(new Set(received.map((m) => m.headers['webhook-id'])).size).toBe(4);
    expect(() => wh.verify(received[0]!.body.replace('submitted', 'approved'), received[0]!.headers as Record<string, string>)).toThrow();
    // and the agency sees the delivery log
    const admin = await signInAs(p, 'ahmad-faizal');
    const page = await admin.get('/casework/settings');
    expect((page.html.match(/Delivered/g) ?? []).length).toBeGreaterThanOrEqual(4);

    const byChannel = await countByChannel(p.ctx.db, { agencyId: 'msf' });
    expect(byChannel.find((c) => c.channel === 'api')).toMatchObject({ submitted: 1, approved: 1 });
  });

  it('validates the answers exactly like the web journey, naming each problem', async () => {
    const bad = { ...babyBonusAnswers(), nric: 'S1234567A', children: [], marriageDate: '2020-02-30' };
    const r = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'counter', applicant: { nric: 'S5834567I' }, answers: bad });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('validation_failed');
    const fields = Object.fromEntries(r.body.details.fields.map((f: any) => [f.field, f.message]));
    expect(fields['answers.nric']).toMatch(/^Enter a valid NRIC or FIN/);
    expect(fields['answers.marriageDate']).toMatch(/real date/);
    expect(fields['answers.children']).toMatch(/at least 1/);
    const who = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'counter', applicant: { nric: 'S1234567A' }, answers: babyBonusAnswers() });
    expect(who.body.details.fields).toEqual([{ field: 'applicant.nric', message: 'Enter a valid NRIC or FIN, like S1234567D' }]);
    const nobody = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'counter', applicant: {}, answers: babyBonusAnswers() });
    expect(nobody.status).toBe(422);
    const wrongChannel = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'online', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
    expect(wrongChannel.status).toBe(400);
  });

  it('checks an uploaded file by its content, like an upload question', async () => {
    const answers = {
      ownerName: 'Rajesh Kumar', ownerNric: 'T0123456G', ownerAddress: { postalCode: '560123', block: '123', street: 'Ang Mo Kio Ave 3' }, ownerMobile: '91234567',
      dogName: 'Biscuit', dogBreed: 'Singapore Special', dogBirthDate: '2024-01-15', dogSex: 'female', sterilised: 'yes', microchipNumber: '900123456789012',
      vaccinationCertificate: { name: 'vaccination.pdf', contentBase64: Buffer.from('not really a PDF').toString('base64') },
    };
    const r = await call('POST', '/api/v1/services/dog-licence/applications', key.avs!, { channel: 'paper', applicant: { nric: 'T0123456G' }, answers });
    expect(r.status).toBe(422);
    expect(r.body.details.fields[0].field).toBe('answers.vaccinationCertificate');
    expect(await p.ctx.db.selectFrom('application_files').select('id').execute()).toHaveLength(0); // nothing kept from a refused request
  });

  it('keeps every agency to its own services and cases', async () => {
    const mine = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'api', applicant: { uen: '201912345R' }, answers: babyBonusAnswers() });
    expect(mine.status).toBe(201);
    expect((await call('POST', '/api/v1/services/baby-bonus/applications', key.avs!, { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() })).status).toBe(404);
    expect((await call('GET', `/api/v1/applications/${mine.body.id}`, key.avs!)).status).toBe(404);
    expect((await call('POST', `/api/v1/applications/${mine.body.id}/actions`, key.avs!, { action: 'complete_step' })).status).toBe(404);
    expect((await call('POST', '/api/v1/services/baby-bonus/applications', key.readOnly!, { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() })).status).toBe(403);
    expect((await call('GET', '/api/v1/applications/not-an-id', key.readOnly!)).status).toBe(404);
    const noKey = await p.app.inject({ method: 'GET', url: `/api/v1/applications/${mine.body.id}` });
    expect(noKey.statusCode).toBe(401);
    await drain(p);
  });

  it('retries a failing endpoint with back-off, logging every attempt, until it gives up', async () => {
    answerWith = 500;
    received.length = 0;
    const r = await call('POST', '/api/v1/services/baby-bonus/applications', key.screening!, { channel: 'api', applicant: { nric: 'S5834567I' }, answers: babyBonusAnswers() });
    expect(r.status).toBe(201);
    await drain(p);
    const delivery: any = await p.ctx.db.selectFrom('webhook_deliveries').selectAll().where('application_id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ status: 'pending', last_status_code: 500 });
    const job: any = await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', 'casework.webhook').where('payload', '=', JSON.stringify({ deliveryId: delivery.id })).executeTakeFirstOrThrow();
    expect(job.state).toBe('pending');
    expect(Date.parse(job.run_at) - Date.now()).toBeGreaterThan(3_000); // the next try waits
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) {
      await p.ctx.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', job.id).where('state', '=', 'pending').execute();
      await drain(p);
    }
    const after: any = await p.ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', delivery.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('failed');
    expect(Number(after.attempts)).toBe(WEBHOOK_MAX_ATTEMPTS);
    expect(await p.ctx.db.selectFrom('webhook_attempts').select('attempt').where('delivery_id', '=', delivery.id).execute()).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    // the same message id on every try, so a receiver that did get one can drop the rest
    expect(new Set(received.map((m) => m.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    answerWith = 200;
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await p.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as any;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/services/{serviceId}/applications', '/api/v1/applications/{id}', '/api/v1/applications/{id}/actions']));
    expect(doc.paths['/api/v1/applications/{id}/actions'].post.requestBody.content['application/json'].schema.properties.action.anyOf.length).toBeGreaterThanOrEqual(8);
  });
});
