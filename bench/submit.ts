/**
 * Benchmark: submitting an application (POST /applications/:id/submit), with
 * the ceilings it is compared against measured in the same run, on the same
 * server and database:
 *
 *   - trivial route:  GET /healthz on the same server, same connection count;
 *   - raw write:      the rows one submission writes (applications update,
 *                     application_events, audit_log, notifications, inbox_messages, jobs),
 *                     written with Kysely in one transaction per submission,
 *                     as many transactions, as many at once, no HTTP, no
 *                     validation, no encryption or hashing (values precomputed);
 *   - use case:       submitApplication() called directly (no HTTP), to show
 *                     how the gap splits between HTTP and the use case.
 *
 * The four are interleaved in rounds (trivial, submit, use case, raw write,
 * then again), so that a change in the machine's other load during the run
 * touches all of them alike; each ratio is the median of the rounds' ratios.
 *
 *   npx tsx bench/submit.ts                                                       # SQLite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/submit.ts  # PostgreSQL
 *
 * On PostgreSQL a new database is created beside the one named and dropped at
 * the end. Results are printed and written to docs/benchmarks.md (the section
 * of the database used). The SQLite file goes under .tmp/ (or BENCH_DATA_DIR).
 * Settings: BENCH_SUBMISSIONS (2000), BENCH_CONNECTIONS
 * (10), BENCH_ROUNDS (4), BENCH_WARMUP (100), BENCH_TRIVIAL_SECONDS (8, over all
 * rounds), BENCH_WRITE_DOCS (1; 0 prints only), BENCH_CPU_PROFILE (a path prefix:
 * CPU profiles of the server during the submit requests; such a run is not recorded).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { createPlatform, ROOT_DIR, type Platform } from '../src/main.ts';
import { loadConfig } from '../src/platform/config/index.ts';
import { createLogger } from '../src/platform/log/index.ts';
import { toJson, type Db } from '../src/platform/db/index.ts';
import { verifyAudit } from '../src/platform/audit/index.ts';
import type { Principal } from '../src/platform/http/index.ts';
import { localize } from '../src/platform/i18n/index.ts';
import { findAccount } from '../src/modules/identity/index.ts';
import { findApplication, startApplication, submitApplication, updateDraft, newReference, formatReference } from '../src/modules/applications/index.ts';
import { todayInSingapore, validateAnswers, type Answers } from '../src/modules/forms/index.ts';
import { startLoadGenerator, type LoadResult } from './lib/load-generator.ts';
import { median, perSecond, pool, split, summarize, timedPool, type Series, type Summary } from './lib/stats.ts';

const SERVICE = 'baby-bonus';
const PERSONA = 'tan-ah-kow';

function intSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}="${raw}" must be a whole number of at least 1`);
  return n;
}

const SUBMISSIONS = intSetting('BENCH_SUBMISSIONS', 2000);
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 10);
const ROUNDS = intSetting('BENCH_ROUNDS', 4);
const WARMUP = intSetting('BENCH_WARMUP', 100);
const TRIVIAL_SECONDS = intSetting('BENCH_TRIVIAL_SECONDS', 8);
/** a path prefix: write a V8 CPU profile of this process (the server) during each round's HTTP submit requests */
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE || undefined;
// a profiled run is slower: its numbers are not for the record
const WRITE_DOCS = process.env.BENCH_WRITE_DOCS !== '0' && !CPU_PROFILE;

const answersFor = (i: number): Answers => ({
  fullName: 'Tan Ah Kow', nric: 'S1234567D', relationship: 'father',
  children: [{ childName: `Tan Xiao Ming ${i}`, childBirthDate: '2026-10-03', birthCertificate: 'T2612345A' }],
  spouseName: 'Lee Mei Hua', spouseNric: 'S7654321F', marriageDate: '2020-06-01',
  paymentMethod: 'paynow', mobile: '+6591234567',
  address: { block: '123', street: 'Ang Mo Kio Ave 3', postalCode: '560123' },
});

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ---- database ---------------------------------------------------------------

