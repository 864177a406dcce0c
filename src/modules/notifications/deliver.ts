/**
 * The worker side of the outbox: take a notification (only one worker at a
 * time, see claimForSending), respect the rate limits, send it, record the
 * outcome. created -> sending -> delivered | temporary-failure (retried with
 * back-off) | permanent-failure. What can and cannot be guaranteed when a
 * process dies mid-send: docs/adr/0500-notifications-sent-once.md.
 */
import { nowIso } from '../../platform/db/index.ts';
import { enqueue, type JobDefinition } from '../../platform/jobs/index.ts';
import { SendFailure } from './channels.ts';
import type { Notifications } from './notifications.ts';
import { claimForSending, contentOf, finishSending, findNotification, MAX_ATTEMPTS, SEND_QUEUE } from './repository.ts';

/** 5 s, 10 s, 20 s ... capped at 30 minutes */
export const sendBackoffMs = (attempt: number): number => Math.min(5_000 * 2 ** (attempt - 1), 30 * 60_000);

export class Deferred extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Deferred';
  }
}

export function sendJob(n: Notifications): JobDefinition<{ id: string; deferred?: number }> {
  const { ctx } = n;
  return {
    queue: SEND_QUEUE,
    backoffMs: sendBackoffMs,
    async handle({ id, deferred = 0 }, { db, log, attempt }) {
      const row = await findNotification(db, id);
      if (!row || row.status === 'delivered' || row.status === 'permanent-failure') return;
      const clock = () => ctx.clock();
      const now = nowIso(clock());
      // another worker holds it (sending right now): try again after its lease
      if (row.status === 'sending' && row.leaseUntil && row.leaseUntil >= now) throw new Deferred(`being sent by another worker until ${row.leaseUntil}`);

      const resumed = row.status === 'sending'; // a worker died mid-send: the message may or may not have gone
      const at = clock().getTime();
      const claim = await claimForSending(db, id, now, nowIso(new Date(at + n.limits.leaseMs)), {
        recipientHash: row.recipientHash, perRecipient: n.limits.recipientPerHour, recipientSince: nowIso(new Date(at - 3600_000)),
        agencyId: row.agencyId, perAgency: n.limits.agencyPerMinute, agencySince: nowIso(new Date(at - 60_000)),
      });
      if (claim === 'taken') return; // delivered or being sent by another worker meanwhile
      if (claim === 'limited') {
        // over a rate limit: wait (a new job later) rather than fail; a deferral is not an attempt
        const wait = 60_000;
        log.info({ notification: id, waitMs: wait }, 'notification held back by a rate limit');
        await enqueue(db, SEND_QUEUE, { id, deferred: deferred + 1 }, { runAt: new Date(at + wait), maxAttempts: MAX_ATTEMPTS, dedupeKey: `${SEND_QUEUE}:${id}:deferred:${deferred + 1}` });
        return;
      }
      if (resumed) log.warn({ notification: id }, 'resending a notification whose previous attempt was interrupted');
      const content = (await contentOf(db, ctx.keys, id))!;
      let providerRef: string | null;
      try {
        providerRef = row.channel === 'email'
          ? await n.email.send({ id, to: content.to, subject: content.subject ?? '', body: content.body, lang: row.lang, kind: row.kind })
          : await smsProvider(n).send({ id, to: content.to, body: content.body });
      } catch (err) {
        const failure = err instanceof SendFailure ? err : new SendFailure((err as Error).message, false);
        const giveUp = failure.permanent || Math.max(attempt, row.attempts + 1) >= MAX_ATTEMPTS;
        await finishSending(db, id, giveUp ? 'permanent-failure' : 'temporary-failure', { now: nowIso(clock()), error: failure.message });
        n.outcomes.inc({ channel: row.channel, outcome: giveUp ? 'permanent-failure' : 'temporary-failure' });
        log.warn({ notification: id, channel: row.channel, permanent: failure.permanent }, 'notification not sent');
        if (giveUp) return;
        throw failure;
      }
      await finishSending(db, id, 'delivered', { now: nowIso(clock()), providerRef });
      n.outcomes.inc({ channel: row.channel, outcome: 'delivered' });
    },
  };
}

function smsProvider(n: Notifications) {
  if (!n.sms) throw new SendFailure('no SMS provider is configured (CIVITAS_SMS_URL)', true);
  return n.sms;
}
