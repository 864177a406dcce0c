/**
 * The notifications outbox, the inbox and preferences: queries on the module's
 * own tables. Recipients and contents are encrypted field by field (context
 * `<channel>:<id>`, the same as the old email outbox so moved rows still open);
 * recipients are also kept as a keyed hash for rate limits.
 */
import { sql } from 'kysely';
import { dialectOf, inTransaction, newId, nowIso, toBool, type Db } from '../../platform/db/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Lang } from '../../platform/i18n/index.ts';

export const SEND_QUEUE = 'notifications.send';
/** attempts before a temporary failure becomes permanent (with back-off: about a day) */
export const MAX_ATTEMPTS = 12;

export type Channel = 'email' | 'sms';
export type NotificationStatus = 'created' | 'sending' | 'delivered' | 'temporary-failure' | 'permanent-failure';

export interface NewNotification {
  channel: Channel;
  kind: string;
  to: string;
  subject: string | null;
  body: string;
  lang: Lang;
  event?: string | null;
  templateId?: string | null;
  applicationId?: string | null;
  accountId?: string | null;
  agencyId?: string | null;
  apiKeyId?: string | null;
  clientReference?: string | null;
  /** at most one notification per key, ever */
  dedupeKey?: string | null;
  now?: string;
}

export interface NotificationRow {
  id: string; channel: Channel; kind: string; event: string | null; templateId: string | null; applicationId: string | null; accountId: string | null;
  agencyId: string | null; apiKeyId: string | null; clientReference: string | null; lang: string; status: NotificationStatus; attempts: number;
  lastError: string | null; leaseUntil: string | null; providerRef: string | null; createdAt: string; sendingAt: string | null; sentAt: string | null;
  recipientHash: string | null;
}

export const encContext = (channel: string, id: string): string => `${channel}:${id}`;
export const recipientHash = (keys: KeyRing, channel: Channel, to: string): string => keys.blindIndex(`notification-${channel}`, to.trim().toLowerCase());