/** SQLite: a temporary data directory. PostgreSQL: a new database beside DATABASE_URL's, dropped afterwards. */
async function freshDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  // on the project's disk, as ./data would be: /tmp is often a tmpfs, where a commit's fsync costs nothing
  const parent = path.resolve(process.env.BENCH_DATA_DIR || path.join(ROOT_DIR, '.tmp'));
  fs.mkdirSync(parent, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(parent, 'bench-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const admin = process.env.DATABASE_URL;
  if (!admin?.startsWith('postgres')) {
    return { env: { CIVITAS_DATA_DIR: dataDir }, drop: async () => removeDir() };
  }
  const name = `civitas_bench_${randomBytes(5).toString('hex')}`;
  const withAdmin = async (q: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try { await c.query(q); } finally { await c.end(); }
  };
  await withAdmin(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    env: { CIVITAS_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    async drop() {
      // pg-pool's end() resolves before its connections have closed; a forced drop would then
      // terminate them, and the pool (which has no 'error' listener) would crash the process.
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        for (let i = 0; i < 50; i++) {
          const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
      removeDir();
    },
  };
}

/** The file system a path lives on, from /proc/mounts (Linux), e.g. "ext4 on /dev/vda". */
function filesystemOf(dir: string): string {
  try {
    let best = { mount: '', text: 'unknown file system' };
    for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [device, mount, type] = line.split(' ');
      if (!device || !mount || !type) continue;
      if ((dir === mount || dir.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length >= best.mount.length) best = { mount, text: `${type} on ${device}` };
    }
    return best.text;
  } catch {
    return 'unknown file system';
  }
}

async function chunked<T>(items: T[], size: number, fn: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

async function countWhereIdIn(db: Db, table: string, column: string, ids: string[], extra?: (qb: any) => any): Promise<number> {
  let total = 0;
  await chunked(ids, 500, async (chunk) => {
    let q = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(column, 'in', chunk);
    if (extra) q = extra(q);
    total += Number(((await q.executeTakeFirst()) as { n: unknown }).n);
  });
  return total;
}

// ---- HTTP sign-in ------------------------------------------------------------

function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0]!;
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

const csrfOf = (html: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
};

/** Sign the persona in as a browser would; return the session cookie and a CSRF token bound to it. */
async function signIn(base: string): Promise<{ cookie: string; csrf: string }> {
  const signInPage = await fetch(`${base}/sign-in`);
  const anon = cookiesOf(signInPage).get('civitas_anon');
  if (!anon) throw new Error('GET /sign-in set no civitas_anon cookie');
  const res = await fetch(`${base}/demo/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: `civitas_anon=${anon}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(await signInPage.text()), persona: PERSONA }).toString(),
  });
  const session = cookiesOf(res).get('civitas_session');
  if (res.status !== 303 || !session) throw new Error(`demo sign-in answered ${res.status} without a session`);
  const cookie = `civitas_session=${session}`;
  const apply = await fetch(`${base}/services/${SERVICE}/apply`, { headers: { cookie } });
  if (apply.status !== 200) throw new Error(`GET /services/${SERVICE}/apply answered ${apply.status}`);
  return { cookie, csrf: csrfOf(await apply.text()) };
}

async function personaPrincipal(p: Platform): Promise<Principal> {
  const row = await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', PERSONA).executeTakeFirstOrThrow() as { id: string };
  const account = (await findAccount(p.ctx.db, row.id))!;
  const dec = (v: string | null) => (v ? p.ctx.keys.decrypt(v, `account:${account.id}`) : null);
  return {
    id: account.id, kind: account.kind as Principal['kind'], displayName: dec(account.display_name_enc) ?? '', email: dec(account.email_enc),
    roles: JSON.parse(account.roles), agencyId: account.agency_id, actingFor: null, sessionId: 'bench',
  };
}

