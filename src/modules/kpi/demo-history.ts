/**
 * Demo mode: a year of made-up transactions and register returns, so the
 * scorecard shows trends on first start. Written in bulk (multi-row inserts of
 * facts, rollups summed in memory), once: a second start finds them and does
 * nothing. Deterministic (a seeded generator), so every demo looks the same.
 */
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { addToRollupsInBulk, contribution, factRow, insertMany, type Contribution, type Fact } from './facts.ts';
import { factDefaults } from './service-coverage.ts';
import { quarterOf, saveCost, saveReturn } from './registers.ts';
import { seededRandom } from '../../platform/random/index.ts';

const DEMO_PREFIX = 'demo-history-';


const iso = (ms: number) => new Date(ms).toISOString();

/** Generate the facts of a year ending yesterday (pure: used by the seed and by tests). */
export function demoFacts(catalogue: Catalogue, now: Date, opts: { perDay?: number; seed?: number } = {}): Fact[] {
  const rnd = seededRandom(opts.seed ?? 2026);
  const services = catalogue.list();
  const perDay = opts.perDay ?? 60;
  const dayMs = 86400_000;
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 8 * 3600_000; // midnight in Singapore today
  const start = end - 365 * dayMs;
  const facts: Fact[] = [];
  let n = 0;
  for (let day = start; day < end; day += dayMs) {
    const progress = (day - start) / (end - start); // 0 .. 1: things get better over the year
    const weekday = new Date(day + 8 * 3600_000).getUTCDay();
    const volume = Math.round(perDay * (weekday === 0 || weekday === 6 ? 0.45 : 1.15) * (0.8 + rnd() * 0.4));
    for (let k = 0; k < volume; k++) {
      const s = services[Math.floor(Math.pow(rnd(), 1.6) * services.length)]!; // some services far busier than others
      const d = s.definition;
      const audience = d.audience.length === 1 ? d.audience[0]! : rnd() < 0.8 ? d.audience[0]! : d.audience[1]!;
      const r = rnd();
      const online = 0.7 + 0.18 * progress;
      const channel = r < online ? 'online' : r < online + 0.04 ? 'api' : r < online + 0.04 + (1 - online - 0.04) * 0.6 ? 'counter' : 'paper';
      const at = day + (8 + rnd() * 10) * 3600_000; // office hours, Singapore
      const f: Fact = {
        applicationId: `${DEMO_PREFIX}${String(++n).padStart(7, '0')}`, agencyId: d.agency, serviceId: s.id, channel, audience,
        startedAt: iso(at - rnd() * 40 * 60_000), submittedAt: null, decidedAt: null, decision: null, ...factDefaults(d),
        signedDigitally: false, feeCharged: null, paidOnline: false, outputIssuedDigitally: false, completedAt: null, rating: null, ratedAt: null,
      };
      facts.push(f);
      // online drafts that were never sent (fewer as the forms improve)
      if (channel === 'online' && rnd() < 0.2 - 0.08 * progress) continue;
      f.submittedAt = iso(at);
      const digital = channel === 'online' || channel === 'api';
      if (f.signatureRequired) f.signedDigitally = digital;
      if (f.feeExpected) { f.paidOnline = digital && rnd() < 0.9 + 0.09 * progress; f.feeCharged = 1000 + Math.floor(rnd() * 20) * 500; }
      const decidedAt = at + (1 + rnd() * d.processingTime.workingDays * 1.3) * dayMs;
      if (decidedAt >= end) continue;
      f.decidedAt = iso(decidedAt);
      f.decision = rnd() < 0.86 ? 'approved' : 'rejected';
      f.outputIssuedDigitally = f.decision === 'approved' && f.outputExpected && rnd() < 0.97 + 0.03 * progress;
      if (f.decision === 'rejected' || !f.outputExpected) f.completedAt = f.decidedAt;
      else if (f.outputIssuedDigitally) f.completedAt = iso(decidedAt + 600_000);
      // about a third answer the survey; more are satisfied as the year goes on
      if (rnd() < 0.34) {
        const happy = (audience === 'business' ? 0.66 : 0.7) + 0.14 * progress;
        const x = rnd();
        f.rating = x < happy ? (rnd() < 0.55 ? 5 : 6) : x < happy + 0.15 ? 4 : 1 + Math.floor(rnd() * 3);
        f.ratedAt = iso((f.completedAt ? Date.parse(f.completedAt) : at) + 300_000);
      }
    }
  }
  return facts;
}

/** Seed a year of history once; returns how many transactions were added (0 when already there). */
export async function seedDemoHistory(db: Db, catalogue: Catalogue, now: Date = new Date()): Promise<number> {
  const there = await db.selectFrom('kpi_facts').select('application_id').where('application_id', 'like', `${DEMO_PREFIX}%`).limit(1).executeTakeFirst();
  if (there) return 0;
  const facts = demoFacts(catalogue, now);
  const sums: Contribution = new Map();
  for (const f of facts) contribution(f, 1, sums);
  const stamp = nowIso(now);
  await inTransaction(db, async (trx) => {
    await insertMany(trx, 'kpi_facts', facts.map((f) => factRow(f, stamp)));
    await addToRollupsInBulk(trx, sums);
    await seedRegisters(trx, catalogue, now);
  });
  return facts.length;
}

/** Four quarters of returns per agency, and costs per service, improving over the year. */
async function seedRegisters(db: Db, catalogue: Catalogue, now: Date): Promise<void> {
  const rnd = seededRandom(7);
  const quarters: string[] = [];
  for (let i = 4; i >= 1; i--) quarters.push(quarterOf(new Date(now.getTime() - i * 91 * 86400_000).toISOString().slice(0, 10)));
  for (const [ai, a] of catalogue.agencies.entries()) {
    const officers = 800 + Math.floor(rnd() * 4000);
    for (const [qi, quarter] of quarters.entries()) {
      const p = (qi + 1) / quarters.length;
      const eligible = 20 + Math.floor(rnd() * 30);
      await saveReturn(db, {
        agencyId: a.id, quarter, officersTotal: officers,
        officersTrainedDataAnalytics: Math.floor(officers * (0.35 + 0.25 * p)), officersDigitalLiteracy: Math.floor(officers * (0.8 + 0.17 * p)),
        aiProjects: ai % 4 === 3 && qi < 2 ? 0 : 1 + Math.floor(rnd() * 4), eligibleSystems: eligible, cloudSystems: Math.floor(eligible * (0.5 + 0.25 * p)),
      }, null);
      for (const s of catalogue.byAgency(a.id)) await saveCost(db, { agencyId: a.id, serviceId: s.id, quarter, costCents: (30_000 + Math.floor(rnd() * 60_000)) * 100 }, null);
    }
  }
}
