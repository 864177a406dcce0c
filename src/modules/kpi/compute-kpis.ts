/**
 * The scorecard: every KPI's value, target and status for the whole of
 * government, an agency or a service over any range of days, the monthly
 * trend and the breakdown one level down. Reads the rollups (one grouped
 * query), the service definitions, the registers and, for data sharing, the
 * source the exchange module registers; never the facts.
 */
import { sql, type Db } from '../../platform/db/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { COUNTERS, DIGITAL_CHANNELS, emptyCounters, type Counters } from './facts.ts';
import { KPIS, statusOf, type KpiDefinition, type KpiId, type Source, type Status, type Target, type Unit } from './definitions.ts';
import { listCosts, listReturns, quarterOf, quarterSpan, type AgencyReturn, type CostEntry } from './registers.ts';
import { offersEPayment, offersDigitalSigning, prefillItems } from './service-coverage.ts';

export interface KpiQuery {
  /** first day, YYYY-MM-DD (Singapore time) */
  from: string;
  /** last day, inclusive */
  to: string;
  agency?: string;
  service?: string;
}

export interface KpiValue {
  id: KpiId;
  unit: Unit;
  source: Source;
  target: Target | null;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: Status;
}

export interface DataSharingFigures { medianWorkingDays: number | null; withinSevenShare: number | null; requests: number }
/** What the exchange module registers: figures for a range and scope, or null when it has none. */
export type DataSharingSource = (db: Db, q: KpiQuery) => Promise<DataSharingFigures | null>;

export interface RollupGroup extends Counters { month: string; agencyId: string; serviceId: string; channel: string; audience: string }

export interface Scorecard {
  query: KpiQuery;
  kpis: KpiValue[];
  /** month (YYYY-MM) -> the transactional KPIs that month */
  months: { month: string; kpis: Partial<Record<KpiId, number | null>>; submitted: number }[];
  /** one level down: agencies (whole of government) or services (an agency) */
  breakdown: { level: 'agency' | 'service'; id: string; kpis: KpiValue[] }[];
}

/** The rollups of a range, summed per month x agency x service x channel x audience: the scorecard's only read of transactions. */
export async function readRollups(db: Db, q: KpiQuery): Promise<RollupGroup[]> {
  const month = sql<string>`substr(day, 1, 7)`;
  let query = db.selectFrom('kpi_rollups')
    .select([month.as('month'), 'agency_id', 'service_id', 'channel', 'audience'])
    .select((eb) => COUNTERS.map((c) => eb.fn.sum<number>(c).as(c)))
    .where('day', '>=', q.from).where('day', '<=', q.to);
  if (q.agency) query = query.where('agency_id', '=', q.agency);
  if (q.service) query = query.where('service_id', '=', q.service);
  const rows = await query.groupBy([month, 'agency_id', 'service_id', 'channel', 'audience']).execute();
  return rows.map((r: any) => ({
    month: r.month, agencyId: r.agency_id, serviceId: r.service_id, channel: r.channel, audience: r.audience,
    ...Object.fromEntries(COUNTERS.map((c) => [c, Number(r[c] ?? 0)])),
  })) as RollupGroup[];
}

function sum(rows: RollupGroup[], pred: (r: RollupGroup) => boolean = () => true): Counters {
  const t = emptyCounters();
  for (const r of rows) if (pred(r)) for (const c of COUNTERS) t[c] += r[c];
  return t;
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
const daysIn = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86400_000) + 1;

interface Inputs {
  q: KpiQuery;
  rows: RollupGroup[];
  services: ServiceVersion[];
  agencies: string[];
  returns: AgencyReturn[];
  costs: CostEntry[];
  dataSharing: DataSharingFigures | null | undefined;
  level: 'government' | 'agency' | 'service';
}

