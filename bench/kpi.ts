/**
 * The scorecard over 10 million transactions: loads that many transaction
 * facts (a year, the real catalogue's services, every channel and audience)
 * and their daily rollups in bulk, then times, in the same run:
 *   - the scorecard as the pages and the API compute it (computeScorecard:
 *     every KPI, twelve monthly trends, the breakdown by agency) from the rollups,
 *     for the whole of government, one agency and one service;
 *   - the naive alternative: one full scan of the facts computing only the
 *     headline figures (so the naive time is a lower bound), and checks that
 *     both give the same numbers;
 *   - the cost of keeping rollups up to date: recordTransactionFact() for a
 *     transaction's start, submission and decision, each in its own transaction,
 *     on the full database.
 *
 *   node --import tsx bench/kpi.ts                         # 10,000,000 transactions, SQLite in a temporary directory
 *   BENCH_TRANSACTIONS=1000000 node --import tsx bench/kpi.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config/index.ts';
import { createLogger } from '../src/platform/log/index.ts';
import { createPlatform } from '../src/main.ts';
import { computeScorecard, recordTransactionFact, type KpiQuery } from '../src/modules/kpi/index.ts';
import { COUNTERS, contribution, factRow, type Fact } from '../src/modules/kpi/facts.ts';
import { factDefaults } from '../src/modules/kpi/service-coverage.ts';
import { seededRandom } from '../src/platform/random/index.ts';

const N = Number(process.env.BENCH_TRANSACTIONS ?? 10_000_000);
const RUNS = 7;
const say = (s: string) => process.stdout.write(`${s}\n`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-bench-kpi-'));
const config = loadConfig({ CIVITAS_DATA_DIR: dataDir, CIVITAS_DEMO: '0', LOG_LEVEL: 'silent', PORT: '0', CIVITAS_WORKER: '0' });
if (config.database.dialect !== 'sqlite') throw new Error('bench/kpi.ts loads its 10 million rows with SQLite\'s bulk insert; run it without DATABASE_URL');
const p = await createPlatform(config, { log: createLogger('silent') });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

try {
  say(`# The scorecard over ${N.toLocaleString('en')} transactions (SQLite, Node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''})`);
  // ---- load: facts with better-sqlite3's prepared insert, rollups summed in memory with the same contribution() the live path uses
  const t0 = performance.now();
  const raw = new SQLite(config.database.file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF');
  const services = p.catalogue.list();
  const cols = Object.keys(factRow({ applicationId: '', agencyId: '', serviceId: '', channel: '', audience: 'citizen', startedAt: null, submittedAt: null, decidedAt: null, decision: null, signatureRequired: false, signedDigitally: false, feeExpected: false, feeCharged: null, paidOnline: false, outputExpected: false, outputIssuedDigitally: false, completedAt: null, rating: null, ratedAt: null }, ''));
  const insert = raw.prepare(`insert into kpi_facts (${cols.join(',')}) values (${cols.map(() => '?').join(',')})`);
  const sums = new Map<string, Record<string, number>>();
  const rnd = seededRandom(42);
  const end = Date.parse('2026-11-01T00:00:00+08:00');
  const start = end - 365 * 86400_000;
  const iso = (x: number) => new Date(x).toISOString();
  const batch = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const s = services[Math.floor(rnd() * rnd() * services.length)]!;
      const d = s.definition;
      const at = start + rnd() * (end - start - 30 * 86400_000);
      const r = rnd();
      const channel = r < 0.8 ? 'online' : r < 0.84 ? 'api' : r < 0.94 ? 'counter' : 'paper';
      const digital = channel === 'online' || channel === 'api';
      const f: Fact = {
        applicationId: `b${String(i).padStart(9, '0')}`, agencyId: d.agency, serviceId: s.id, channel, audience: d.audience.length === 1 ? d.audience[0]! : rnd() < 0.8 ? 'citizen' : 'business',
        startedAt: iso(at - 600_000), submittedAt: null, decidedAt: null, decision: null, ...factDefaults(d), signedDigitally: false, feeCharged: null, paidOnline: false,
        outputIssuedDigitally: false, completedAt: null, rating: null, ratedAt: null,
      };
      if (!(channel === 'online' && rnd() < 0.12)) {
        f.submittedAt = iso(at);
        f.signedDigitally = f.signatureRequired && digital;
        f.paidOnline = f.feeExpected && digital && rnd() < 0.95;
        const decided = at + (1 + rnd() * 20) * 86400_000;
        f.decidedAt = iso(decided);
        f.decision = rnd() < 0.85 ? 'approved' : 'rejected';
        f.outputIssuedDigitally = f.decision === 'approved' && f.outputExpected;
        f.completedAt = f.outputIssuedDigitally ? iso(decided + 600_000) : f.decidedAt;
        if (rnd() < 0.3) { f.rating = 1 + Math.floor(rnd() * 6); f.ratedAt = iso(decided + 3600_000); }
      }
      insert.run(...Object.values(factRow(f, '2026-11-01T00:00:00.000Z')) as never[]);
      contribution(f, 1, sums as never);
    }
  });
  const CHUNK = 200_000;
  for (let i = 0; i < N; i += CHUNK) {
    batch(i, Math.min(N, i + CHUNK));
    if ((i + CHUNK) % 1_000_000 === 0) process.stderr.write(`  ${(i + CHUNK).toLocaleString('en')} facts\n`);
  }
  const insertRollup = raw.prepare(`insert into kpi_rollups (day, agency_id, service_id, channel, audience, shard, ${COUNTERS.join(',')}) values (?,?,?,?,?,0,${COUNTERS.map(() => '?').join(',')})`);
  raw.transaction(() => {
    for (const [key, c] of sums) insertRollup.run(...key.split('\u0001'), ...COUNTERS.map((k) => c[k] ?? 0));
  })();
  raw.exec('analyze');
  raw.close();
  const loadS = (performance.now() - t0) / 1000;
  const rollupRows = Number((await sql<{ n: number }>`select count(*) as n from kpi_rollups`.execute(p.ctx.db)).rows[0]!.n);
  const size = fs.statSync(config.database.file).size;
  say(`Loaded ${N.toLocaleString('en')} facts and ${rollupRows.toLocaleString('en')} daily rollup rows in ${loadS.toFixed(0)} s (database ${(size / 2 ** 30).toFixed(2)} GiB).`);

  // ---- the scorecard from rollups
  const year: KpiQuery = { from: '2025-11-01', to: '2026-10-31' };
  const deps = { db: p.ctx.db, catalogue: p.catalogue };
  const scopes: [string, KpiQuery][] = [['whole of government', year], ['one agency (msf)', { ...year, agency: 'msf' }], ['one service (baby-bonus)', { ...year, service: 'baby-bonus', agency: 'msf' }]];
  say('');
  say('| scorecard over a year (all 14 KPIs, 12 monthly trends, breakdown) | median of 7 | fastest | slowest |');
  say('|---|---|---|---|');
  const results: Record<string, number> = {};
  for (const [name, q] of scopes) {
    await computeScorecard(deps, q); // warm
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s0 = performance.now();
      await computeScorecard(deps, q);
      times.push(performance.now() - s0);
    }
    results[name] = median(times);
    say(`| ${name}, from rollups | ${ms(median(times))} | ${ms(Math.min(...times))} | ${ms(Math.max(...times))} |`);
  }

  // ---- the naive full scan: headline figures only, straight from the facts
  const fromTs = new Date(Date.parse(`${year.from}T00:00:00+08:00`)).toISOString();
  const toTs = new Date(Date.parse(`${year.to}T00:00:00+08:00`) + 86400_000).toISOString();
  const inRange = (c: string) => `${c} >= '${fromTs}' and ${c} < '${toTs}'`;
  const e2e = `channel in ('online','api') and (fee_expected = 0 or paid_online = 1) and (signature_required = 0 or signed_digitally = 1) and decided_at is not null and (decision <> 'approved' or output_expected = 0 or output_issued_digitally = 1)`;
  const naiveSql = `select agency_id, service_id, channel, audience,
      sum(case when ${inRange('started_at')} then 1 else 0 end) as started,
      sum(case when ${inRange('submitted_at')} then 1 else 0 end) as submitted,
      sum(case when ${inRange('completed_at')} then 1 else 0 end) as completed,
      sum(case when ${inRange('completed_at')} and ${e2e} then 1 else 0 end) as completed_e2e,
      sum(case when ${inRange('rated_at')} then 1 else 0 end) as rated,
      sum(case when ${inRange('rated_at')} and rating >= 5 then 1 else 0 end) as satisfied
    from kpi_facts group by agency_id, service_id, channel, audience`;
  const naiveTimes: number[] = [];
  let naive: any[] = [];
  for (let i = 0; i < 3; i++) {
    const s0 = performance.now();
    naive = (await sql.raw(naiveSql).execute(p.ctx.db)).rows as any[];
    naiveTimes.push(performance.now() - s0);
  }
  const naiveMs = median(naiveTimes);
  say(`| naive: one full scan of the facts (headline figures only, no trends) | ${ms(naiveMs)} | ${ms(Math.min(...naiveTimes))} | ${ms(Math.max(...naiveTimes))} |`);
  say('');
  say(`Ratio: the naive scan takes ${(naiveMs / results['whole of government']!).toFixed(0)}x as long as the whole-of-government scorecard from rollups (which also computes trends and the breakdown).`);

  // ---- same numbers both ways
  const s = await computeScorecard(deps, year);
  const k = (id: string) => s.kpis.find((x) => x.id === id)!;
  const total = (c: string) => naive.reduce((n, r) => n + Number(r[c]), 0);
  const same = k('e2e_digital_transactions').numerator === total('completed_e2e') && k('e2e_digital_transactions').denominator === total('completed')
    && k('digital_take_up').denominator === total('submitted') && (k('satisfaction_citizens').denominator ?? 0) + (k('satisfaction_businesses').denominator ?? 0) === total('rated');
  say(`Rollups and full scan agree: ${same ? 'yes' : 'NO'} (e2e ${k('e2e_digital_transactions').numerator}/${k('e2e_digital_transactions').denominator}, submitted ${total('submitted')}, rated ${total('rated')}).`);
  if (!same) process.exitCode = 1;

  // ---- the write path on the full database
  const service = p.catalogue.get('baby-bonus')!;
  const writes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `w${i}`;
    const now = new Date().toISOString();
    for (const patch of [
      { agencyId: 'msf', serviceId: service.id, channel: 'online', audience: 'citizen' as const, startedAt: now, ...factDefaults(service.definition) },
      { submittedAt: now }, { decidedAt: now, decision: 'approved' as const }, { outputIssuedDigitally: true },
    ]) {
      const s0 = performance.now();
      await p.ctx.db.transaction().execute((trx) => recordTransactionFact(trx, id, patch));
      writes.push(performance.now() - s0);
    }
  }
  say(`Keeping rollups up to date: recordTransactionFact() in its own transaction (fact read, fact write, rollup upserts, commit) on the ${N.toLocaleString('en')}-row database: median ${ms(median(writes))}, p99 ${ms([...writes].sort((a, b) => a - b)[Math.floor(writes.length * 0.99)]!)} over ${writes.length} calls.`);
  say(`Verdict: ${results['whole of government']! < 500 ? 'under' : 'OVER'} the 500 ms budget for the whole-of-government scorecard.`);
} finally {
  await p.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