// ---- preparation -------------------------------------------------------------

/** Complete drafts made with the module's own use cases, as the journey makes them. */
async function prepareDrafts(p: Platform, applicant: Principal, count: number): Promise<string[]> {
  return pool(Array.from({ length: count }, (_, i) => i), CONNECTIONS, async (i) => {
    const { id } = await startApplication(p.ctx, p.catalogue, { serviceId: SERVICE, applicant, lang: 'en' });
    const draft = (await findApplication(p.ctx.db, p.ctx.keys, id))!;
    await updateDraft(p.ctx, draft, () => answersFor(i));
    return id;
  });
}

interface RawRow {
  id: string; reference: string; answersEnc: string; now: string;
  event: Record<string, unknown>; audit: Record<string, unknown>; email: Record<string, unknown>; inbox: Record<string, unknown>; job: Record<string, unknown>;
}

/**
 * Drafts for the raw-write ceiling, inserted in bulk (their creation is not
 * measured), and every value the raw write will store, computed in advance.
 */
async function prepareRawRows(p: Platform, applicant: Principal, count: number): Promise<RawRow[]> {
  const { db, keys, messages } = p.ctx;
  const service = p.catalogue.get(SERVICE)!;
  const hex = () => randomBytes(32).toString('hex');
  const created = new Date().toISOString();
  const rows: RawRow[] = Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const reference = `Z${newReference().slice(1)}`; // Z is outside the reference alphabet: never equal to one the submit path draws
    const now = new Date().toISOString();
    const emailId = randomUUID();
    const inboxId = randomUUID();
    const params = { service: localize(service.definition.title, 'en'), reference: formatReference(reference), link: `${p.ctx.config.baseUrl}/applications/${id}`, site: messages.t('en', 'site.name') };
    return {
      id, reference, now,
      answersEnc: keys.encrypt(toJson(answersFor(i)), `application:${id}`),
      event: { application_id: id, seq: 2, type: 'submitted', from_status: 'draft', to_status: 'submitted', actor_type: 'citizen', actor_id: applicant.id, data: toJson({ reference, channel: 'online' }), at: now },
      audit: {
        stream: `application:${id}`, stream_seq: 2, at: now, action: 'application.submitted', actor_type: 'citizen', actor_id: applicant.id, on_behalf_of: null,
        agency_id: service.definition.agency, subject_type: 'application', subject_id: id, request_id: randomUUID(),
        data: toJson({ reference, service: SERVICE, version: service.version }), prev_hash: hex(), hash: hex(),
      },
      email: {
        id: emailId, channel: 'email', kind: 'application.submitted', event: 'submitted', template_id: `${SERVICE}.submitted`, application_id: id, account_id: applicant.id, agency_id: service.definition.agency,
        recipient_enc: keys.encrypt(applicant.email ?? 'someone@example.com', `email:${emailId}`), recipient_hash: keys.blindIndex('notification-email', applicant.email ?? 'someone@example.com'),
        subject_enc: keys.encrypt(messages.t('en', 'applications.email.submitted.subject', params), `email:${emailId}`),
        body_enc: keys.encrypt(messages.t('en', 'applications.email.submitted.body', params), `email:${emailId}`),
        lang: 'en', status: 'created', attempts: 0, created_at: now, updated_at: now,
      },
      inbox: {
        id: inboxId, account_id: applicant.id, event: 'submitted', application_id: id, lang: 'en', created_at: now,
        subject_enc: keys.encrypt(messages.t('en', 'applications.email.submitted.subject', params), `inbox:${inboxId}`),
        body_enc: keys.encrypt(messages.t('en', 'applications.email.submitted.body', params), `inbox:${inboxId}`),
      },
      job: { id: randomUUID(), queue: 'notifications.send', payload: toJson({ id: emailId }), state: 'pending', attempts: 0, max_attempts: 12, run_at: now, dedupe_key: `notifications.send:${emailId}`, created_at: now, updated_at: now },
    };
  });
  await chunked(rows, 100, async (chunk) => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('applications').values(chunk.map((r, i) => ({
        id: r.id, reference: null, service_id: SERVICE, service_version: service.version, agency_id: service.definition.agency, applicant_id: applicant.id,
        acting_for_uen: null, channel: 'online', status: 'draft', answers_enc: keys.encrypt(toJson(answersFor(i)), `application:${r.id}`),
        lang: 'en', rev: 1, created_at: created, updated_at: created, submitted_at: null,
      }))).execute();
      await trx.insertInto('application_events').values(chunk.map((r) => ({
        application_id: r.id, seq: 1, type: 'started', from_status: null, to_status: 'draft', actor_type: 'citizen', actor_id: applicant.id, data: toJson({ version: service.version }), at: created,
      }))).execute();
    });
  });
  return rows;
}

