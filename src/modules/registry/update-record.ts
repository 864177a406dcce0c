/**
 * Owning agencies update records: a person's items (by NRIC/FIN) or a
 * business's (by UEN). Every item is checked first; a record with any wrong
 * item is not written at all. An agency writes only the items it owns.
 */
import { nowIso, inTransaction, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import { itemDefinition, SOURCES, type MyinfoItem } from './items.ts';
import { ensurePerson, writeBusinessItems, writePersonItems } from './repository.ts';

export interface ItemProblem { item: string; message: string }

/** A list item arrives as an array of records (as Myinfo gives it): kept as { list } with the first record's metadata. */
function normalise(name: string, raw: unknown): MyinfoItem | null {
  if (Array.isArray(raw)) {
    const first = (raw[0] ?? {}) as MyinfoItem;
    const list = raw.map((r) => { const { source: _s, classification: _c, lastupdated: _l, ...rest } = (r ?? {}) as MyinfoItem; return rest; });
    return { list, source: first.source, classification: first.classification, lastupdated: first.lastupdated };
  }
  if (raw && typeof raw === 'object') return raw as MyinfoItem;
  return null;
}

/** Check items for a person or a business; `agency` (when given) must own each one. */
export function checkItems(kind: 'person' | 'business', items: Record<string, unknown>, agency: string | null): { items: Record<string, MyinfoItem>; problems: ItemProblem[] } {
  const out: Record<string, MyinfoItem> = {};
  const problems: ItemProblem[] = [];
  const names = Object.keys(items);
  if (!names.length) problems.push({ item: '', message: 'no items given' });
  for (const name of names) {
    const def = itemDefinition(name);
    if (!def || def.kind !== kind) { problems.push({ item: name, message: `is not a ${kind} data item` }); continue; }
    if (agency && def.agency !== agency) { problems.push({ item: name, message: `is owned by ${def.agency.toUpperCase()}: only the owning agency updates it` }); continue; }
    const item = normalise(name, items[name]);
    if (!item) { problems.push({ item: name, message: 'must be an object (or, for a list, an array)' }); continue; }
    if (item.source !== undefined && !SOURCES.includes(String(item.source) as never)) { problems.push({ item: name, message: 'source must be "1", "2", "3" or "4"' }); continue; }
    if (item.lastupdated !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(item.lastupdated))) { problems.push({ item: name, message: 'lastupdated must be a date (YYYY-MM-DD)' }); continue; }
    const wrong = def.check(item);
    if (wrong) { problems.push({ item: name, message: wrong }); continue; }
    out[name] = { ...item, source: String(item.source ?? '1'), classification: String(item.classification ?? 'C') };
  }
  return { items: out, problems };
}

export type UpdateResult = { ok: true } | { ok: false; problems: ItemProblem[] };

export async function updatePerson(ctx: AppContext, input: { uinfin: string; items: Record<string, unknown>; agency: string | null; actor: { type: 'api' | 'system' | 'officer'; id: string | null }; db?: Db; requestId?: string }): Promise<UpdateResult> {
  const uinfin = normaliseId(input.uinfin);
  if (!isValidNric(uinfin)) return { ok: false, problems: [{ item: 'uinfin', message: 'is not a valid NRIC or FIN' }] };
  const checked = checkItems('person', input.items, input.agency);
  if (checked.problems.length) return { ok: false, problems: checked.problems };
  await inTransaction(input.db ?? ctx.db, async (trx) => {
    const now = ctx.clock();
    const id = await ensurePerson(trx, ctx.keys, uinfin, nowIso(now));
    await writePersonItems(trx, ctx.keys, id, checked.items, (i) => itemDefinition(i)!.agency, now);
    await appendAudit(trx, { stream: `registry-person:${id}`, action: 'registry.person_updated', actorType: input.actor.type, actorId: input.actor.id, agencyId: input.agency, subjectType: 'registry-person', subjectId: id, requestId: input.requestId, data: { items: Object.keys(checked.items) } });
  });
  return { ok: true };
}

export async function updateBusiness(ctx: AppContext, input: { uen: string; items: Record<string, unknown>; agency: string | null; actor: { type: 'api' | 'system' | 'officer'; id: string | null }; db?: Db; requestId?: string }): Promise<UpdateResult> {
  const uen = normaliseId(input.uen);
  if (!isValidUen(uen, ctx.clock())) return { ok: false, problems: [{ item: 'uen', message: 'is not a valid UEN' }] };
  const checked = checkItems('business', input.items, input.agency);
  if (checked.problems.length) return { ok: false, problems: checked.problems };
  await inTransaction(input.db ?? ctx.db, async (trx) => {
    await writeBusinessItems(trx, ctx.keys, uen, checked.items, (i) => itemDefinition(i)!.agency, ctx.clock());
    await appendAudit(trx, { stream: `registry-business:${uen}`, action: 'registry.business_updated', actorType: input.actor.type, actorId: input.actor.id, agencyId: input.agency, subjectType: 'registry-business', subjectId: uen, requestId: input.requestId, data: { items: Object.keys(checked.items) } });
  });
  return { ok: true };
}
