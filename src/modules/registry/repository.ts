/**
 * Queries for the registry's own tables. Every item's value is encrypted at
 * this boundary, bound to its row (person and item), and people are found by
 * the keyed hash of their NRIC/FIN, never by the number itself.
 */
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import { itemDefinition, splitItem, type MyinfoItem } from './items.ts';

export interface StoredItem { item: string; value: MyinfoItem; agency: string }

export const personContext = (personId: string, item: string) => `registry-person:${personId}:${item}`;
export const businessContext = (uen: string, item: string) => `registry-business:${uen}:${item}`;
export const uinfinHash = (keys: KeyRing, uinfin: string) => keys.blindIndex('nric', uinfin.toUpperCase());

function deleteAfter(item: string, lastUpdated: string, now: Date): string | null {
  const def = itemDefinition(item);
  if (!def) return null;
  const from = /^\d{4}-\d{2}-\d{2}/.test(lastUpdated) ? new Date(`${lastUpdated.slice(0, 10)}T00:00:00Z`) : now;
  return nowIso(new Date(Math.max(from.getTime(), 0) + def.retentionDays * 86400_000));
}

/** The Myinfo shape back: the value fields plus source, classification, lastupdated (a list item: each record carries them). */
function assemble(item: string, value: Record<string, unknown>, r: { source: string; classification: string; last_updated: string }): MyinfoItem {
  const meta = { source: r.source, classification: r.classification, lastupdated: r.last_updated };
  if (itemDefinition(item)?.list) return { ...meta, list: ((value.list as Record<string, unknown>[]) ?? []).map((x) => ({ ...x, ...meta })) };
  return { ...value, ...meta };
}

export async function findPersonId(db: Db, keys: KeyRing, uinfin: string): Promise<string | undefined> {
  const r = await db.selectFrom('registry_people').select('id').where('uinfin_hash', '=', uinfinHash(keys, uinfin)).executeTakeFirst();
  return r?.id as string | undefined;
}

export async function findPersonIdByHash(db: Db, hash: string): Promise<string | undefined> {
  const r = await db.selectFrom('registry_people').select('id').where('uinfin_hash', '=', hash).executeTakeFirst();
  return r?.id as string | undefined;
}

export async function ensurePerson(db: Db, keys: KeyRing, uinfin: string, now: string): Promise<string> {
  const hash = uinfinHash(keys, uinfin);
  await db.insertInto('registry_people').values({ id: newId(), uinfin_hash: hash, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('uinfin_hash').doNothing()).execute();
  return (await findPersonIdByHash(db, hash))!;
}

export async function readPersonItems(db: Db, keys: KeyRing, personId: string, items?: readonly string[]): Promise<Map<string, StoredItem>> {
  let q = db.selectFrom('registry_person_items').selectAll().where('person_id', '=', personId);
  if (items) q = q.where('item', 'in', items.length ? [...items] : ['-']);
  const out = new Map<string, StoredItem>();
  for (const r of await q.execute() as any[]) {
    const value = JSON.parse(keys.decrypt(r.value_enc, personContext(personId, r.item)));
    out.set(r.item, { item: r.item, value: assemble(r.item, value, r), agency: r.agency_id });
  }
  return out;
}

/** One item row's columns: the value encrypted for its row, the metadata, when retention deletes it. */
function itemRow(keys: KeyRing, context: string, item: string, raw: MyinfoItem, agency: string, now: Date) {
  const { value, source, classification, lastupdated } = splitItem(raw);
  const lastUpdated = lastupdated || nowIso(now).slice(0, 10);
  return {
    value_enc: keys.encrypt(JSON.stringify(value), context), source, classification, agency_id: agency,
    last_updated: lastUpdated, updated_at: nowIso(now), delete_after: deleteAfter(item, lastUpdated, now),
  };
}

/** Write items (already checked) for a person: each replaces what was there. */
export async function writePersonItems(db: Db, keys: KeyRing, personId: string, items: Record<string, MyinfoItem>, agencyOf: (item: string) => string, now: Date): Promise<void> {
  for (const [item, raw] of Object.entries(items)) {
    const row = itemRow(keys, personContext(personId, item), item, raw, agencyOf(item), now);
    await db.insertInto('registry_person_items').values({ person_id: personId, item, ...row })
      .onConflict((oc) => oc.columns(['person_id', 'item']).doUpdateSet(row)).execute();
  }
  await db.updateTable('registry_people').set({ updated_at: nowIso(now) }).where('id', '=', personId).execute();
}

export async function ensureBusinessRecord(db: Db, uen: string, now: string): Promise<void> {
  await db.insertInto('registry_businesses').values({ uen, created_at: now, updated_at: now }).onConflict((oc) => oc.column('uen').doNothing()).execute();
}

export async function readBusinessItems(db: Db, keys: KeyRing, uen: string, items?: readonly string[]): Promise<Map<string, StoredItem> | undefined> {
  const exists = await db.selectFrom('registry_businesses').select('uen').where('uen', '=', uen).executeTakeFirst();
  if (!exists) return undefined;
  let q = db.selectFrom('registry_business_items').selectAll().where('uen', '=', uen);
  if (items) q = q.where('item', 'in', items.length ? [...items] : ['-']);
  const out = new Map<string, StoredItem>();
  for (const r of await q.execute() as any[]) {
    const value = JSON.parse(keys.decrypt(r.value_enc, businessContext(uen, r.item)));
    out.set(r.item, { item: r.item, value: assemble(r.item, value, r), agency: r.agency_id });
  }
  return out;
}

export async function writeBusinessItems(db: Db, keys: KeyRing, uen: string, items: Record<string, MyinfoItem>, agencyOf: (item: string) => string, now: Date): Promise<void> {
  await ensureBusinessRecord(db, uen, nowIso(now));
  for (const [item, raw] of Object.entries(items)) {
    const row = itemRow(keys, businessContext(uen, item), item, raw, agencyOf(item), now);
    await db.insertInto('registry_business_items').values({ uen, item, ...row })
      .onConflict((oc) => oc.columns(['uen', 'item']).doUpdateSet(row)).execute();
  }
  await db.updateTable('registry_businesses').set({ updated_at: nowIso(now) }).where('uen', '=', uen).execute();
}

/** Scheduled deletion: items past their retention period. */
export async function deleteExpiredItems(db: Db, now: Date): Promise<{ people: number; businesses: number }> {
  const at = nowIso(now);
  const a = await db.deleteFrom('registry_person_items').where('delete_after', '<=', at).executeTakeFirst();
  const b = await db.deleteFrom('registry_business_items').where('delete_after', '<=', at).executeTakeFirst();
  return { people: Number(a.numDeletedRows), businesses: Number(b.numDeletedRows) };
}

/** What a person's record holds for these items, without reading (decrypting) any value: for the consent page. */
export async function personItemMeta(db: Db, personId: string, items: readonly string[]): Promise<Map<string, { source: string; agency: string; lastUpdated: string }>> {
  if (!items.length) return new Map();
  const rows = await db.selectFrom('registry_person_items').select(['item', 'source', 'agency_id', 'last_updated']).where('person_id', '=', personId).where('item', 'in', [...items]).execute() as any[];
  return new Map(rows.map((r) => [r.item, { source: r.source, agency: r.agency_id, lastUpdated: r.last_updated }]));
}
