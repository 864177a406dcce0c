/**
 * Transaction facts and their rollups. Every module that changes something a
 * KPI counts calls recordTransactionFact() in the transaction of that change:
 * the fact row (one per application) is updated and the daily rollup counters
 * move by the difference between what the old and the new fact contribute.
 * Nothing ever scans the facts to compute the scorecard; rebuildRollups() is
 * the full scan, for operators (and the benchmark's comparison).
 */
import { dialectOf, nowIso, toBool, type Db } from '../../platform/db/index.ts';

export const COUNTERS = [
  'started', 'submitted', 'decided', 'approved',
  'completed', 'completed_e2e', 'completed_fee', 'completed_paid_online', 'completed_sign', 'completed_signed_digitally', 'completed_output', 'completed_output_digital',
  'rated', 'satisfied', 'rating_sum',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;
export const emptyCounters = (): Counters => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;

export type Channel = 'online' | 'api' | 'counter' | 'paper';
export type Audience = 'citizen' | 'business';
/** Applied digitally: online, or sent by an agency's own digital system through the API. */
export const DIGITAL_CHANNELS: readonly string[] = ['online', 'api'];

export interface Fact {
  applicationId: string;
  agencyId: string;
  serviceId: string;
  channel: string;
  audience: Audience;
  startedAt: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  decision: 'approved' | 'rejected' | null;
  signatureRequired: boolean;
  signedDigitally: boolean;
  feeExpected: boolean;
  /** cents charged (payments), null until known */
  feeCharged: number | null;
  paidOnline: boolean;
  outputExpected: boolean;
  outputIssuedDigitally: boolean;
  completedAt: string | null;
  rating: number | null;
  ratedAt: string | null;
}

/**
 * What changed. Every caller passes what it knows; the identity of the fact
 * (agency, service, channel, audience) is needed only to create the row.
 * `at` is when the change happened (default: now), used for completed_at.
 */
export type FactPatch = Partial<Omit<Fact, 'applicationId' | 'completedAt'>> & { at?: string };

/** Singapore time (UTC+8, no daylight saving): the day a timestamp falls on. */
export function dayOf(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Whether a fee applies: the amount charged once known, the definition until then. */
export const feeApplies = (f: Fact): boolean => (f.feeCharged !== null ? f.feeCharged > 0 : f.feeExpected);

/**
 * Completed digitally end to end: applied online (or by an agency system),
 * paid online if a fee applies, signed digitally if a signature is needed,
 * decided in the system, and the output (if any) issued digitally.
 */
export function endToEndDigital(f: Fact): boolean {
  return !!f.completedAt && DIGITAL_CHANNELS.includes(f.channel) && (!feeApplies(f) || f.paidOnline)
    && (!f.signatureRequired || f.signedDigitally) && !!f.decidedAt && (!needsOutput(f) || f.outputIssuedDigitally);
}
const needsOutput = (f: Fact) => f.decision === 'approved' && f.outputExpected;

/** A transaction is complete when its outcome has reached the applicant: the decision, and the document if an approval issues one. */
function completion(f: Fact, at: string): string | null {
  if (f.completedAt) return f.completedAt;
  if (!f.decidedAt) return null;
  if (needsOutput(f) && !f.outputIssuedDigitally) return null;
  return at < f.decidedAt ? f.decidedAt : at;
}

export type Contribution = Map<string, Partial<Counters>>;
const keyOf = (f: Fact, day: string) => [day, f.agencyId, f.serviceId, f.channel, f.audience].join('\u0001');

function add(c: Contribution, key: string, counter: Counter, n: number) {
  const row = c.get(key) ?? {};
  row[counter] = (row[counter] ?? 0) + n;
  c.set(key, row);
}

/** The counters one fact adds to the rollups, by rollup key (each event on the day it happened). */
export function contribution(f: Fact | null, sign = 1, into: Contribution = new Map()): Contribution {
  if (!f) return into;
  if (f.startedAt) add(into, keyOf(f, dayOf(f.startedAt)), 'started', sign);
  if (f.submittedAt) add(into, keyOf(f, dayOf(f.submittedAt)), 'submitted', sign);
  if (f.decidedAt) {
    const k = keyOf(f, dayOf(f.decidedAt));
    add(into, k, 'decided', sign);
    if (f.decision === 'approved') add(into, k, 'approved', sign);
  }
  if (f.completedAt) {
    const k = keyOf(f, dayOf(f.completedAt));
    add(into, k, 'completed', sign);
    if (endToEndDigital(f)) add(into, k, 'completed_e2e', sign);
    if (feeApplies(f)) add(into, k, 'completed_fee', sign);
    if (feeApplies(f) && f.paidOnline) add(into, k, 'completed_paid_online', sign);
    if (f.signatureRequired) add(into, k, 'completed_sign', sign);
    if (f.signatureRequired && f.signedDigitally) add(into, k, 'completed_signed_digitally', sign);
    if (needsOutput(f)) add(into, k, 'completed_output', sign);
    if (needsOutput(f) && f.outputIssuedDigitally) add(into, k, 'completed_output_digital', sign);
  }
  if (f.rating !== null && f.ratedAt) {
    const k = keyOf(f, dayOf(f.ratedAt));
    add(into, k, 'rated', sign);
    if (f.rating >= 5) add(into, k, 'satisfied', sign);
    add(into, k, 'rating_sum', sign * f.rating);
  }
  return into;
}

function toFact(r: any): Fact {
  return {
    applicationId: r.application_id, agencyId: r.agency_id, serviceId: r.service_id, channel: r.channel, audience: r.audience,
    startedAt: r.started_at ?? null, submittedAt: r.submitted_at ?? null, decidedAt: r.decided_at ?? null, decision: r.decision ?? null,
    signatureRequired: toBool(r.signature_required), signedDigitally: toBool(r.signed_digitally), feeExpected: toBool(r.fee_expected),
    feeCharged: r.fee_charged === null || r.fee_charged === undefined ? null : Number(r.fee_charged), paidOnline: toBool(r.paid_online),
    outputExpected: toBool(r.output_expected), outputIssuedDigitally: toBool(r.output_issued_digitally), completedAt: r.completed_at ?? null,
    rating: r.rating === null || r.rating === undefined ? null : Number(r.rating), ratedAt: r.rated_at ?? null,
  };
}

export function factRow(f: Fact, now: string): Record<string, unknown> {
  const b = (v: boolean) => (v ? 1 : 0);
  return {
    application_id: f.applicationId, agency_id: f.agencyId, service_id: f.serviceId, channel: f.channel, audience: f.audience,
    started_at: f.startedAt, submitted_at: f.submittedAt, decided_at: f.decidedAt, decision: f.decision,
    signature_required: b(f.signatureRequired), signed_digitally: b(f.signedDigitally), fee_expected: b(f.feeExpected), fee_charged: f.feeCharged,
    paid_online: b(f.paidOnline), output_expected: b(f.outputExpected), output_issued_digitally: b(f.outputIssuedDigitally), completed_at: f.completedAt,
    rating: f.rating, rated_at: f.ratedAt, updated_at: now,
  };
}

export async function findFact(db: Db, applicationId: string): Promise<Fact | undefined> {
  const r = await db.selectFrom('kpi_facts').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
  return r ? toFact(r) : undefined;
}

/** PostgreSQL: counters written by many transactions at once are spread over this many rows per key. */
const PG_SHARDS = 8;

/** Add a contribution (a difference) to the rollups, in a fixed key order so concurrent writers never deadlock. */
export async function applyToRollups(db: Db, delta: Contribution, shard = 0): Promise<void> {
  for (const key of [...delta.keys()].sort()) {
    const row = delta.get(key)!;
    const counters = Object.entries(row).filter(([, n]) => n !== 0) as [Counter, number][];
    if (!counters.length) continue;
    const [day, agency_id, service_id, channel, audience] = key.split('\u0001');
    await db.insertInto('kpi_rollups')
      .values({ day, agency_id, service_id, channel, audience, shard, ...Object.fromEntries(counters) })
      .onConflict((oc) => oc.columns(['day', 'agency_id', 'service_id', 'channel', 'audience', 'shard'])
        .doUpdateSet((eb) => Object.fromEntries(counters.map(([c]) => [c, eb(eb.ref(`kpi_rollups.${c}`), '+', eb.ref(`excluded.${c}`))])) as any))
      .execute();
  }
}

/**
 * Record what happened to an application, in the caller's transaction. Safe to
 * call more than once with the same patch (the rollups move by the fact's
 * difference, which is then nothing). completed_at is derived here.
 */
export async function recordTransactionFact(trx: Db, applicationId: string, patch: FactPatch): Promise<Fact | null> {
  if (!trx.isTransaction) throw new Error('recordTransactionFact runs inside the caller\'s transaction');
  const pg = dialectOf(trx) === 'postgres';
  let q = trx.selectFrom('kpi_facts').selectAll().where('application_id', '=', applicationId);
  if (pg) q = q.forUpdate();
  const found = await q.executeTakeFirst();
  const old = found ? toFact(found) : null;
  const { at, ...changes } = patch;
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<Fact>;
  if (!old && (!defined.agencyId || !defined.serviceId || !defined.channel || !defined.audience)) return null; // not known to the scorecard: nothing to count it under
  const base: Fact = old ?? {
    applicationId, agencyId: '', serviceId: '', channel: '', audience: 'citizen', startedAt: null, submittedAt: null, decidedAt: null, decision: null,
    signatureRequired: false, signedDigitally: false, feeExpected: false, feeCharged: null, paidOnline: false, outputExpected: false, outputIssuedDigitally: false,
    completedAt: null, rating: null, ratedAt: null,
  };
  const now = nowIso();
  const next: Fact = { ...base, ...defined, applicationId, completedAt: base.completedAt };
  next.completedAt = completion(next, at ?? now);
  const delta = contribution(next, 1, contribution(old, -1));
  if (old) await trx.updateTable('kpi_facts').set(factRow(next, now)).where('application_id', '=', applicationId).execute();
  else await trx.insertInto('kpi_facts').values(factRow(next, now)).execute();
  await applyToRollups(trx, delta, pg ? Math.floor(Math.random() * PG_SHARDS) : 0);
  return next;
}

/** Insert rows in multi-row statements (SQLite 3.32+ binds up to 32,766 values per statement, PostgreSQL 65,535). */
export async function insertMany(db: Db, table: string, rows: Record<string, unknown>[], addToRollups = false): Promise<void> {
  const perStatement = (dialectOf(db) === 'postgres' ? 60_000 : 30_000) / Math.max(1, Object.keys(rows[0] ?? {}).length);
  const size = Math.max(1, Math.floor(perStatement));
  for (let i = 0; i < rows.length; i += size) {
    let q = db.insertInto(table).values(rows.slice(i, i + size));
    if (addToRollups) {
      q = q.onConflict((oc) => oc.columns(['day', 'agency_id', 'service_id', 'channel', 'audience', 'shard'])
        .doUpdateSet((eb) => Object.fromEntries(COUNTERS.map((c) => [c, eb(eb.ref(`kpi_rollups.${c}`), '+', eb.ref(`excluded.${c}`))])) as any));
    }
    await q.execute();
  }
}

/** Add summed contributions to the rollups in bulk (shard 0): for loads and rebuilds, not for the live path. */
export async function addToRollupsInBulk(db: Db, sums: Contribution): Promise<void> {
  const rows = [...sums.entries()].map(([key, c]) => {
    const [day, agency_id, service_id, channel, audience] = key.split('\u0001');
    return { day, agency_id, service_id, channel, audience, shard: 0, ...Object.fromEntries(COUNTERS.map((k) => [k, c[k] ?? 0])) };
  });
  await insertMany(db, 'kpi_rollups', rows, true);
}

/** Operators: recompute every rollup from the facts (the full scan the scorecard never does). */
export async function rebuildRollups(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const sums: Contribution = new Map();
    let n = 0;
    let after = '';
    for (;;) {
      const rows = await trx.selectFrom('kpi_facts').selectAll().where('application_id', '>', after).orderBy('application_id').limit(10_000).execute();
      if (!rows.length) break;
      for (const r of rows) contribution(toFact(r), 1, sums);
      n += rows.length;
      after = (rows[rows.length - 1] as any).application_id;
    }
    await trx.deleteFrom('kpi_rollups').execute();
    await addToRollupsInBulk(trx, sums);
    return n;
  });
}