/** One submission's rows, nothing else: what the submit path cannot do with less. */
async function rawWrite(db: Db, r: RawRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('applications').set({ status: 'submitted', reference: r.reference, answers_enc: r.answersEnc, submitted_at: r.now, rev: 2, updated_at: r.now })
      .where('id', '=', r.id).where('rev', '=', 1).execute();
    await trx.insertInto('application_events').values(r.event).execute();
    await trx.insertInto('audit_log').values(r.audit).execute();
    await trx.insertInto('notifications').values(r.email).execute();
    await trx.insertInto('inbox_messages').values(r.inbox).execute();
    await trx.insertInto('jobs').values(r.job).execute();
  });
}

// ---- checks ------------------------------------------------------------------

interface Checks { lines: string[]; ok: boolean }

async function checkSubmitted(db: Db, label: string, ids: string[], expected: number, checks: Checks): Promise<void> {
  const submitted = await countWhereIdIn(db, 'applications', 'id', ids, (q) => q.where('status', '=', 'submitted'));
  let refs = 0;
  await chunked(ids, 500, async (chunk) => {
    const r = await db.selectFrom('applications').select(sql<number>`count(distinct reference)`.as('n')).where('id', 'in', chunk).where('status', '=', 'submitted').executeTakeFirst() as { n: unknown };
    refs += Number(r.n);
  });
  const events = await countWhereIdIn(db, 'application_events', 'application_id', ids, (q) => q.where('type', '=', 'submitted'));
  const audits = await countWhereIdIn(db, 'audit_log', 'subject_id', ids, (q) => q.where('action', '=', 'application.submitted'));
  const ok = submitted === expected && refs === expected && events === expected && audits === expected;
  checks.ok &&= ok;
  checks.lines.push(`${label}: ${expected} expected; ${submitted} applications 'submitted' with ${refs} distinct references, ${events} 'submitted' events, ${audits} audit entries${ok ? '' : '  <-- MISMATCH'}`);
}

// ---- report ------------------------------------------------------------------

interface Row { name: string; what: string; s: Summary }

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');
const ms = (n: number) => fmt(n, n < 10 ? 2 : 1);

/**
 * A ratio of throughputs, round by round (each round measures both under the same
 * conditions): the median of the rounds, then their range.
 */
function ratioCell(label: string, a: Series[], b: Series[]): string {
  const perRound = a.map((x, i) => perSecond(x) / perSecond(b[i]!));
  return `${label} = **${median(perRound).toFixed(3)}** (rounds ${Math.min(...perRound).toFixed(3)}-${Math.max(...perRound).toFixed(3)})`;
}

function table(rows: (Row & { ratio: string })[]): string {
  return [
    '| measurement | what is timed | done | per second | p50 ms | p99 ms | ratio |',
    '|---|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.what} | ${fmt(r.s.count)} | ${fmt(r.s.perSecond)} | ${ms(r.s.p50Ms)} | ${ms(r.s.p99Ms)} | ${r.ratio} |`),
  ].join('\n');
}