/** Every KPI for one scope from figures already read. */
function evaluate(i: Inputs): KpiValue[] {
  const all = sum(i.rows);
  const citizens = sum(i.rows, (r) => r.audience === 'citizen');
  const businesses = sum(i.rows, (r) => r.audience === 'business');
  const online = sum(i.rows, (r) => r.channel === 'online');
  const digital = sum(i.rows, (r) => DIGITAL_CHANNELS.includes(r.channel));
  const feeServices = i.services.filter((s) => s.definition.fee.type !== 'none');
  const signServices = i.services.filter((s) => s.definition.signatureRequired);
  // registers: each agency's latest return up to the end of the range
  const latest = new Map<string, AgencyReturn>();
  for (const r of i.returns) if (i.agencies.includes(r.agencyId) && !latest.has(r.agencyId)) latest.set(r.agencyId, r);
  const rets = [...latest.values()];
  const rsum = (f: (r: AgencyReturn) => number) => rets.reduce((n, r) => n + f(r), 0);
  const registers = i.level !== 'service' && rets.length > 0;
  // costs: each quarter's cost in proportion to the days of it inside the range
  let cost = 0;
  for (const c of i.costs) {
    if (!i.services.some((s) => s.id === c.serviceId)) continue;
    const span = quarterSpan(c.quarter);
    const from = span.from > i.q.from ? span.from : i.q.from;
    const to = span.to < i.q.to ? span.to : i.q.to;
    if (from <= to) cost += (c.costCents * daysIn(from, to)) / daysIn(span.from, span.to);
  }
  const hasCosts = i.costs.some((c) => i.services.some((s) => s.id === c.serviceId));

  const figures: Record<KpiId, [number | null, number | null] | null> = {
    satisfaction_citizens: [citizens.satisfied, citizens.rated],
    satisfaction_businesses: [businesses.satisfied, businesses.rated],
    e_payment_coverage: [feeServices.filter(offersEPayment).length, feeServices.length],
    e_signature_coverage: [signServices.filter(offersDigitalSigning).length, signServices.length],
    e2e_digital_transactions: [all.completed_e2e, all.completed],
    prefill_coverage: [i.services.filter((s) => prefillItems(s.definition).length > 0).length, i.services.length],
    data_sharing_days: null,
    officers_trained_data_analytics: registers ? [rsum((r) => r.officersTrainedDataAnalytics), null] : null,
    officers_digital_literacy: registers ? [rsum((r) => r.officersDigitalLiteracy), rsum((r) => r.officersTotal)] : null,
    ministries_with_ai_projects: registers ? [rets.filter((r) => r.aiProjects > 0).length, i.agencies.length] : null,
    cloud_adoption: registers ? [rsum((r) => r.cloudSystems), rsum((r) => r.eligibleSystems)] : null,
    completion_rate: [Math.min(online.submitted, online.started), online.started],
    digital_take_up: [digital.submitted, all.submitted],
    cost_per_transaction: hasCosts ? [Math.round(cost), all.submitted] : null,
  };
  return KPIS.map((def) => {
    if (def.id === 'data_sharing_days') return dataSharingValue(def, i.dataSharing, i.level);
    if (!def.perService && i.level === 'service') return value(def, null, null, null, 'not_applicable');
    const f = figures[def.id];
    if (!f) return value(def, null, null, null);
    const [n, d] = f;
    const v = def.id === 'officers_trained_data_analytics' ? n : def.id === 'cost_per_transaction' ? (d ? Math.round(n! / d) : null) : ratio(n ?? 0, d ?? 0);
    return value(def, v, n, d);
  });
}

function value(def: KpiDefinition, v: number | null, numerator: number | null, denominator: number | null, status?: Status): KpiValue {
  return { id: def.id, unit: def.unit, source: def.source, target: def.target, value: v, numerator, denominator, status: status ?? statusOf(def, v) };
}

