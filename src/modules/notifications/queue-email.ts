/**
 * An email that is not about an application (password reset, officers'
 * notices), written to the notifications outbox in the caller's transaction:
 * it is sent if and only if the change that caused it commits. Messages about
 * an application go through notify() (templates, inbox, preferences).
 */
import type { Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { insertNotification, SEND_QUEUE } from './repository.ts';

/** @deprecated the queue is now notifications.send (email and SMS) */
export const EMAIL_QUEUE = SEND_QUEUE;

export interface EmailMessage {
  kind: string;
  to: string;
  subject: string;
  body: string;
  lang: Lang;
  accountId?: string | null;
  agencyId?: string | null;
}

export async function queueEmail(db: Db, keys: KeyRing, m: EmailMessage): Promise<string> {
  return (await insertNotification(db, keys, { channel: 'email', kind: m.kind, to: m.to, subject: m.subject, body: m.body, lang: m.lang, accountId: m.accountId ?? null, agencyId: m.agencyId ?? null }))!;
}
