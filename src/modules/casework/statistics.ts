/**
 * Case counts of an agency by service, status and month received (the month
 * in UTC, from the submission instant): aggregates for other modules (the
 * data exchange's "case statistics" product) without reading casework's tables.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.ts';

export const CASE_COUNT_DIMENSIONS = ['service', 'status', 'month'] as const;
export type CaseCountDimension = (typeof CASE_COUNT_DIMENSIONS)[number];

export async function caseCounts(db: Db, agencyId: string, by: CaseCountDimension[]): Promise<Array<Partial<Record<CaseCountDimension, string>> & { cases: number }>> {
  const cols = { service: sql<string>`service_id`, status: sql<string>`status`, month: sql<string>`substr(submitted_at, 1, 7)` };
  const dims = CASE_COUNT_DIMENSIONS.filter((d) => by.includes(d));
  let q = db.selectFrom('cases').where('agency_id', '=', agencyId).select((eb) => eb.fn.countAll().as('cases'));
  for (const d of dims) q = q.select(cols[d].as(d)).groupBy(cols[d]).orderBy(cols[d]);
  const rows = await q.execute();
  return rows.map((r: any) => ({ ...Object.fromEntries(dims.map((d) => [d, String(r[d])])), cases: Number(r.cases) }));
}