/** Write a notification and its send job in the caller's transaction. Returns its id, or null when the dedupe key was used before. */
export async function insertNotification(db: Db, keys: KeyRing, n: NewNotification): Promise<string | null> {
  const id = newId();
  const c = encContext(n.channel, id);
  const now = n.now ?? nowIso();
  const r = await db.insertInto('notifications').values({
    id, channel: n.channel, kind: n.kind, event: n.event ?? null, template_id: n.templateId ?? null, application_id: n.applicationId ?? null,
    account_id: n.accountId ?? null, agency_id: n.agencyId ?? null, api_key_id: n.apiKeyId ?? null, client_reference: n.clientReference ?? null,
    recipient_enc: keys.encrypt(n.to, c), recipient_hash: recipientHash(keys, n.channel, n.to),
    subject_enc: n.subject === null ? null : keys.encrypt(n.subject, c), body_enc: keys.encrypt(n.body, c),
    lang: n.lang, status: 'created', attempts: 0, dedupe_key: n.dedupeKey ?? null, created_at: now, updated_at: now,
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
  await enqueue(db, SEND_QUEUE, { id }, { maxAttempts: MAX_ATTEMPTS, dedupeKey: `${SEND_QUEUE}:${id}` });
  return id;
}

export function toNotification(r: any): NotificationRow {
  return {
    id: r.id, channel: r.channel, kind: r.kind, event: r.event, templateId: r.template_id, applicationId: r.application_id, accountId: r.account_id,
    agencyId: r.agency_id, apiKeyId: r.api_key_id, clientReference: r.client_reference, lang: r.lang, status: r.status, attempts: Number(r.attempts),
    lastError: r.last_error, leaseUntil: r.lease_until, providerRef: r.provider_ref, createdAt: r.created_at, sendingAt: r.sending_at, sentAt: r.sent_at,
    recipientHash: r.recipient_hash,
  };
}

export async function findNotification(db: Db, id: string): Promise<NotificationRow | undefined> {
  const r = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toNotification(r) : undefined;
}

export async function findByDedupeKey(db: Db, key: string): Promise<NotificationRow | undefined> {
  const r = await db.selectFrom('notifications').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
  return r ? toNotification(r) : undefined;
}

export interface NotificationContent { to: string; subject: string | null; body: string }
export async function contentOf(db: Db, keys: KeyRing, id: string): Promise<NotificationContent | undefined> {
  const r: any = await db.selectFrom('notifications').select(['channel', 'recipient_enc', 'subject_enc', 'body_enc']).where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const c = encContext(r.channel, id);
  return { to: keys.decrypt(r.recipient_enc, c), subject: r.subject_enc === null ? null : keys.decrypt(r.subject_enc, c), body: keys.decrypt(r.body_enc, c) };
}

export interface ClaimLimits { recipientHash: string | null; perRecipient: number; recipientSince: string; agencyId: string | null; perAgency: number; agencySince: string }

/**
 * Take the notification for sending: only one worker at a time, not one that
 * is delivered or given up, and only within the rate limits (counted in the
 * same statement, so concurrent workers cannot all pass on one count; on
 * PostgreSQL a transaction-scoped advisory lock per recipient and agency
 * serialises the check). A 'sending' row whose lease has run out was left by a
 * worker that died mid-send: it may be taken again.
 * Answers 'claimed', 'limited' (within the limits it would be) or 'taken'.
 */
export async function claimForSending(db: Db, id: string, now: string, leaseUntil: string, limits: ClaimLimits): Promise<'claimed' | 'limited' | 'taken'> {
  return inTransaction(db, async (trx) => {
    if (dialectOf(trx) === 'postgres') {
      if (limits.recipientHash) await sql`select pg_advisory_xact_lock(hashtext(${`notify-r:${limits.recipientHash}`}))`.execute(trx);
      if (limits.agencyId) await sql`select pg_advisory_xact_lock(hashtext(${`notify-a:${limits.agencyId}`}))`.execute(trx);
    }
    const recent = (col: 'recipient_hash' | 'agency_id', value: string, since: string) =>
      sql<number>`(select count(*) from notifications o where o.${sql.ref(col)} = ${value} and o.sending_at >= ${since} and o.status in ('sending', 'delivered') and o.id <> ${id})`;
    const claimable = (eb: any) => eb.or([
      eb('status', 'in', ['created', 'temporary-failure']),
      eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
    ]);
    const r = await trx.updateTable('notifications')
      .set({ status: 'sending', attempts: sql`attempts + 1`, sending_at: now, lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id).where(claimable)
      .$if(!!limits.recipientHash, (q) => q.where(recent('recipient_hash', limits.recipientHash!, limits.recipientSince), '<', limits.perRecipient))
      .$if(!!limits.agencyId, (q) => q.where(recent('agency_id', limits.agencyId!, limits.agencySince), '<', limits.perAgency))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows ?? 0) === 1) return 'claimed';
    const still = await trx.selectFrom('notifications').select('id').where('id', '=', id).where(claimable).executeTakeFirst();
    return still ? 'limited' : 'taken';
  });
}

export async function finishSending(db: Db, id: string, status: NotificationStatus, extra: { now: string; error?: string | null; providerRef?: string | null }): Promise<void> {
  await db.updateTable('notifications').set({
    status, lease_until: null, updated_at: extra.now, last_error: extra.error === undefined ? null : extra.error?.slice(0, 500) ?? null,
    ...(status === 'delivered' ? { sent_at: extra.now, provider_ref: extra.providerRef ?? null } : {}),
  }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function notificationsForApplication(db: Db, applicationId: string): Promise<NotificationRow[]> {
  const rows = await db.selectFrom('notifications').selectAll().where('application_id', '=', applicationId).orderBy('created_at').execute();
  return rows.map(toNotification);
}

export async function recentNotifications(db: Db, limit: number): Promise<NotificationRow[]> {
  const rows = await db.selectFrom('notifications').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map(toNotification);
}

// ---- inbox

export interface InboxMessage { id: string; event: string; applicationId: string | null; subject: string; body: string; lang: string; createdAt: string; readAt: string | null }

export async function insertInboxMessage(db: Db, keys: KeyRing, m: { accountId: string; event: string; applicationId: string | null; subject: string; body: string; lang: Lang; dedupeKey?: string | null; now?: string }): Promise<string | null> {
  const id = newId();
  const c = `inbox:${id}`;
  const r = await db.insertInto('inbox_messages').values({
    id, account_id: m.accountId, event: m.event, application_id: m.applicationId, subject_enc: keys.encrypt(m.subject, c), body_enc: keys.encrypt(m.body, c),
    lang: m.lang, dedupe_key: m.dedupeKey ?? null, created_at: m.now ?? nowIso(), read_at: null,
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1 ? id : null;
}

const toInbox = (keys: KeyRing, r: any): InboxMessage => ({
  id: r.id, event: r.event, applicationId: r.application_id, lang: r.lang, createdAt: r.created_at, readAt: r.read_at,
  subject: keys.decrypt(r.subject_enc, `inbox:${r.id}`), body: keys.decrypt(r.body_enc, `inbox:${r.id}`),
});

export async function inboxOf(db: Db, keys: KeyRing, accountId: string, limit = 100): Promise<InboxMessage[]> {
  const rows = await db.selectFrom('inbox_messages').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((r) => toInbox(keys, r));
}

export async function inboxMessage(db: Db, keys: KeyRing, accountId: string, id: string): Promise<InboxMessage | undefined> {
  const r = await db.selectFrom('inbox_messages').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return r ? toInbox(keys, r) : undefined;
}

export async function markRead(db: Db, accountId: string, id: string, now: string): Promise<void> {
  await db.updateTable('inbox_messages').set({ read_at: now }).where('id', '=', id).where('account_id', '=', accountId).where('read_at', 'is', null).execute();
}

export async function unreadCount(db: Db, accountId: string): Promise<number> {
  const r: any = await db.selectFrom('inbox_messages').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

// ---- preferences

export interface Preferences { email: boolean; sms: boolean; lang: Lang | null; phone: string | null }
export const DEFAULT_PREFERENCES: Preferences = { email: true, sms: false, lang: null, phone: null };

export async function preferencesOf(db: Db, keys: KeyRing, accountId: string): Promise<Preferences> {
  const r: any = await db.selectFrom('notification_preferences').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!r) return { ...DEFAULT_PREFERENCES };
  return { email: toBool(r.email), sms: toBool(r.sms), lang: r.lang ?? null, phone: r.phone_enc ? keys.decrypt(r.phone_enc, `account:${accountId}`) : null };
}

export async function savePreferences(db: Db, keys: KeyRing, accountId: string, p: Preferences, now: string): Promise<void> {
  const values = { email: p.email ? 1 : 0, sms: p.sms ? 1 : 0, lang: p.lang, phone_enc: p.phone ? keys.encrypt(p.phone, `account:${accountId}`) : null, updated_at: now };
  await db.insertInto('notification_preferences').values({ account_id: accountId, ...values })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
}
