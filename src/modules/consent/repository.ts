/** Queries for the consent module's own table: consents, as given, declined, pending (Myinfo) or withdrawn. */
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';

export type Decision = 'agreed' | 'declined' | 'pending';

export interface Consent {
  id: string;
  accountId: string;
  serviceId: string;
  agencyId: string;
  applicationId: string | null;
  decision: Decision;
  provider: string;
  items: string[];
  purpose: LocalText;
  createdAt: string;
  withdrawnAt: string | null;
}

const toConsent = (r: any): Consent => ({
  id: r.id, accountId: r.account_id, serviceId: r.service_id, agencyId: r.agency_id, applicationId: r.application_id, decision: r.decision,
  provider: r.provider, items: JSON.parse(r.items), purpose: JSON.parse(r.purpose), createdAt: String(r.created_at), withdrawnAt: r.withdrawn_at ?? null,
});

export async function insertConsent(db: Db, c: Omit<Consent, 'id' | 'createdAt' | 'withdrawnAt'>, at: Date): Promise<string> {
  const id = newId();
  await db.insertInto('consents').values({
    id, account_id: c.accountId, service_id: c.serviceId, agency_id: c.agencyId, application_id: c.applicationId, decision: c.decision,
    provider: c.provider, items: JSON.stringify(c.items), purpose: JSON.stringify(c.purpose), created_at: nowIso(at), withdrawn_at: null,
  }).execute();
  return id;
}

export async function findConsent(db: Db, id: string): Promise<Consent | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const r = await db.selectFrom('consents').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toConsent(r) : undefined;
}

/** A pending (Myinfo) consent becomes agreed, once: false if it was not pending. */
export async function settleConsent(db: Db, id: string, decision: 'agreed' | 'declined', items: string[], at: Date): Promise<boolean> {
  const r = await db.updateTable('consents').set({ decision, items: JSON.stringify(items), created_at: nowIso(at) }).where('id', '=', id).where('decision', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listConsents(db: Db, accountId: string): Promise<Consent[]> {
  const rows = await db.selectFrom('consents').selectAll().where('account_id', '=', accountId).where('decision', '!=', 'pending').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute();
  return rows.map(toConsent);
}

export async function withdrawConsent(db: Db, id: string, at: Date): Promise<boolean> {
  const r = await db.updateTable('consents').set({ withdrawn_at: nowIso(at) }).where('id', '=', id).where('decision', '=', 'agreed').where('withdrawn_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
