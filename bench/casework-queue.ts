/**
 * Casework queues with 100,000 open cases: seeds one agency with that many
 * open cases (straight into the tables, like bench/seed-cases.ts), starts the
 * real server, signs in as an officer and measures the workbench pages with
 * autocannon against two ceilings measured in the same run: GET /healthz
 * (one database round trip, no page) and GET /account (a signed-in page with
 * no query of its own). Reports the server's CPU time per request, latency
 * percentiles, requests per second and the ratios to the signed-in ceiling,
 * and the query plans the queues use.
 *
 *   node --import tsx bench/casework-queue.ts                 # SQLite in a temporary directory
 *   BENCH_CASES=20000 node --import tsx bench/casework-queue.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/casework-queue.ts   # a fresh database on that server
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { freshDatabaseUrl } from '../test/helpers/platform.ts';
import { loadConfig } from '../src/platform/config/index.ts';
import { createLogger } from '../src/platform/log/index.ts';
import { createPlatform } from '../src/main.ts';
import { encodeCursor } from '../src/modules/casework/queue.ts';
import { seedCases } from './seed-cases.ts';

const COUNT = Number(process.env.BENCH_CASES ?? 100_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const CPU_SAMPLES = 100;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-bench-'));
const database = await freshDatabaseUrl();
const config = loadConfig({ CIVITAS_DATA_DIR: dataDir, CIVITAS_DEMO: '1', LOG_LEVEL: 'silent', PORT: '0', CIVITAS_WORKER: '0', ...(database.url ? { DATABASE_URL: database.url } : {}) });
const p = await createPlatform(config, { log: createLogger('silent') });
const say = (s: string) => process.stdout.write(`${s}\n`);

try {
  say(`# Casework queues with ${COUNT.toLocaleString('en')} open cases (${p.ctx.dialect}, Node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''})`);
  const seedStart = Date.now();
  const seeded = await seedCases(p, { count: COUNT, progress: (n) => { if (n % 20_000 === 0) process.stderr.write(`  seeded ${n}\n`); } });
  const seedMs = Date.now() - seedStart;
  if (p.ctx.dialect === 'postgres') await sql`analyze`.execute(p.ctx.db);
  else await sql`analyze`.execute(p.ctx.db);
  say(`Seeded ${COUNT.toLocaleString('en')} cases (applications, 2 history entries each, search terms) in ${(seedMs / 1000).toFixed(1)} s.`);

  await p.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;

  // sign in as an MSF case officer (demo persona), as a browser would
  const first = await fetch(`${base}/sign-in`);
  const anon = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
  const signIn = await fetch(`${base}/demo/sign-in`, { method: 'POST', redirect: 'manual', headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, persona: 'wong-li-hua' }) });
  const session = signIn.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('civitas_session='))!;

  // a cursor deep into the open queue (the 50,000th case by due date)
  const deep: any = await p.ctx.db.selectFrom('cases').select(['due_date', 'application_id']).where('queue_agency_id', '=', 'msf').where('state', '=', 'queued')
    .orderBy('due_date').orderBy('application_id').offset(Math.floor(COUNT / 2)).limit(1).executeTakeFirst();
  const sample = seeded.sample[3]!;
  const surname = sample.name.split(' ')[0]!;
  const scenarios: [string, string, boolean][] = [
    ['ceiling: GET /healthz (one database round trip)', '/healthz', false],
    ['ceiling: GET /account (signed-in page, no query of its own)', '/account', true],
    ['queue: open cases, by deadline (first page + counts)', '/casework', true],
    ['queue: assigned to me', '/casework?view=mine', true],
    ['queue: service + step + overdue', '/casework?service=baby-bonus&step=assessment&deadline=overdue', true],
    ['queue: newest first', '/casework?sort=newest', true],
    [`queue: page ${Math.floor(COUNT / 2 / 25).toLocaleString('en')} (keyset cursor)`, `/casework?after=${encodeCursor(deep.due_date, deep.application_id)}`, true],
    ['queue: escalated', '/casework?view=escalated', true],
    [`search: a surname ("${surname}", ${(await p.ctx.db.selectFrom('case_search_terms').select((eb) => eb.fn.countAll().as('n')).where('hash', '=', p.ctx.keys.blindIndex('case-name', surname.toLowerCase())).executeTakeFirst() as any).n} matches)`, `/casework?q=${encodeURIComponent(surname)}`, true],
    ['search: full name', `/casework?q=${encodeURIComponent(sample.name)}`, true],
    ['search: NRIC', `/casework?q=${sample.nric}`, true],
    ['search: reference', `/casework?q=${sample.reference}`, true],
    ['case page (answers, history, notes; writes a read to the audit log)', `/casework/cases/${sample.id}`, true],
  ];

  const results: { name: string; cpu: number; p50: number; p97_5: number; p99: number; mean: number; rps: number; errors: number }[] = [];
  for (const [name, url, signedIn] of scenarios) {
    const check = await fetch(`${base}${url}`, { headers: signedIn ? { cookie: session } : {} });
    if (check.status !== 200) throw new Error(`${url} answered ${check.status}`);
    await check.text();
    // CPU time per request, one request at a time through the whole request pipeline (less sensitive than latency to other load on the machine)
    const inject = () => p.app.inject({ method: 'GET', url, headers: signedIn ? { cookie: session } : {} });
    for (let i = 0; i < 10; i++) await inject();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CPU_SAMPLES; i++) await inject();
    const c1 = process.cpuUsage(c0);
    const cpu = (c1.user + c1.system) / 1000 / CPU_SAMPLES;
    await autocannon({ url: `${base}${url}`, connections: CONNECTIONS, duration: 2, headers: signedIn ? { cookie: session } : {} }); // warm up
    const r = await autocannon({ url: `${base}${url}`, connections: CONNECTIONS, duration: DURATION, headers: signedIn ? { cookie: session } : {} });
    results.push({ name, cpu, p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, mean: r.latency.average, rps: r.requests.average, errors: r.errors + r.non2xx });
    process.stderr.write(`  ${name}: p50 ${r.latency.p50} ms\n`);
  }
  const ceiling = results[1]!;
  say('');
  say(`CPU: server CPU time per request, ${CPU_SAMPLES} requests one at a time (in-process). Latency: ${CONNECTIONS} connections, ${DURATION} s per scenario after a 2 s warm-up, in ms. Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}.`);
  say('');
  say('| scenario | CPU ms/request | CPU / signed-in ceiling | p50 | p97.5 | p99 | req/s | p50 / signed-in ceiling | errors |');
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) say(`| ${r.name} | ${r.cpu.toFixed(1)} | ${(r.cpu / ceiling.cpu).toFixed(1)}x | ${r.p50} | ${r.p97_5} | ${r.p99} | ${Math.round(r.rps)} | ${(r.p50 / Math.max(ceiling.p50, 1)).toFixed(1)}x | ${r.errors} |`);

  // the plans behind the queue pages
  say('');
  say('Query plans:');
  const plan = async (label: string, q: ReturnType<typeof sql>) => {
    const text = p.ctx.dialect === 'postgres' ? sql`explain ${q}` : sql`explain query plan ${q}`;
    const rows = (await text.execute(p.ctx.db)).rows as any[];
    say(`- ${label}: ${rows.map((r) => r['QUERY PLAN'] ?? r.detail).join(' / ')}`);
  };
  await plan('open queue page', sql`select * from cases where queue_agency_id = 'msf' and state = 'queued' order by due_date, application_id limit 26`);
  await plan('page after a cursor', sql`select * from cases where queue_agency_id = 'msf' and state = 'queued' and (due_date, application_id) > (${deep.due_date}, ${deep.application_id}) order by due_date, application_id limit 26`);
  await plan('overdue count (capped)', sql`select count(*) from (select 1 from cases where queue_agency_id = 'msf' and state = 'queued' and due_date < '2026-01-01' limit 1001) c`);
  await plan('name search (two words)', sql`select c.* from case_search_terms as t0 inner join cases as c on c.application_id = t0.application_id where t0.hash = 'a' and exists (select 1 from case_search_terms as t1 where t1.hash = 'b' and t1.application_id = t0.application_id) and (c.agency_id = 'msf' or c.queue_agency_id = 'msf') order by t0.submitted_at desc, t0.application_id desc limit 50`);
} finally {
  await p.close();
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
