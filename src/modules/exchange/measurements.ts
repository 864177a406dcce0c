/**
 * How fast data is shared (the Blueprint's "no more than 7 working days"):
 * for each request submitted in the period, the working days (public-holiday
 * calendar) from submission to approval. A request still undecided after 7
 * working days counts as not within 7; rejected and withdrawn requests, and
 * requests still open within the mark, are left out. Working days are
 * recorded when the approval (and the first call) happens, so this reads
 * only the exchange's own table.
 */
import { loadCalendar, DEFAULT_CALENDAR } from '../../platform/calendar/index.ts';
import { nowIso, type Db } from '../../platform/db/index.ts';
import { TARGET_WORKING_DAYS } from './exchange.ts';
import { toRequest } from './repository.ts';
import { workingDaysBetweenInstants } from './working-days.ts';

export interface DataSharingMeasurements {
  /** requests counted */
  requests: number;
  /** median working days from submission to approval (approved requests) */
  medianWorkingDays: number | null;
  /** share (0..1) of counted requests approved within 7 working days */
  shareWithin7: number | null;
  /** median working days from submission to the first successful data call */
  medianToFirstCallWorkingDays: number | null;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function dataSharingMeasurements(db: Db, opts: { from: string; to: string; agencyId?: string; calendar?: string; now?: Date }): Promise<DataSharingMeasurements> {
  let q = db.selectFrom('exchange_requests').selectAll().where('submitted_at', '>=', opts.from).where('submitted_at', '<', opts.to);
  if (opts.agencyId) q = q.where('provider_agency_id', '=', opts.agencyId);
  const rows = (await q.execute()).map(toRequest);
  const open = rows.filter((r) => r.state === 'submitted' || r.state === 'questions');
  let overdue = 0;
  if (open.length) {
    const cal = await loadCalendar(db, opts.calendar ?? DEFAULT_CALENDAR);
    const at = nowIso(opts.now ?? new Date());
    overdue = open.filter((r) => workingDaysBetweenInstants(cal, r.submittedAt, at) > TARGET_WORKING_DAYS).length;
  }
  const approved = rows.filter((r) => r.approvalWorkingDays !== null).map((r) => r.approvalWorkingDays!);
  const counted = approved.length + overdue;
  return {
    requests: counted,
    medianWorkingDays: median(approved),
    shareWithin7: counted ? approved.filter((d) => d <= TARGET_WORKING_DAYS).length / counted : null,
    medianToFirstCallWorkingDays: median(rows.filter((r) => r.firstCallWorkingDays !== null).map((r) => r.firstCallWorkingDays!)),
  };
}
