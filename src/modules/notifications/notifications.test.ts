/**
 * The "done when": submitting, requesting information, approving and
 * issuing each produce an email (a real SMTP conversation) and an inbox
 * message in the applicant's language. Then preferences and SMS (through the
 * HTTP adapter, against a gateway in this process), templates published by an
 * agency administrator, the API, payments and the case page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { decode } from '../../../test/helpers/browser.ts';
import { emailsTo, inboxOf, smsTo } from '../../../test/helpers/mail.ts';
import { approveThroughCasework, drain, sendBabyBonus, signInAs } from '../../../test/helpers/casework.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { createApiKey } from '../identity/index.ts';
import { actOnCase, escalateOverdue } from '../casework/index.ts';
import { notificationsPanel, PAYMENT_SUCCEEDED_QUEUE } from './index.ts';

let smtp: TestSmtpServer;
let p: TestPlatform;
let gateway: http.Server;
const gatewayCalls: { headers: http.IncomingHttpHeaders; body: any }[] = [];
let gatewayFailures = 0;
let offsetMs = 0;

beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  gateway = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      if (gatewayFailures > 0) { gatewayFailures--; res.writeHead(503).end('busy'); return; }
      gatewayCalls.push({ headers: req.headers, body: JSON.parse(data) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `gw-${gatewayCalls.length}` }));
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  p = await createTestPlatform({
    CIVITAS_SMTP_URL: smtp.url, CIVITAS_SMS_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/messages`, CIVITAS_SMS_TOKEN: 'gateway-secret', CIVITAS_SMS_SENDER: 'GovSG',
  }, { clock: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => {
  await p?.close();
  await smtp?.stop();
  await new Promise((resolve) => gateway?.close(resolve));
});

const TAN = 'tan.ahkow@demo.civitas.sg';
const accountOf = async (persona: string) => (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', persona).executeTakeFirstOrThrow()).id as string;
const api = async (method: 'GET' | 'POST', url: string, key: string, payload?: object, headers: Record<string, string> = {}) => {
  const res = await p.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...headers }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() as any, headers: res.headers };
};

describe('an applicant hears about every step, in their language', () => {
  it('gets an email over SMTP and an inbox message for submission, request for information, approval and the issued document, in Chinese', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    await citizen.get('/language/zh');
    const { id, reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    await drain(p);
    const actor = { type: 'api' as const, id: 'msf-system', agencyId: 'msf', roles: ['case_officer'] as never[], human: false };
    await actOnCase(p.casework, { applicationId: id, actor, action: 'request_information', message: '请提供结婚证书副本。' });
    await drain(p);
    await citizen.get(`/applications/${id}/respond`);
    const page = await citizen.postMultipart(`/applications/${id}/respond`, { answer: '已附上。' }, {});
    expect(page.url, decode(page.html).slice(0, 3000)).toBe(`/applications/${id}?answered=1`);
    await approveThroughCasework(p, id);
    await drain(p);

    const mails = smtp.to(TAN).filter((m) => m.body.includes(shown) || m.headers.subject!.includes(shown) || m.body.includes(id));
    const kinds = mails.map((m) => m.headers['x-civitas-kind']);
    expect(kinds).toEqual(['application.submitted', 'casework.infoRequested', 'casework.approved', 'signatures.document_issued']);
    for (const m of mails) {
      expect(m.headers['content-language']).toBe('zh');
      expect(m.secure).toBe(true);
    }
    expect(mails[0]!.headers.subject).toContain('已收到申请');
    expect(mails[1]!.body).toContain('请提供结婚证书副本。');
    expect(mails[1]!.body).toContain(`/applications/${id}/respond`);
    expect(mails[2]!.headers.subject).toContain('已获批准');
    expect(mails[3]!.body).toMatch(/验证码：[A-Z0-9]{5}-[A-Z0-9]{5}/);
    // each exactly once, each recorded as delivered
    expect((await emailsTo(p, TAN)).filter((m) => m.body.includes(shown)).every((m) => m.status === 'delivered')).toBe(true);

    const inbox = (await inboxOf(p, await accountOf('tan-ah-kow'))).filter((m) => m.body.includes(shown) || m.subject.includes(shown) || m.body.includes(id));
    expect(inbox.map((m) => m.event).reverse()).toEqual(['submitted', 'information_requested', 'approved', 'document_issued']);
    expect(inbox.every((m) => m.lang === 'zh')).toBe(true);
    expect(inbox.map((m) => m.subject).reverse()).toEqual(mails.map((m) => m.headers.subject));

    // the inbox page in the account, with the unread count in the menu; opening a message reads it
    let html = decode((await citizen.get('/account/inbox')).html);
    expect(html).toContain('收件箱（');
    const unread = Number(/收件箱（(\d+) 条未读）/.exec(html)![1]);
    expect(unread).toBeGreaterThanOrEqual(4);
    const first = /href="\/account\/inbox\/([0-9a-f-]{36})"/.exec(html)![1]!;
    html = decode((await citizen.get(`/account/inbox/${first}`)).html);
    expect(html).toContain('/applications/');
    html = decode((await citizen.get('/account/inbox')).html);
    expect(html).toContain(`收件箱（${unread - 1} 条未读）`);
    // nobody else opens it
    const other = await signInAs(p, 'siti-aminah');
    expect((await other.get(`/account/inbox/${first}`)).status).toBe(404);
  });
});

describe('preferences', () => {
  it('sends SMS (no personal data) instead of email, in the language chosen, through the HTTP gateway with retries', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    let page = await citizen.get('/account/notifications');
    expect(page.status).toBe(200);
    page = await citizen.post('/account/notifications', { channels: 'sms', phone: '12', lang: 'ms' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('Enter a mobile number like 9123 4567');
    page = await citizen.post('/account/notifications', { channels: 'sms', phone: '9123 4567', lang: 'ms' });
    expect(page.url).toBe('/account/notifications?saved=1');

    await citizen.get('/language/en');
    const before = (await emailsTo(p, TAN)).length;
    const { reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    gatewayFailures = 1; // the gateway is busy once: retried
    await drain(p);
    expect((await emailsTo(p, TAN)).length).toBe(before); // email is off
    const [sms] = (await smsTo(p, '+6591234567')).filter((m) => m.body.includes(shown));
    expect(sms).toBeDefined();
    expect(sms!.lang).toBe('ms');
    expect(sms!.body).toContain('Kami telah menerima permohonan anda');
    expect(sms!.body).not.toContain('Tan Ah Kow');
    expect(sms!.status).toBe('temporary-failure');
    offsetMs += 10_000; // past the back-off
    await drain(p);
    const calls = gatewayCalls.filter((c) => c.body.body.includes(shown));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.authorization).toBe('Bearer gateway-secret');
    expect(calls[0]!.headers['idempotency-key']).toBe(sms!.id);
    expect(calls[0]!.body).toMatchObject({ to: '+6591234567', from: 'GovSG', reference: sms!.id });
    expect((await smsTo(p, '+6591234567')).find((m) => m.id === sms!.id)!.status).toBe('delivered');
    // the inbox still gets its copy, in Malay
    const inbox = await inboxOf(p, await accountOf('tan-ah-kow'));
    expect(inbox[0]!.lang).toBe('ms');
    await citizen.get('/account/notifications');
    expect((await citizen.post('/account/notifications', { channels: 'email', phone: '', lang: '' })).url).toBe('/account/notifications?saved=1');
  });
});

describe('templates', () => {
  it('lets the agency administrator preview and publish a template, refusing fields its event does not supply and personal data in an SMS', async () => {
    const admin = await signInAs(p, 'ahmad-faizal');
    let page = await admin.get('/agency/notifications');
    expect(page.status).toBe(200);
    expect(decode(page.html)).toContain('/agency/notifications/baby-bonus/submitted');
    page = await admin.get('/agency/notifications/baby-bonus/submitted?lang=en');
    expect(decode(page.html)).toContain('We have received your application for');
    const url = '/agency/notifications/baby-bonus/submitted?lang=en';
    page = await admin.post(url, { action: 'publish', subject: 'Received ((reference))', body: 'Dear ((name)), amount ((amount)).', sms: 'Got it ((reference)) ((link))' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('((amount)), which the submitted event does not supply');
    page = await admin.post(url, { action: 'publish', subject: 'Received ((reference))', body: 'Dear ((name)).', sms: 'Hi ((name)) ((reference))' });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('an SMS may carry only');
    page = await admin.post(url, { action: 'preview', subject: 'Received ((reference))', body: 'Dear ((name))((name??, thank you)).\n\nSee ((link))', sms: 'Got it ((reference)) ((link))' });
    expect(page.status).toBe(200);
    expect(decode(page.html)).toContain('Dear Tan Ah Kow, thank you.');
    page = await admin.post(url, { action: 'publish', subject: 'Received ((reference))', body: 'Dear ((name))((name??, thank you)).\n\nSee ((link))', sms: 'Got it ((reference)) ((link))' });
    expect(page.url).toBe(`${url}&saved=published`);

    const citizen = await signInAs(p, 'tan-ah-kow');
    await citizen.get('/language/en');
    const { reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    const mail = (await emailsTo(p, TAN)).find((m) => m.subject === `Received ${shown}`)!;
    expect(mail.body).toMatch(/^Dear Tan Ah Kow, thank you\.\n\nSee http/);
    // an officer who is not an administrator may not; the agency's services only (another agency's is not found)
    const officer = await signInAs(p, 'wong-li-hua');
    expect((await officer.get('/agency/notifications/baby-bonus/submitted')).status).toBe(403);
    expect((await admin.get('/agency/notifications/dog-licence/submitted')).status).toBe(404);
    expect(decode((await admin.get(url)).html)).toContain('This language uses your agency.');
    page = await admin.post(url, { action: 'reset' });
    expect(page.url).toBe(`${url}&saved=reset`);
    expect(decode(page.html)).toContain('This language uses Civitas&#39;s standard wording.'.replace('&#39;', "'"));
  });
});

describe('the API for agency systems', () => {
  it('sends an email from a template with personalisation, reports its status, and keeps to the agency', async () => {
    const key = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'notify', scopes: ['notifications:send'] })).key;
    let r = await api('POST', '/api/v1/notifications/email', key, { email_address: 'someone@example.sg', template_id: 'baby-bonus.rejected', personalisation: { service: 'Baby Bonus' } });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('Missing personalisation: reference, message, link, site');
    const payload = { email_address: 'someone@example.sg', template_id: 'baby-bonus.rejected', language: 'ms', reference: 'my-ref-1', personalisation: { service: 'Bonus Bayi', reference: 'ABCD-1234', link: 'https://x.example/a', message: 'Tidak layak.', site: 'Civitas' } };
    r = await api('POST', '/api/v1/notifications/email', key, payload, { 'idempotency-key': 'k-1' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.content.subject).toBe('Bonus Bayi: permohonan anda tidak diluluskan (ABCD-1234)');
    const id = r.body.id;
    const again = await api('POST', '/api/v1/notifications/email', key, payload, { 'idempotency-key': 'k-1' });
    expect([again.status, again.body.id, again.headers['idempotent-replayed']]).toEqual([201, id, 'true']);
    r = await api('GET', `/api/v1/notifications/${id}`, key);
    expect(r.body).toMatchObject({ id, type: 'email', status: 'created', reference: 'my-ref-1', template: { id: 'baby-bonus.rejected' } });
    await drain(p);
    r = await api('GET', `/api/v1/notifications/${id}`, key);
    expect(r.body.status).toBe('delivered');
    expect(smtp.to('someone@example.sg')).toHaveLength(1);
    expect(smtp.to('someone@example.sg')[0]!.headers['content-language']).toBe('ms');

    const avs = (await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'avs', scopes: ['notifications:send'] })).key;
    expect((await api('GET', `/api/v1/notifications/${id}`, avs)).status).toBe(404);
    expect((await api('POST', '/api/v1/notifications/email', avs, payload)).status).toBe(404);
    const sms = await api('POST', '/api/v1/notifications/sms', key, { phone_number: '+65 8123 4567', template_id: 'baby-bonus.approved', personalisation: { service: 'Baby Bonus', reference: 'ABCD-1234', link: 'https://x.example/a' } });
    expect(sms.status, JSON.stringify(sms.body)).toBe(201);
    expect(sms.body.content.body).toBe('Your application ABCD-1234 for Baby Bonus is approved. Details: https://x.example/a');
    const openapi = (await p.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as any;
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/notifications/email', '/api/v1/notifications/sms', '/api/v1/notifications/{id}']));
  });
});

describe('payments and the case page', () => {
  it('tells the applicant about a payment once, even if the job runs twice, with the amount from cents', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id, reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    const job = { applicationId: id, paymentId: 'pay-1', amountCents: 1250, currency: 'SGD', paymentReference: 'PAY-0001', paidAt: '2026-11-27T03:00:00.000Z' };
    await enqueue(p.ctx.db, PAYMENT_SUCCEEDED_QUEUE, job);
    await enqueue(p.ctx.db, PAYMENT_SUCCEEDED_QUEUE, job);
    await enqueue(p.ctx.db, PAYMENT_SUCCEEDED_QUEUE, { ...job, applicationId: null, paymentId: 'pay-2' });
    await drain(p);
    const paid = (await emailsTo(p, TAN)).filter((m) => m.kind === 'payments.received' && m.body.includes(shown));
    expect(paid).toHaveLength(1);
    expect(paid[0]!.body).toContain('S$12.50');
    expect(paid[0]!.body).toContain('PAY-0001');
    expect(paid[0]!.body).toContain('27 Nov');
  });

  it('shows officers the addresses that could not be delivered, with the reason', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    smtp.unknownMailboxes.add(TAN);
    try {
      await drain(p);
    } finally {
      smtp.unknownMailboxes.delete(TAN);
    }
    const panel = (await notificationsPanel(p.notifications).describe({ id, serviceId: 'baby-bonus', agencyId: 'msf', reference: null }, 'en', p.ctx.db))!;
    expect(panel.title).toBe('Messages to the applicant');
    expect(panel.rows[0]).toMatchObject({ key: 'Email: Application received', tag: 'red' });
    expect(panel.rows[0]!.value).toContain(`Could not be delivered to ${TAN} (550`);
    const officer = await signInAs(p, 'wong-li-hua');
    const html = decode((await officer.get(`/casework/cases/${id}`)).html);
    expect(html).toContain('Messages to the applicant');
    expect(html).toContain(`Could not be delivered to ${TAN}`);
  });
});

describe('deadlines', () => {
  it('tells the applicant once when their case passes its deadline (deadline_reminder)', async () => {
    const citizen = await signInAs(p, 'tan-ah-kow');
    const { reference } = await sendBabyBonus(citizen);
    const shown = `${reference.slice(0, 4)}-${reference.slice(4)}`;
    await drain(p);
    offsetMs += 60 * 86400_000;
    await escalateOverdue(p.casework);
    await escalateOverdue(p.casework);
    await drain(p);
    const late = smtp.to(TAN).filter((m) => m.headers['x-civitas-kind'] === 'casework.deadlineReminder' && m.headers.subject!.includes(shown));
    expect(late).toHaveLength(1);
    expect(late[0]!.body).toContain('taking longer than we planned');
  });
});
