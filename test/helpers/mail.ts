/** Read what Civitas put in its email outbox (decrypted), as a mailbox would show it. */
import type { Platform } from '../../src/main.ts';

export interface SentEmail { id: string; to: string; subject: string; body: string; kind: string; lang: string; status: string }

export async function emailsTo(p: Platform, to: string): Promise<SentEmail[]> {
  const rows = await p.ctx.db.selectFrom('outbound_emails').selectAll().orderBy('created_at').execute();
  return rows.map((r: any) => {
    const c = `email:${r.id}`;
    return { id: r.id, kind: r.kind, lang: r.lang, status: r.status, to: p.ctx.keys.decrypt(r.to_enc, c), subject: p.ctx.keys.decrypt(r.subject_enc, c), body: p.ctx.keys.decrypt(r.body_enc, c) };
  }).filter((m) => m.to === to);
}

export function linkIn(body: string): string {
  const m = /https?:\/\/[^\s]+/.exec(body);
  if (!m) throw new Error(`no link in: ${body}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}
