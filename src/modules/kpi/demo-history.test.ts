/** Demo history: a year of transactions and registers, seeded in bulk once, with trends on the scorecard. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { computeScorecard, defaultRange, seedDemoHistory } from './index.ts';
import { rebuildRollups } from './facts.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

describe('demo history', () => {
  it('seeds a year once, with monthly trends and register figures, matching a recount', { timeout: 120_000 }, async () => {
    const now = p.ctx.clock();
    const seeded = await seedDemoHistory(p.ctx.db, p.catalogue, now);
    expect(seeded).toBeGreaterThan(10_000);
    expect(await seedDemoHistory(p.ctx.db, p.catalogue, now)).toBe(0); // the second start adds nothing
    const s = await computeScorecard({ db: p.ctx.db, catalogue: p.catalogue }, defaultRange(now));
    const k = Object.fromEntries(s.kpis.map((x) => [x.id, x]));
    for (const id of ['satisfaction_citizens', 'satisfaction_businesses', 'e2e_digital_transactions', 'completion_rate', 'digital_take_up', 'cloud_adoption', 'officers_digital_literacy', 'cost_per_transaction']) {
      expect(k[id]!.value, id).not.toBeNull();
    }
    const months = s.months.filter((m) => m.kpis.e2e_digital_transactions !== null);
    expect(months.length).toBeGreaterThanOrEqual(11);
    // things get better over the year
    expect(months.at(-1)!.kpis.digital_take_up!).toBeGreaterThan(months[0]!.kpis.digital_take_up!);
    expect(s.breakdown.filter((b) => b.kpis.find((x) => x.id === 'e2e_digital_transactions')!.value !== null).length).toBe(p.catalogue.agencies.length);
    // the bulk-written rollups are what a recount of the facts gives
    const before = await computeScorecard({ db: p.ctx.db, catalogue: p.catalogue }, defaultRange(now));
    await rebuildRollups(p.ctx.db);
    expect(await computeScorecard({ db: p.ctx.db, catalogue: p.catalogue }, defaultRange(now))).toEqual(before);
  });
});
