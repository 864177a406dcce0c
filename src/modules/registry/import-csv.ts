/**
 * CSV import for owning agencies: one row per person, a `uinfin` column and a
 * column per item field: `name` (the value), `sex.code` and `sex.desc`,
 * `regadd.block`, `regadd.postal`, ... (each { value }), `mobileno.nbr`.
 * Every row is checked on its own; the report lists each rejected row and why.
 * No row is ever half-applied: a row is written whole or not at all, and all
 * the accepted rows commit in one transaction (with `allOrNothing`, one
 * rejected row means nothing is written).
 */
import { parse } from 'csv-parse/sync';
import type { AppContext } from '../../platform/context.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { isValidNric, normaliseId } from '../../platform/identifiers/index.ts';
import { itemDefinition, type MyinfoItem } from './items.ts';
import { checkItems } from './update-record.ts';
import { ensurePerson, writePersonItems } from './repository.ts';

export interface ImportReport {
  rows: number;
  applied: number;
  rejected: { row: number; problems: string[] }[];
  /** false when nothing was written (allOrNothing with a rejected row, or an unreadable file) */
  committed: boolean;
}

const META = new Set(['source', 'classification', 'lastupdated']);

/** One CSV row -> items. */
function rowItems(row: Record<string, string>): Record<string, MyinfoItem> {
  const items: Record<string, MyinfoItem> = {};
  for (const [col, cell] of Object.entries(row)) {
    if (col === 'uinfin' || cell === undefined || cell.trim() === '') continue;
    const [item, field] = col.split('.', 2) as [string, string | undefined];
    const v = cell.trim();
    const it = (items[item] ??= {});
    if (!field) it.value = v;
    else if (field === 'code' || field === 'desc' || META.has(field)) it[field] = v;
    else it[field] = { value: v };
  }
  // a row's items default to government-verified, updated today (by the importing agency)
  return items;
}

export async function importPeopleCsv(ctx: AppContext, input: { csv: string; agency: string | null; actor: { type: 'api' | 'system'; id: string | null }; allOrNothing?: boolean; requestId?: string }): Promise<ImportReport> {
  let records: Record<string, string>[];
  try {
    records = parse(input.csv, { columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: false, bom: true, relax_column_count: false });
  } catch (e) {
    return { rows: 0, applied: 0, rejected: [{ row: 0, problems: [`the file cannot be read as CSV: ${(e as Error).message}`] }], committed: false };
  }
  const rejected: ImportReport['rejected'] = [];
  const good: { uinfin: string; items: Record<string, MyinfoItem> }[] = [];
  const headers = Object.keys(records[0] ?? {});
  const unknownColumns = headers.filter((h) => h !== 'uinfin' && !itemDefinition(h.split('.')[0]!));
  if (!headers.includes('uinfin') || unknownColumns.length) {
    const problems = [...(!headers.includes('uinfin') ? ['there is no "uinfin" column'] : []), ...unknownColumns.map((c) => `column "${c}" is not a data item`)];
    return { rows: records.length, applied: 0, rejected: [{ row: 1, problems }], committed: false };
  }
  const seen = new Map<string, number>();
  records.forEach((r, i) => {
    const row = i + 2; // the header is row 1
    const problems: string[] = [];
    const uinfin = normaliseId(r.uinfin ?? '');
    if (!isValidNric(uinfin)) problems.push('uinfin is not a valid NRIC or FIN');
    else if (seen.has(uinfin)) problems.push(`the same person is on row ${seen.get(uinfin)}`);
    else seen.set(uinfin, row);
    const checked = checkItems('person', rowItems(r), input.agency);
    problems.push(...checked.problems.map((p) => (p.item ? `${p.item} ${p.message}` : p.message)));
    if (problems.length) rejected.push({ row, problems });
    else good.push({ uinfin, items: checked.items });
  });
  if (input.allOrNothing && rejected.length) return { rows: records.length, applied: 0, rejected, committed: false };
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock();
    for (const g of good) {
      const id = await ensurePerson(trx, ctx.keys, g.uinfin, now.toISOString());
      await writePersonItems(trx, ctx.keys, id, g.items, (i) => itemDefinition(i)!.agency, now);
    }
    await appendAudit(trx, { stream: `registry-import:${input.agency ?? 'system'}`, action: 'registry.imported', actorType: input.actor.type, actorId: input.actor.id, agencyId: input.agency, requestId: input.requestId, data: { rows: records.length, applied: good.length, rejected: rejected.map((r) => r.row) } });
  });
  return { rows: records.length, applied: good.length, rejected, committed: true };
}
