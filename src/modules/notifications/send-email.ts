/**
 * The worker side of the email outbox: send over SMTP (nodemailer) and record
 * the outcome. The Message-ID is derived from the outbox id, so a resend after
 * a crash mid-send carries the same id and receiving systems can drop the copy.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { nowIso, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { EMAIL_QUEUE } from './queue-email.ts';

export interface MailSettings { smtpUrl: string | undefined; from: string; demo: boolean; domain: string }

export function createTransport(s: MailSettings): Transporter | null {
  if (!s.smtpUrl) return null;
  return nodemailer.createTransport(s.smtpUrl, { from: s.from });
}

export function emailJob(keys: KeyRing, settings: MailSettings): JobDefinition<{ id: string }> {
  const transport = createTransport(settings);
  return {
    queue: EMAIL_QUEUE,
    async handle({ id }, { db, log }) {
      const row = await db.selectFrom('outbound_emails').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || row.status === 'delivered' || row.status === 'permanent-failure') return;
      await markStatus(db, id, 'sending', { attempts: Number(row.attempts) + 1 });
      if (!transport) {
        if (settings.demo) {
          // demo mode without SMTP: the message stays viewable in the demo mail viewer
          await markStatus(db, id, 'delivered', { sent_at: nowIso() });
          return;
        }
        await markStatus(db, id, 'temporary-failure', { last_error: 'CIVITAS_SMTP_URL is not set' });
        throw new Error('CIVITAS_SMTP_URL is not set: email cannot be sent');
      }
      const ctx = `email:${id}`;
      try {
        await transport.sendMail({
          from: settings.from,
          to: keys.decrypt(row.to_enc, ctx),
          subject: keys.decrypt(row.subject_enc, ctx),
          text: keys.decrypt(row.body_enc, ctx),
          messageId: `<${id}@${settings.domain}>`,
          headers: { 'Content-Language': row.lang, 'X-Civitas-Kind': row.kind },
        });
      } catch (err) {
        const e = err as { responseCode?: number; message: string };
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
        await markStatus(db, id, permanent ? 'permanent-failure' : 'temporary-failure', { last_error: e.message.slice(0, 500) });
        log.warn({ email: id, code: e.responseCode }, 'email not sent');
        if (permanent) return;
        throw err;
      }
      await markStatus(db, id, 'delivered', { sent_at: nowIso(), last_error: null });
    },
    backoffMs: (attempt) => Math.min(5_000 * 2 ** (attempt - 1), 15 * 60_000),
  };
}

async function markStatus(db: Db, id: string, status: string, extra: Record<string, unknown> = {}): Promise<void> {
  await db.updateTable('outbound_emails').set({ status, ...extra }).where('id', '=', id).execute();
}