function command(cmd: string): string {
  try { return execSync(cmd, { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return 'unknown'; }
}

const DOCS = path.join(ROOT_DIR, 'docs', 'benchmarks.md');
const marker = (dialect: string, end: boolean) => `<!-- bench/submit.ts ${dialect} ${end ? 'end' : 'start'} -->`;

/** Replace this database's section of docs/benchmarks.md (between its markers); leave the rest as written. */
function writeDocs(dialect: string, section: string): void {
  const start = marker(dialect, false);
  const end = marker(dialect, true);
  const block = `${start}\n${section}\n${end}`;
  let text = fs.existsSync(DOCS) ? fs.readFileSync(DOCS, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(DOCS, text);
}

/** Run fn, taking a CPU profile of this process meanwhile when BENCH_CPU_PROFILE is set. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!CPU_PROFILE) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const file = `${CPU_PROFILE}.${name}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile of the server during the submit requests: ${file}`);
  }
}

// ---- main --------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadBefore = os.loadavg()[0]!;
  const database = await freshDatabase();
  const config = loadConfig({ ...database.env, CIVITAS_DEMO: '1', LOG_LEVEL: 'silent', PORT: '0', CIVITAS_WORKER: '0' });
  const platform = await createPlatform(config, { log: createLogger('silent') }).catch(async (err: unknown) => {
    await database.drop();
    throw err;
  });
  const load = startLoadGenerator();
  const checks: Checks = { lines: [], ok: true };
  try {
    const dialect = platform.ctx.dialect;
    const db = platform.ctx.db;
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('server has no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    log(`Civitas submit benchmark on ${dialect}: ${SUBMISSIONS} submissions in ${ROUNDS} rounds, ${CONNECTIONS} connections, server at ${base}`);

    // -- prepare
    const applicant = await personaPrincipal(platform);
    const { cookie, csrf } = await signIn(base);
    const service = platform.catalogue.get(SERVICE)!;
    let t = performance.now();
    // Preparing drafts is not measured: on SQLite, skip the fsync of each of their commits (restored below).
    if (dialect === 'sqlite') await sql`pragma synchronous = NORMAL`.execute(db);
    const httpWarmIds = await prepareDrafts(platform, applicant, WARMUP);
    const directWarmIds = await prepareDrafts(platform, applicant, WARMUP);
    const httpIds = await prepareDrafts(platform, applicant, SUBMISSIONS);
    const directIds = await prepareDrafts(platform, applicant, SUBMISSIONS);
    log(`prepared ${2 * WARMUP + 2 * SUBMISSIONS} drafts with startApplication + updateDraft in ${seconds(t)}`);
    t = performance.now();
    const rawRows = await prepareRawRows(platform, applicant, SUBMISSIONS + WARMUP);
    log(`prepared ${rawRows.length} drafts for the raw write (bulk insert) in ${seconds(t)}`);
    if (dialect === 'sqlite') {
      await sql`pragma synchronous = FULL`.execute(db);
      const mode = Object.values((await sql`pragma synchronous`.execute(db)).rows[0] as Record<string, unknown>)[0];
      if (Number(mode) !== 2) throw new Error(`SQLite synchronous is ${String(mode)}, not FULL (2), after preparing`);
    }
    const sample = (await findApplication(db, platform.ctx.keys, httpIds[0]!))!;
    const sampleCheck = validateAnswers(service.definition.form, sample.answers, { today: todayInSingapore() });
    if (sampleCheck.errors.length || sampleCheck.countErrors.length) throw new Error(`prepared answers do not validate: ${JSON.stringify([...sampleCheck.errors, ...sampleCheck.countErrors])}`);
    if (await countWhereIdIn(db, 'applications', 'reference', rawRows.map((r) => r.reference)) > 0) throw new Error('raw-write references collide');

    const trivialJob = (secondsEach: number) => ({ url: base, path: '/healthz', method: 'GET' as const, connections: CONNECTIONS, seconds: secondsEach });
    const submitJob = (ids: string[]) => ({
      url: base, method: 'POST' as const, connections: CONNECTIONS,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ _csrf: csrf, declaration: 'yes' }).toString(),
      paths: ids.map((id) => `/applications/${id}/submit`),
    });
    let directFailures = 0;
    const submitDirect = (ids: string[]) => timedPool(ids, CONNECTIONS, async (id) => {
      const r = await submitApplication(platform.ctx, service, { applicationId: id, by: applicant, requestId: randomUUID() });
      if (!r.ok || r.already) directFailures++;
    });
    const writeRaw = (rows: RawRow[]) => timedPool(rows, CONNECTIONS, (r) => rawWrite(db, r));

    // -- warm-up (not measured): JIT, statement caches, connection pools
    t = performance.now();
    await load.run(trivialJob(2));
    const httpWarm = await load.run(submitJob(httpWarmIds));
    await submitDirect(directWarmIds);
    await writeRaw(rawRows.slice(SUBMISSIONS));
    log(`warmed up in ${seconds(t)}`);

    // -- measured rounds
    const trivial: LoadResult[] = [];
    const submit: LoadResult[] = [];
    const direct: Series[] = [];
    const raw: Series[] = [];
    const httpParts = split(httpIds, ROUNDS);
    const directParts = split(directIds, ROUNDS);
    const rawParts = split(rawRows.slice(0, SUBMISSIONS), ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      trivial.push(await load.run(trivialJob(TRIVIAL_SECONDS / ROUNDS)));
      submit.push(await profiled(`round-${r + 1}`, () => load.run(submitJob(httpParts[r]!))));
      direct.push(await submitDirect(directParts[r]!));
      raw.push(await writeRaw(rawParts[r]!));
      log(`round ${r + 1}/${ROUNDS}: GET /healthz ${fmt(perSecond(trivial[r]!))}/s, submit ${fmt(perSecond(submit[r]!))}/s, use case ${fmt(perSecond(direct[r]!))}/s, raw write ${fmt(perSecond(raw[r]!))}/s`);
    }

    // -- checks
    const statuses = (rs: LoadResult[]) => rs.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.statuses)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {});
    const submitStatuses = statuses(submit);
    const ok303 = submitStatuses['303'] ?? 0;
    const otherStatuses = Object.entries(submitStatuses).filter(([k]) => k !== '303').map(([k, v]) => `${v} x ${k}`).join(', ') || 'none';
    const sum = (rs: LoadResult[], f: (r: LoadResult) => number) => rs.reduce((a, r) => a + f(r), 0);
    checks.lines.push(`HTTP submit: ${ok303} answers 303 (counted as successes), other answers: ${otherStatuses}, connection errors ${sum(submit, (r) => r.errors)}, timeouts ${sum(submit, (r) => r.timeouts)}, requests beyond the drafts ${sum(submit, (r) => r.overflow)}`);
    checks.ok &&= ok303 === SUBMISSIONS && sum(submit, (r) => r.overflow) === 0;
    await checkSubmitted(db, 'HTTP submit', httpIds, ok303, checks);
    await checkSubmitted(db, 'HTTP warm-up', httpWarmIds, httpWarm.statuses['303'] ?? 0, checks);
    await checkSubmitted(db, 'use case (measured and warm-up)', [...directWarmIds, ...directIds], directWarmIds.length + directIds.length - directFailures, checks);
    checks.ok &&= directFailures === 0;
    const trivialStatuses = statuses(trivial);
    const trivialCount = sum(trivial, (r) => r.latenciesMs.length);
    checks.ok &&= (trivialStatuses['200'] ?? 0) === trivialCount;
    checks.lines.push(`GET /healthz: ${trivialStatuses['200'] ?? 0} of ${trivialCount} answered 200`);
    const rawDone = await countWhereIdIn(db, 'applications', 'id', rawRows.map((r) => r.id), (q) => q.where('status', '=', 'submitted'));
    checks.ok &&= rawDone === rawRows.length;
    checks.lines.push(`raw write: ${rawDone} of ${rawRows.length} drafts updated (warm-up included)`);
    const rawStreams = new Set(rawRows.map((r) => `application:${r.id}`));
    const audit = await verifyAudit(db);
    const problems = audit.problems.filter((x) => !rawStreams.has(x.stream)); // the raw write stores made-up hashes
    checks.ok &&= problems.length === 0;
    checks.lines.push(`audit hash chains re-verified: ${audit.checked} entries, ${problems.length} problems outside the raw-write rows${problems.length ? ` e.g. ${JSON.stringify(problems.slice(0, 3))}` : ''}`);

    // -- report
    const rows = [
      { name: '**submit** `POST /applications/:id/submit`', what: 'HTTP request to its 303 answer; each request a different draft', s: summarize(submit), ratio: '' },
      { name: 'ceiling: trivial route `GET /healthz`', what: `HTTP request to its 200 answer, ${TRIVIAL_SECONDS} s in all`, s: summarize(trivial), ratio: ratioCell('submit / trivial', submit, trivial) },
      { name: 'ceiling: raw write of the same rows', what: 'one transaction: update applications; insert application_events, audit_log, notifications, inbox_messages, jobs', s: summarize(raw), ratio: ratioCell('submit / raw write', submit, raw) },
      { name: 'use case `submitApplication()` without HTTP', what: 'the whole use case, one transaction', s: summarize(direct), ratio: `${ratioCell('use case / raw write', direct, raw)}; ${ratioCell('submit / use case', submit, direct)}` },
    ];
    const one = async (q: ReturnType<typeof sql>) => Object.values((await q.execute(db)).rows[0] as Record<string, unknown>)[0];
    const dbFacts = dialect === 'postgres'
      ? `PostgreSQL ${String(await one(sql`show server_version`))} on the same machine (synchronous_commit=${String(await one(sql`show synchronous_commit`))}, shared_buffers=${String(await one(sql`show shared_buffers`))}); Civitas's pool: 10 connections`
      : `SQLite ${String(await one(sql`select sqlite_version()`))} through better-sqlite3 (WAL, synchronous=FULL), file on ${filesystemOf(config.dataDir)}`;
    const facts = [
      `- run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${command('git rev-parse --short HEAD')}\`, ${seconds(t0)} in all`,
      `- machine: \`nproc\` = ${command('nproc')} (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}; Node.js ${process.version}`,
      `- other work on the machine: 1-minute load average ${loadBefore.toFixed(2)} when the run started, ${os.loadavg()[0]!.toFixed(2)} when it ended (this run's own processes included)`,
      `- database: ${dbFacts}`,
      `- load: autocannon in its own process, ${CONNECTIONS} connections, no pipelining; the use case and the raw write run ${CONNECTIONS} at a time in the server's process; ${SUBMISSIONS} measured submissions of each kind in ${ROUNDS} interleaved rounds, after ${WARMUP} warm-up ones; every draft belongs to one signed-in demo persona; background worker off (confirmation emails stay queued)`,
    ].join('\n');
    const section = [
      `### ${dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
      '',
      facts,
      '',
      table(rows),
      '',
      `Checks (${checks.ok ? 'all passed' : 'FAILED'}):`,
      '',
      ...checks.lines.map((l) => `- ${l}`),
    ].join('\n');

    log('');
    log(section);
    log('');
    if (WRITE_DOCS) {
      writeDocs(dialect, section);
      log(`written to ${path.relative(process.cwd(), DOCS)}`);
    }
    if (!checks.ok) process.exitCode = 1;
  } finally {
    load.close();
    await platform.close();
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
