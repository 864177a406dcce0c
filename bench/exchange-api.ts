/**
 * The exchange API under load: an approved request (AVS asks ICA for people's
 * names, MSF's case statistics) provisions keys through the real use cases;
 * then autocannon measures a person call and a dataset call against a
 * ceiling measured in the same run: GET /api/v1/whoami with an API key (the
 * key look-up and its audit entry, no data). A person call also looks up the
 * approval, reads the person by keyed hash, writes the person's
 * "Who used my data" entry and the message-log entry (two more hash-chain
 * appends) in one transaction. Reports server CPU time per request, latency
 * percentiles, requests per second and the ratios to the ceiling, then checks
 * that every chain is intact.
 *
 *   node --import tsx bench/exchange-api.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/exchange-api.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { freshDatabaseUrl } from '../test/helpers/platform.ts';
import { loadConfig } from '../src/platform/config/index.ts';
import { createLogger } from '../src/platform/log/index.ts';
import { createPlatform } from '../src/main.ts';
import { verifyAudit } from '../src/platform/audit/index.ts';
import { createApiKey, DEMO_PERSONAS } from '../src/modules/identity/index.ts';
import { decideRequest, revealCredential, submitRequest } from '../src/modules/exchange/index.ts';
import type { Principal } from '../src/platform/http/index.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const CPU_SAMPLES = 200;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-bench-'));
const database = await freshDatabaseUrl();
const config = loadConfig({ CIVITAS_DATA_DIR: dataDir, CIVITAS_DEMO: '1', LOG_LEVEL: 'silent', PORT: '0', CIVITAS_WORKER: '0', ...(database.url ? { DATABASE_URL: database.url } : {}) });
const p = await createPlatform(config, { log: createLogger('silent') });
const say = (s: string) => process.stdout.write(`${s}\n`);

async function principal(persona: string): Promise<Principal> {
  const a: any = await p.ctx.db.selectFrom('accounts').selectAll().where('demo_persona', '=', persona).executeTakeFirstOrThrow();
  return { id: a.id, kind: a.kind, displayName: persona, email: null, roles: JSON.parse(a.roles), agencyId: a.agency_id, actingFor: null, sessionId: 'bench', authMethods: ['pwd', 'otp'] };
}

async function approvedKey(items: string[], owner: string): Promise<string> {
  const priya = await principal('priya-nair');
  const { id } = await submitRequest(p.exchange, priya, { items, project: 'Benchmark', purpose: 'Measure the exchange', legalBasis: 'n/a', retention: 'n/a', users: 'autocannon' });
  const end = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
  await decideRequest(p.exchange, await principal(owner), { requestId: id, decision: 'approve', items, expiresOn: end, deidentify: false });
  const c = await revealCredential(p.exchange, priya, id);
  if (c.kind !== 'api_key') throw new Error('expected an API key');
  return c.key;
}

try {
  say(`# Exchange API (${p.ctx.dialect}, Node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''})`);
  const plain = (await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'ceiling', scopes: ['exchange:read'] })).key;
  const personKey = await approvedKey(['people.accounts:name'], 'kelvin-tay');
  const datasetKey = await approvedKey(['case-statistics.msf:service', 'case-statistics.msf:cases'], 'ahmad-faizal');
  const nric = DEMO_PERSONAS.find((x) => x.id === 'tan-ah-kow')!.nric!;
  await p.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
  const scenarios: [string, string, Record<string, string>][] = [
    ['ceiling: GET /api/v1/whoami (API key, audit entry, no data)', '/api/v1/whoami', { authorization: `Bearer ${plain}` }],
    ['person: one person\'s name (approval check, read by keyed hash, person log + message log)', '/api/v1/exchange/sources/people.accounts/person', { authorization: `Bearer ${personKey}`, 'civitas-subject': nric, 'civitas-purpose-reference': 'BENCH-1' }],
    ['dataset: MSF case statistics by service', '/api/v1/exchange/sources/case-statistics.msf/records', { authorization: `Bearer ${datasetKey}`, 'civitas-purpose-reference': 'BENCH-2' }],
    ['refused: an item outside the approval (logged)', '/api/v1/exchange/sources/people.accounts/person?items=email', { authorization: `Bearer ${personKey}`, 'civitas-subject': nric, 'civitas-purpose-reference': 'BENCH-3' }],
  ];
  const results: { name: string; cpu: number; p50: number; p97_5: number; p99: number; rps: number; errors: number }[] = [];
  for (const [name, url, headers] of scenarios) {
    const expected = name.startsWith('refused') ? 403 : 200;
    const check = await fetch(`${base}${url}`, { headers });
    if (check.status !== expected) throw new Error(`${url} answered ${check.status}: ${await check.text()}`);
    await check.text();
    const inject = () => p.app.inject({ method: 'GET', url, headers });
    for (let i = 0; i < 20; i++) await inject();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CPU_SAMPLES; i++) await inject();
    const c1 = process.cpuUsage(c0);
    const cpu = (c1.user + c1.system) / 1000 / CPU_SAMPLES;
    await autocannon({ url: `${base}${url}`, connections: CONNECTIONS, duration: 2, headers });
    const r = await autocannon({ url: `${base}${url}`, connections: CONNECTIONS, duration: DURATION, headers });
    const wrong = expected === 200 ? r.non2xx : r.requests.total - (r['4xx'] ?? 0);
    results.push({ name, cpu, p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, rps: r.requests.average, errors: r.errors + wrong });
    process.stderr.write(`  ${name}: p50 ${r.latency.p50} ms, ${Math.round(r.requests.average)} req/s\n`);
  }
  const ceiling = results[0]!;
  say('');
  say(`CPU: server CPU time per request, ${CPU_SAMPLES} requests one at a time (in-process). Latency: ${CONNECTIONS} connections, ${DURATION} s per scenario after a 2 s warm-up, in ms. Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}.`);
  say('');
  say('| scenario | CPU ms/request | CPU / ceiling | p50 | p97.5 | p99 | req/s | req/s / ceiling | errors |');
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) say(`| ${r.name} | ${r.cpu.toFixed(2)} | ${(r.cpu / ceiling.cpu).toFixed(1)}x | ${r.p50} | ${r.p97_5} | ${r.p99} | ${Math.round(r.rps)} | ${(r.rps / ceiling.rps).toFixed(2)} | ${r.errors} |`);
  const t0 = Date.now();
  const { checked, problems } = await verifyAudit(p.ctx.db);
  say('');
  say(`Audit and message log: ${checked.toLocaleString('en')} entries verified in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${problems.length} problems.`);
} finally {
  await p.close();
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
