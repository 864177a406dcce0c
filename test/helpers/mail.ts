/** Read what Civitas put in its notifications outbox (decrypted), as a mailbox would show it. */
import type { Platform } from '../../src/main.ts';

export interface SentEmail { id: string; to: string; subject: string; body: string; kind: string; lang: string; status: string; event: string | null; attempts: number }
export interface SentSms { id: string; to: string; body: string; kind: string; lang: string; status: string; event: string | null }

async function outbox(p: Platform, channel: 'email' | 'sms') {
  const rows = await p.ctx.db.selectFrom('notifications').selectAll().where('channel', '=', channel).orderBy('created_at').orderBy('id').execute();
  return rows.map((r: any) => {
    const c = `${channel}:${r.id}`;
    return {
      id: r.id as string, kind: r.kind as string, lang: r.lang as string, status: r.status as string, event: r.event as string | null, attempts: Number(r.attempts),
      to: p.ctx.keys.decrypt(r.recipient_enc, c), subject: r.subject_enc ? p.ctx.keys.decrypt(r.subject_enc, c) : '', body: p.ctx.keys.decrypt(r.body_enc, c),
    };
  });
}

export async function emailsTo(p: Platform, to: string): Promise<SentEmail[]> {
  return (await outbox(p, 'email')).filter((m) => m.to === to);
}

export async function smsTo(p: Platform, to: string): Promise<SentSms[]> {
  return (await outbox(p, 'sms')).filter((m) => m.to === to);
}

/** The in-app inbox of an account, newest first. */
export async function inboxOf(p: Platform, accountId: string): Promise<{ id: string; event: string; subject: string; body: string; lang: string; readAt: string | null }[]> {
  const rows = await p.ctx.db.selectFrom('inbox_messages').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').execute();
  return rows.map((r: any) => ({ id: r.id, event: r.event, lang: r.lang, readAt: r.read_at, subject: p.ctx.keys.decrypt(r.subject_enc, `inbox:${r.id}`), body: p.ctx.keys.decrypt(r.body_enc, `inbox:${r.id}`) }));
}

export function linkIn(body: string): string {
  const m = /https?:\/\/[^\s]+/.exec(body);
  if (!m) throw new Error(`no link in: ${body}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}
