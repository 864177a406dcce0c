/**
 * The workbench's queues: an agency's cases by view (open, mine, unassigned,
 * escalated, with applicants, referrals, closed), service, step, assignee
 * and deadline status, sorted, one page at a time with keyset pagination
 * (the page after a given row, never OFFSET), so the hundredth page costs
 * what the first does. Every query is a range scan of an index that starts
 * with the holding agency and the case state (migrations/0302-casework.ts).
 */
import { sql, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { WorkingCalendar } from '../../platform/calendar/index.ts';
import { bands } from './deadlines.ts';
import { toCase, type CaseRow } from './repository.ts';
import type { ParsedSearch } from './search.ts';

export const QUEUE_VIEWS = ['open', 'mine', 'unassigned', 'escalated', 'with_applicant', 'referred_in', 'referred_out', 'closed'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];
export const QUEUE_SORTS = ['due', 'oldest', 'newest'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export const DEADLINE_FILTERS = ['overdue', 'due_soon', 'on_time'] as const;
export type DeadlineFilter = (typeof DEADLINE_FILTERS)[number];
/** Counts above this show as "more than" (bounded work however long a queue is). */
export const COUNT_CAP = 1000;

export interface QueueQuery {
  agencyId: string;
  me: string;
  view: QueueView;
  serviceId?: string;
  stepId?: string;
  assigneeId?: string;
  deadline?: DeadlineFilter;
  sort?: QueueSort;
  after?: string;
  before?: string;
  limit?: number;
}

export interface QueuePage {
  rows: CaseRow[];
  next: string | null;
  prev: string | null;
  /** cases by deadline status for the same view and filters (capped at COUNT_CAP + 1), for views with deadlines */
  counts: Record<DeadlineFilter, number> | null;
  sort: QueueSort | 'updated';
}

/** Views whose cases have a running clock. */
export const timedView = (v: QueueView): boolean => !['with_applicant', 'closed'].includes(v);

interface Key { col: 'due_date' | 'submitted_at' | 'updated_at'; dir: 'asc' | 'desc' }

function keyOf(q: QueueQuery): Key {
  if (!timedView(q.view)) return { col: 'updated_at', dir: 'desc' };
  if (q.sort === 'oldest') return { col: 'submitted_at', dir: 'asc' };
  if (q.sort === 'newest') return { col: 'submitted_at', dir: 'desc' };
  return { col: 'due_date', dir: 'asc' };
}

export const encodeCursor = (value: string, id: string): string => Buffer.from(JSON.stringify([value, id])).toString('base64url');
export function decodeCursor(c: string | undefined): [string, string] | null {
  if (!c || c.length > 200) return null;
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' ? [v[0], v[1]] : null;
  } catch {
    return null;
  }
}

function scoped(db: Db, q: QueueQuery) {
  let s = db.selectFrom('cases');
  switch (q.view) {
    case 'open': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'queued'); break;
    case 'mine': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'queued').where('assignee_id', '=', q.me); break;
    case 'unassigned': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'queued').where('assignee_id', 'is', null); break;
    case 'escalated': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'queued').where('escalated', '=', 1); break;
    case 'with_applicant': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'with_applicant'); break;
    case 'referred_in': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'referred'); break;
    case 'referred_out': s = s.where('agency_id', '=', q.agencyId).where('state', '=', 'referred'); break;
    case 'closed': s = s.where('queue_agency_id', '=', q.agencyId).where('state', '=', 'closed'); break;
  }
  if (q.serviceId) s = s.where('service_id', '=', q.serviceId);
  if (q.stepId) s = s.where('step_id', '=', q.stepId);
  if (q.assigneeId && q.view === 'open') s = s.where('assignee_id', '=', q.assigneeId);
  return s;
}

function band(s: ReturnType<typeof scoped>, d: DeadlineFilter, b: { today: string; soon: string }) {
  if (d === 'overdue') return s.where('due_date', '<', b.today);
  if (d === 'due_soon') return s.where('due_date', '>=', b.today).where('due_date', '<=', b.soon);
  return s.where('due_date', '>', b.soon);
}

