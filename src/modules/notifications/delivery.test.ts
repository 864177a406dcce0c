/**
 * Delivery over a real SMTP conversation (smtp-server in this process, with
 * STARTTLS): the message, its headers and language as they arrive; a mail
 * server that is down, then back; a worker that died mid-send; two workers at
 * once; rate limits; an address that does not exist.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { inTransaction } from '../../platform/db/index.ts';
import { enqueue, Worker } from '../../platform/jobs/index.ts';
import { queueEmail, SEND_QUEUE } from './index.ts';

let smtp: TestSmtpServer;
let p: TestPlatform;
let offsetMs = 0;

const send = (to: string, subject = 'Hello', extra: { lang?: 'en' | 'zh'; agencyId?: string } = {}) =>
  inTransaction(p.ctx.db, (trx) => queueEmail(trx, p.ctx.keys, { kind: 'test.hello', to, subject, body: `Body of ${subject}\n\nSecond paragraph: 你好`, lang: extra.lang ?? 'en', agencyId: extra.agencyId }));
const row = async (id: string) => (await p.ctx.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as any;
const later = (ms: number) => { offsetMs += ms; };

beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  p = await createTestPlatform({ CIVITAS_SMTP_URL: smtp.url, CIVITAS_MAIL_FROM: 'Civitas <no-reply@civitas.example.gov>', CIVITAS_NOTIFY_RECIPIENT_PER_HOUR: '3', CIVITAS_NOTIFY_AGENCY_PER_MINUTE: '4' }, { clock: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => { await p?.close(); await smtp?.stop(); });
beforeEach(async () => { await p.worker.tick(); });
afterEach(() => { offsetMs += 2 * 3600_000; }); // each test starts with the rate-limit windows empty

describe('email over SMTP', () => {
  it('holds a real SMTP conversation over TLS: sender, recipient, subject, body, language and ids as delivered', async () => {
    const id = await send('aisyah@example.sg', 'Your application 申请', { lang: 'zh' });
    expect((await row(id)).status).toBe('created');
    await p.worker.tick();
    const [mail] = smtp.to('aisyah@example.sg');
    expect(mail).toBeDefined();
    expect(mail!.secure).toBe(true); // STARTTLS (CIVITAS_SMTP_REQUIRE_TLS is on by default)
    expect(mail!.from).toBe('no-reply@civitas.example.gov');
    expect(mail!.headers.subject).toBe('Your application 申请');
    expect(mail!.headers['content-language']).toBe('zh');
    expect(mail!.headers['message-id']).toBe(`<${id}@localhost>`);
    expect(mail!.headers['x-civitas-kind']).toBe('test.hello');
    expect(mail!.headers['auto-submitted']).toBe('auto-generated');
    expect(mail!.body).toBe('Body of Your application 申请\n\nSecond paragraph: 你好');
    const r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['delivered', 1]);
    expect(r.sent_at).toBeTruthy();
  });

  it('retries with back-off while the mail server is down, then delivers once it is back, and never twice', async () => {
    const port = smtp.port;
    await smtp.stop();
    const id = await send('down@example.sg', 'While the server is down');
    await p.worker.tick();
    let r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['temporary-failure', 1]);
    expect(r.last_error).toMatch(/ECONNREFUSED|connect/i);
    // not retried before its back-off is over
    await p.worker.tick();
    expect(Number((await row(id)).attempts)).toBe(1);
    later(6_000);
    await p.worker.tick();
    r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['temporary-failure', 2]);

    await smtp.start(port);
    later(11_000);
    await p.worker.tick();
    r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['delivered', 3]);
    expect(smtp.to('down@example.sg')).toHaveLength(1);
    // nothing more, however long the worker keeps going
    later(24 * 3600_000);
    await p.worker.tick();
    expect(smtp.to('down@example.sg')).toHaveLength(1);
  });

  it('does not send while another worker holds the message, and resends one left mid-send by a dead worker with the same Message-ID', async () => {
    const id = await send('crash@example.sg', 'Interrupted');
    const now = Date.now() + offsetMs;
    // a worker took it and is sending it right now (its lease runs for another minute)
    await p.ctx.db.updateTable('notifications').set({ status: 'sending', attempts: 1, sending_at: new Date(now).toISOString(), lease_until: new Date(now + 60_000).toISOString() }).where('id', '=', id).execute();
    await p.worker.tick();
    expect(smtp.to('crash@example.sg')).toHaveLength(0);
    expect((await row(id)).status).toBe('sending');
    // that worker died: once its lease is over, the message goes (once), with the id a receiver deduplicates on
    later(2 * 60_000);
    await p.worker.tick();
    const got = smtp.to('crash@example.sg');
    expect(got).toHaveLength(1);
    expect(got[0]!.headers['message-id']).toBe(`<${id}@localhost>`);
    const r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['delivered', 2]);
  });

  it('sends a message once when two workers (two processes) run it at the same moment', async () => {
    const id = await send('twice@example.sg', 'Raced');
    // a second job for the same notification, as a crashed enqueue-and-retry could leave
    await enqueue(p.ctx.db, SEND_QUEUE, { id }, { dedupeKey: `${SEND_QUEUE}:${id}:again` });
    const w1 = new Worker(p.ctx.db, p.ctx.jobs, p.ctx.log, { clock: p.ctx.clock, concurrency: 1 });
    const w2 = new Worker(p.ctx.db, p.ctx.jobs, p.ctx.log, { clock: p.ctx.clock, concurrency: 1 });
    await Promise.all([w1.runOnce(), w2.runOnce(), w1.runOnce(), w2.runOnce()]);
    later(3 * 60_000);
    await p.worker.tick();
    expect(smtp.to('twice@example.sg')).toHaveLength(1);
    expect((await row(id)).status).toBe('delivered');
  });

  it('gives up on an address the server refuses (550) at once, with the reason', async () => {
    smtp.unknownMailboxes.add('nobody@example.sg');
    const id = await send('nobody@example.sg', 'Nobody');
    await p.worker.tick();
    const r = await row(id);
    expect([r.status, Number(r.attempts)]).toEqual(['permanent-failure', 1]);
    expect(r.last_error).toContain('550');
    later(24 * 3600_000);
    await p.worker.tick();
    expect(Number((await row(id)).attempts)).toBe(1);
  });

  it('holds back messages over the per-recipient limit and sends them when the hour has passed', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await send('busy@example.sg', `Message ${i}`));
    await p.worker.tick();
    expect(smtp.to('busy@example.sg')).toHaveLength(3); // CIVITAS_NOTIFY_RECIPIENT_PER_HOUR=3
    const statuses = await Promise.all(ids.map(async (id) => (await row(id)).status));
    expect(statuses.filter((s) => s === 'created')).toHaveLength(2);
    later(61 * 60_000);
    await p.worker.tick();
    later(11 * 60_000);
    await p.worker.tick();
    expect(smtp.to('busy@example.sg')).toHaveLength(5);
    expect(new Set(smtp.to('busy@example.sg').map((m) => m.headers.subject)).size).toBe(5);
  });

  it('holds back an agency\'s messages over its per-minute limit', async () => {
    for (let i = 0; i < 6; i++) await send(`person${i}@example.sg`, `Agency message ${i}`, { agencyId: 'msf' });
    await p.worker.tick();
    const sent = () => [0, 1, 2, 3, 4, 5].filter((i) => smtp.to(`person${i}@example.sg`).length === 1).length;
    expect(sent()).toBe(4); // CIVITAS_NOTIFY_AGENCY_PER_MINUTE=4
    later(61_000);
    await p.worker.tick();
    expect(sent()).toBe(6);
  });
});
