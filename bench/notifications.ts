/**
 * Benchmark: sending email from the notifications outbox over SMTP, against
 * the ceiling measured in the same run: nodemailer sending the same messages
 * straight to the same SMTP server (a connection per message, the same number at
 * once), with no database, claim, rate-limit count, encryption or status.
 * The SMTP server is smtp-server in this process (STARTTLS); each message is
 * a real SMTP conversation. Rounds interleave the two; the ratio is the median.
 *
 *   npx tsx bench/notifications.ts                                                       # SQLite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/notifications.ts  # PostgreSQL
 *
 * Settings: BENCH_MESSAGES (300 per round), BENCH_ROUNDS (3). Prints a Markdown table.
 */
import nodemailer from 'nodemailer';
import { createTestPlatform } from '../test/helpers/platform.ts';
import { TestSmtpServer } from '../test/helpers/smtp.ts';
import { inTransaction } from '../src/platform/db/index.ts';
import { Worker } from '../src/platform/jobs/index.ts';
import { queueEmail } from '../src/modules/notifications/index.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 4; // the worker's default

const smtp = await new TestSmtpServer().start();
const p = await createTestPlatform({ CIVITAS_SMTP_URL: smtp.url, CIVITAS_NOTIFY_RECIPIENT_PER_HOUR: '1000000', CIVITAS_NOTIFY_AGENCY_PER_MINUTE: '1000000' });
const worker = new Worker(p.ctx.db, p.ctx.jobs, p.ctx.log, { concurrency: CONCURRENCY });
const direct = nodemailer.createTransport(smtp.url, { requireTLS: true } as any); // a connection per message, as the outbox does
const body = 'We have received your application for Baby Bonus.\n\nYour reference number is ABCD-EFGH.\n\nYou can see its progress at http://localhost/applications/x\n\nCivitas';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const outboxRates: number[] = [];
const directRates: number[] = [];
const queueRates: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // queue N messages, each in its own transaction (as the events that cause them do)
    let t = performance.now();
    for (let i = 0; i < N; i++) await inTransaction(p.ctx.db, (trx) => queueEmail(trx, p.ctx.keys, { kind: 'bench', to: `r${round}-${i}@example.sg`, subject: `Message ${i}`, body, lang: 'en', agencyId: 'msf' }));
    queueRates.push(N / ((performance.now() - t) / 1000));
    const before = smtp.received.length;
    t = performance.now();
    await worker.tick();
    outboxRates.push(N / ((performance.now() - t) / 1000));
    if (smtp.received.length - before !== N) throw new Error(`expected ${N} delivered, got ${smtp.received.length - before}`);

    t = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        await direct.sendMail({ from: 'Civitas <no-reply@civitas.localhost>', to: `d${round}-${i}@example.sg`, subject: `Message ${i}`, text: body });
      }
    }));
    directRates.push(N / ((performance.now() - t) / 1000));
  }
  const ratios = outboxRates.map((r, i) => r / directRates[i]!);
  console.log(`| measure | messages/s (median of ${ROUNDS} rounds of ${N}) |`);
  console.log('|---|---|');
  console.log(`| queue: notify-path write (queueEmail in its own transaction: encrypt, hash, insert notification + job) | ${median(queueRates).toFixed(0)} |`);
  console.log(`| outbox: worker sends over SMTP (claim with rate limits, decrypt, send, record) | ${median(outboxRates).toFixed(0)} |`);
  console.log(`| ceiling: nodemailer straight to the same server, ${CONCURRENCY} at once | ${median(directRates).toFixed(0)} |`);
  console.log(`| outbox / ceiling | **${median(ratios).toFixed(2)}** (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`);
  console.log(`database: ${p.ctx.dialect}; node ${process.version}; ${new Date().toISOString()}`);
} finally {
  direct.close();
  await p.close();
  await smtp.stop();
}