export async function listQueue(db: Db, keys: KeyRing, cal: WorkingCalendar, now: Date, q: QueueQuery): Promise<QueuePage> {
  const limit = Math.min(Math.max(q.limit ?? 25, 1), 100);
  const key = keyOf(q);
  const b = bands(cal, now);
  let s = scoped(db, q);
  if (q.deadline && timedView(q.view)) s = band(s, q.deadline, b);

  const after = decodeCursor(q.after);
  const before = after ? null : decodeCursor(q.before);
  const backwards = !!before;
  const dir = backwards ? (key.dir === 'asc' ? 'desc' : 'asc') : key.dir;
  const cursor = after ?? before;
  if (cursor) {
    const op = dir === 'asc' ? sql`>` : sql`<`;
    s = s.where(sql<boolean>`(${sql.ref(key.col)}, application_id) ${op} (${cursor[0]}, ${cursor[1]})`);
  }
  const rows = (await s.selectAll().orderBy(key.col, dir).orderBy('application_id', dir).limit(limit + 1).execute()).map((r) => toCase(keys, r));
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const valueOf = (c: CaseRow) => (key.col === 'due_date' ? c.dueDate ?? '' : key.col === 'submitted_at' ? c.submittedAt : c.updatedAt);
  const first = page[0];
  const last = page.at(-1);
  const next = last && (backwards || more) ? encodeCursor(valueOf(last), last.applicationId) : null;
  const prev = first && (backwards ? more : !!after) ? encodeCursor(valueOf(first), first.applicationId) : null;

  let counts: QueuePage['counts'] = null;
  if (timedView(q.view)) {
    const count = async (d: DeadlineFilter) => {
      const inner = band(scoped(db, q), d, b).select(sql`1`.as('one')).limit(COUNT_CAP + 1);
      const r = await db.selectFrom(inner.as('capped')).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number((r as any)?.n ?? 0);
    };
    const [overdue, due_soon, on_time] = await Promise.all([count('overdue'), count('due_soon'), count('on_time')]);
    counts = { overdue, due_soon, on_time };
  }
  return { rows: page, next, prev, counts, sort: timedView(q.view) ? (q.sort ?? 'due') : 'updated' };
}

export const SEARCH_LIMIT = 50;

/**
 * Cases of (or referred to) the agency matching a search, newest first. A
 * word search reads the first word's matches newest first (index on hash,
 * submitted_at) and checks the other words by primary key, so it stops after
 * a page however common the first word is.
 */
export async function searchCases(db: Db, keys: KeyRing, agencyId: string, parsed: ParsedSearch): Promise<CaseRow[]> {
  if (parsed.kind === 'empty') return [];
  const scope = (eb: any) => eb.or([eb('c.agency_id', '=', agencyId), eb('c.queue_agency_id', '=', agencyId)]);
  if (parsed.kind === 'reference') {
    const rows = await db.selectFrom('cases as c').selectAll('c').where('c.reference', '=', parsed.reference).where(scope).limit(SEARCH_LIMIT).execute();
    return rows.map((r) => toCase(keys, r));
  }
  const [first, ...rest] = parsed.hashes;
  let q = db.selectFrom('case_search_terms as t0').innerJoin('cases as c', 'c.application_id', 't0.application_id').selectAll('c').where('t0.hash', '=', first!);
  rest.forEach((h, i) => {
    const alias = `t${i + 1}`;
    q = q.where((eb: any) => eb.exists(db.selectFrom(`case_search_terms as ${alias}`).select(sql`1`.as('one')).where(`${alias}.hash`, '=', h).whereRef(`${alias}.application_id`, '=', 't0.application_id')));
  });
  const rows = await q.where(scope).orderBy('t0.submitted_at', 'desc').orderBy('t0.application_id', 'desc').limit(SEARCH_LIMIT).execute();
  return rows.map((r) => toCase(keys, r));
}
