/**
 * Queues page by keyset: following "next" (or "previous") visits every case
 * of a queue exactly once, in order, whatever the filters and sort; the
 * deadline counts agree with the rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { seedCases } from '../../../bench/seed-cases.ts';
import { listQueue, type QueueQuery } from './queue.ts';
import { deadlineOf } from './deadlines.ts';
import { parseSearch } from './search.ts';
import { searchCases } from './queue.ts';

let p: TestPlatform;
let me = '';
let seeded: Awaited<ReturnType<typeof seedCases>>;
beforeAll(async () => {
  p = await createTestPlatform();
  seeded = await seedCases(p, { count: 130, seed: 11 });
  me = seeded.officers['wong-li-hua']!;
});
afterAll(async () => { await p?.close(); });

async function walk(q: Omit<QueueQuery, 'agencyId' | 'me'>) {
  const cal = await p.calendar.get();
  const seen: string[] = [];
  const pages: string[][] = [];
  let page = await listQueue(p.ctx.db, p.ctx.keys, cal, p.ctx.clock(), { agencyId: 'msf', me, limit: 20, ...q });
  for (;;) {
    pages.push(page.rows.map((r) => r.applicationId));
    seen.push(...page.rows.map((r) => r.applicationId));
    if (!page.next) break;
    page = await listQueue(p.ctx.db, p.ctx.keys, cal, p.ctx.clock(), { agencyId: 'msf', me, limit: 20, ...q, after: page.next });
  }
  // and back again with "previous" from the last page
  const back: string[][] = [pages.at(-1)!];
  while (page.prev) {
    page = await listQueue(p.ctx.db, p.ctx.keys, cal, p.ctx.clock(), { agencyId: 'msf', me, limit: 20, ...q, before: page.prev });
    back.unshift(page.rows.map((r) => r.applicationId));
  }
  return { seen, pages, back };
}

describe('keyset pagination', () => {
  for (const q of [
    { view: 'open' as const },
    { view: 'open' as const, sort: 'newest' as const },
    { view: 'open' as const, sort: 'oldest' as const, serviceId: 'baby-bonus' },
    { view: 'mine' as const },
    { view: 'unassigned' as const, deadline: 'overdue' as const },
    { view: 'with_applicant' as const },
  ]) {
    it(`visits every case once, in order, forwards and backwards: ${JSON.stringify(q)}`, async () => {
      const { seen, pages, back } = await walk(q);
      let expected = p.ctx.db.selectFrom('cases').selectAll().where('queue_agency_id', '=', 'msf');
      expected = q.view === 'with_applicant' ? expected.where('state', '=', 'with_applicant') : expected.where('state', '=', 'queued');
      if (q.view === 'mine') expected = expected.where('assignee_id', '=', me);
      if (q.view === 'unassigned') expected = expected.where('assignee_id', 'is', null);
      if ('serviceId' in q && q.serviceId) expected = expected.where('service_id', '=', q.serviceId);
      const cal = await p.calendar.get();
      let rows = (await expected.execute()) as any[];
      if ('deadline' in q) rows = rows.filter((r) => deadlineOf(cal, { state: r.state, dueDate: r.due_date, pausedDaysLeft: null }, p.ctx.clock()).status === 'overdue');
      const col = q.view === 'with_applicant' ? 'updated_at' : q.sort === 'newest' || q.sort === 'oldest' ? 'submitted_at' : 'due_date';
      const desc = q.view === 'with_applicant' || q.sort === 'newest';
      rows.sort((x, y) => (x[col] === y[col] ? (x.application_id < y.application_id ? -1 : 1) : x[col] < y[col] ? -1 : 1) * (desc ? -1 : 1));
      expect(rows.length).toBeGreaterThan(0);
      expect(seen).toEqual(rows.map((r) => r.application_id));
      expect(back).toEqual(pages);
    });
  }

  it('counts cases by deadline status like the rows say', async () => {
    const cal = await p.calendar.get();
    const page = await listQueue(p.ctx.db, p.ctx.keys, cal, p.ctx.clock(), { agencyId: 'msf', me, view: 'open', limit: 100 });
    const all = (await p.ctx.db.selectFrom('cases').select(['state', 'due_date']).where('state', '=', 'queued').execute()) as any[];
    const statuses = all.map((r) => deadlineOf(cal, { state: r.state, dueDate: r.due_date, pausedDaysLeft: null }, p.ctx.clock()).status);
    expect(page.counts).toEqual({
      overdue: statuses.filter((s) => s === 'overdue').length, due_soon: statuses.filter((s) => s === 'due_soon').length, on_time: statuses.filter((s) => s === 'on_time').length,
    });
  });

  it('finds seeded cases by name, NRIC and reference', async () => {
    for (const s of seeded.sample.slice(0, 3)) {
      for (const q of [s.nric, s.reference, s.name]) {
        const rows = await searchCases(p.ctx.db, p.ctx.keys, 'msf', parseSearch(p.ctx.keys, q));
        expect(rows.map((r) => r.applicationId), q).toContain(s.id);
      }
    }
  });
});