function dataSharingValue(def: KpiDefinition, f: DataSharingFigures | null | undefined, level: Inputs['level']): KpiValue {
  if (level === 'service') return value(def, null, null, null, 'not_applicable');
  if (!f || f.medianWorkingDays === null) return value(def, null, null, null);
  const within = f.withinSevenShare === null ? null : Math.round(f.withinSevenShare * f.requests);
  return value(def, f.medianWorkingDays, within, f.requests);
}

/** The transactional KPIs of one month (the trend lines). */
const TREND_KPIS: KpiId[] = ['satisfaction_citizens', 'satisfaction_businesses', 'e2e_digital_transactions', 'completion_rate', 'digital_take_up'];

export interface ScorecardDeps { db: Db; catalogue: Catalogue; dataSharing?: DataSharingSource | null }

/** The whole scorecard for a scope: values, monthly trends and the breakdown one level down. */
export async function computeScorecard(deps: ScorecardDeps, q: KpiQuery): Promise<Scorecard> {
  const { db, catalogue } = deps;
  const level: Inputs['level'] = q.service ? 'service' : q.agency ? 'agency' : 'government';
  const services = catalogue.list().filter((s) => (!q.agency || s.definition.agency === q.agency) && (!q.service || s.id === q.service));
  const agencies = q.service ? [...new Set(services.map((s) => s.definition.agency))] : q.agency ? [q.agency] : catalogue.agencies.map((a) => a.id);
  const [rows, returns, costs, dataSharing] = await Promise.all([
    readRollups(db, q),
    level === 'service' ? Promise.resolve([]) : listReturns(db, { uptoQuarter: quarterOf(q.to), agencyId: q.agency }),
    listCosts(db, { fromQuarter: quarterOf(q.from), toQuarter: quarterOf(q.to), agencyId: q.agency }),
    deps.dataSharing && level !== 'service' ? deps.dataSharing(db, q).catch(() => null) : Promise.resolve(null),
  ]);
  const kpis = evaluate({ q, rows, services, agencies, returns, costs, dataSharing, level });

  const byMonth = new Map<string, RollupGroup[]>();
  for (const r of rows) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), r]);
  const months = monthsBetween(q.from, q.to).map((month) => {
    const mrows = byMonth.get(month) ?? [];
    const v = evaluate({ q, rows: mrows, services, agencies, returns: [], costs: [], dataSharing: null, level });
    return { month, submitted: sum(mrows).submitted, kpis: Object.fromEntries(TREND_KPIS.map((id) => [id, v.find((k) => k.id === id)!.value])) };
  });

  const breakdown: Scorecard['breakdown'] = [];
  if (level === 'government') {
    for (const a of catalogue.agencies) {
      breakdown.push({ level: 'agency', id: a.id, kpis: evaluate({
        q, rows: rows.filter((r) => r.agencyId === a.id), services: services.filter((s) => s.definition.agency === a.id), agencies: [a.id],
        returns: returns.filter((r) => r.agencyId === a.id), costs: costs.filter((c) => c.agencyId === a.id), dataSharing: null, level: 'agency',
      }) });
    }
  } else if (level === 'agency') {
    for (const s of services) {
      breakdown.push({ level: 'service', id: s.id, kpis: evaluate({
        q, rows: rows.filter((r) => r.serviceId === s.id), services: [s], agencies, returns: [], costs: costs.filter((c) => c.serviceId === s.id), dataSharing: null, level: 'service',
      }) });
    }
  }
  return { query: q, kpis, months, breakdown };
}

export const TRENDS = TREND_KPIS;

export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    if (key > end || out.length > 240) break;
    out.push(key);
    if (++m > 12) { m = 1; y++; }
  }
  return out;
}

export const isDay = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 10) === s;

/** The default range: the last twelve whole months and this month so far (Singapore time). */
export function defaultRange(now: Date): { from: string; to: string } {
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  const from = new Date(Date.UTC(y, m - 1 - 12, 1)).toISOString().slice(0, 10);
  return { from, to: today };
}
