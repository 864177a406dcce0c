/**
 * "Who used my data": every read of a person's data by an officer, a service
 * or an agency system writes one entry, with the caller's transaction handle,
 * so that the entry exists if and only if the read's effect committed. Who,
 * items, purpose and reference are encrypted (they describe the person);
 * the kind, agency, items' names and time stay readable for filtering.
 */
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import { findAccount } from '../identity/index.ts';

export type DataUseKind = 'officer' | 'service' | 'system';

/** Whose data: the keyed hash of their NRIC/FIN (people known to the registry) or, failing that, their account. */
export interface DataSubject { nricHash?: string | null; accountId?: string | null }

export interface DataUse {
  subject: DataSubject;
  kind: DataUseKind;
  /** who read it: the officer's name, the service's title, the agency system's name */
  who: string | LocalText;
  actorId?: string | null;
  agencyId: string | null;
  /** the data items (Myinfo item names) or parts of a record read (answers, documents, history) */
  items: string[];
  purpose?: string | LocalText | null;
  /** the application or case reference, when the read was about one */
  reference?: string | null;
  at?: Date;
}

export interface DataUseEntry {
  id: string;
  kind: DataUseKind;
  agencyId: string | null;
  who: string | LocalText;
  items: string[];
  purpose: string | LocalText | null;
  reference: string | null;
  at: string;
}

export function subjectKey(s: DataSubject): string {
  if (s.nricHash) return `nric:${s.nricHash}`;
  if (s.accountId) return `account:${s.accountId}`;
  throw new Error('a data use needs a subject');
}

const detailsContext = (subject: string) => `data-use:${subject}`;

export async function recordDataUse(trx: Db, keys: KeyRing, use: DataUse): Promise<string> {
  const subject = subjectKey(use.subject);
  const id = newId();
  await trx.insertInto('data_uses').values({
    id, subject, kind: use.kind, agency_id: use.agencyId, items: JSON.stringify(use.items), at: nowIso(use.at ?? new Date()),
    details_enc: keys.encrypt(JSON.stringify({ who: use.who, actorId: use.actorId ?? null, purpose: use.purpose ?? null, reference: use.reference ?? null, items: use.items }), detailsContext(subject)),
  }).execute();
  return id;
}

/** The subject of an account's data: its NRIC hash when it has one. */
export async function subjectOfAccount(db: Db, accountId: string): Promise<DataSubject> {
  const a = await findAccount(db, accountId);
  return { nricHash: (a?.nric_hash as string | null) ?? null, accountId };
}

/** Every subject key an account's person may appear under. */
export function subjectKeys(s: DataSubject): string[] {
  return [...(s.nricHash ? [`nric:${s.nricHash}`] : []), ...(s.accountId ? [`account:${s.accountId}`] : [])];
}

export interface DataUseFilter { kind?: DataUseKind; agencyId?: string; item?: string; limit?: number; before?: string }

export async function listDataUses(db: Db, keys: KeyRing, subject: DataSubject, filter: DataUseFilter = {}): Promise<DataUseEntry[]> {
  const subjects = subjectKeys(subject);
  if (!subjects.length) return [];
  let q = db.selectFrom('data_uses').selectAll().where('subject', 'in', subjects);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.agencyId) q = q.where('agency_id', '=', filter.agencyId);
  if (filter.before) q = q.where('at', '<', filter.before);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.item ? 1000 : filter.limit ?? 200).execute() as any[];
  const out: DataUseEntry[] = [];
  for (const r of rows) {
    const items = JSON.parse(r.items) as string[];
    if (filter.item && !items.includes(filter.item)) continue;
    const d = JSON.parse(keys.decrypt(r.details_enc, detailsContext(r.subject)));
    out.push({ id: r.id, kind: r.kind, agencyId: r.agency_id, who: d.who, items, purpose: d.purpose, reference: d.reference, at: typeof r.at === 'string' ? r.at : new Date(r.at).toISOString() });
    if (out.length >= (filter.limit ?? 200)) break;
  }
  return out;
}
