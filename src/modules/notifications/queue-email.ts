/**
 * Put an email in the outbox, in the caller's transaction: it is sent if and
 * only if the change that caused it commits. The job carries only the id;
 * recipient and content are encrypted at rest.
 */
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Lang } from '../../platform/i18n/index.ts';

export const EMAIL_QUEUE = 'notifications.email';

export interface EmailMessage {
  kind: string;
  to: string;
  subject: string;
  body: string;
  lang: Lang;
  accountId?: string | null;
}

export async function queueEmail(db: Db, keys: KeyRing, m: EmailMessage): Promise<string> {
  const id = newId();
  await db.insertInto('outbound_emails').values({
    id, kind: m.kind, account_id: m.accountId ?? null,
    to_enc: keys.encrypt(m.to, `email:${id}`), subject_enc: keys.encrypt(m.subject, `email:${id}`), body_enc: keys.encrypt(m.body, `email:${id}`),
    lang: m.lang, status: 'created', attempts: 0, created_at: nowIso(),
  }).execute();
  await enqueue(db, EMAIL_QUEUE, { id }, { maxAttempts: 10 });
  return id;
}
