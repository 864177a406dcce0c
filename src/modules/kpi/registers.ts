/**
 * The registers agencies maintain in Civitas: a quarterly return (officers,
 * training, AI projects, systems on commercial cloud) and costs per service
 * per quarter. Entered through forms or imported from CSV; a CSV is checked
 * row by row and applied whole or not at all.
 */
import { parse } from 'csv-parse/sync';
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import type { Catalogue } from '../catalogue/index.ts';

export const QUARTER = /^(\d{4})-Q([1-4])$/;

export interface AgencyReturn {
  agencyId: string; quarter: string;
  officersTotal: number; officersTrainedDataAnalytics: number; officersDigitalLiteracy: number;
  aiProjects: number; eligibleSystems: number; cloudSystems: number;
  updatedAt?: string;
}
export interface CostEntry { agencyId: string; serviceId: string; quarter: string; costCents: number; updatedAt?: string }

export const RETURN_FIELDS = ['officersTotal', 'officersTrainedDataAnalytics', 'officersDigitalLiteracy', 'aiProjects', 'eligibleSystems', 'cloudSystems'] as const;
/** CSV column names (snake case, as in the open data) for the return's fields. */
export const RETURN_COLUMNS: Record<(typeof RETURN_FIELDS)[number], string> = {
  officersTotal: 'officers_total', officersTrainedDataAnalytics: 'officers_trained_data_analytics', officersDigitalLiteracy: 'officers_digital_literacy',
  aiProjects: 'ai_projects', eligibleSystems: 'eligible_systems', cloudSystems: 'cloud_systems',
};

/** The first and last day (YYYY-MM-DD) of a quarter. */
export function quarterSpan(q: string): { from: string; to: string } {
  const m = QUARTER.exec(q)!;
  const y = Number(m[1]);
  const first = (Number(m[2]) - 1) * 3;
  const last = new Date(Date.UTC(y, first + 3, 0));
  return { from: `${y}-${String(first + 1).padStart(2, '0')}-01`, to: last.toISOString().slice(0, 10) };
}
export const quarterOf = (day: string): string => `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;

const count = (v: unknown, max = 10_000_000): number | null => {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim().replace(/,/g, '') : '';
  return /^\d{1,9}$/.test(s) && Number(s) <= max ? Number(s) : null;
};

/** Check a return; field errors name the field and a message key. */
export function checkReturn(input: Record<string, unknown>, agencyId: string): { value?: AgencyReturn; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const quarter = typeof input.quarter === 'string' ? input.quarter.trim().toUpperCase() : '';
  if (!QUARTER.test(quarter)) errors.push({ field: 'quarter', message: 'kpi.registers.errors.quarter' });
  const v: Record<string, number> = {};
  for (const f of RETURN_FIELDS) {
    const n = count(input[f] ?? input[RETURN_COLUMNS[f]]);
    if (n === null) errors.push({ field: f, message: 'kpi.registers.errors.count' });
    else v[f] = n;
  }
  if (!errors.length) {
    if (v.officersTrainedDataAnalytics! > v.officersTotal! || v.officersDigitalLiteracy! > v.officersTotal!) errors.push({ field: 'officersTotal', message: 'kpi.registers.errors.moreThanOfficers' });
    if (v.cloudSystems! > v.eligibleSystems!) errors.push({ field: 'cloudSystems', message: 'kpi.registers.errors.moreThanEligible' });
  }
  return errors.length ? { errors } : { value: { agencyId, quarter, ...(v as any) }, errors };
}

/** Check a cost line: the service must be the agency's, the amount in dollars and cents. */
export function checkCost(input: Record<string, unknown>, agencyId: string, catalogue: Catalogue): { value?: CostEntry; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const quarter = typeof input.quarter === 'string' ? input.quarter.trim().toUpperCase() : '';
  if (!QUARTER.test(quarter)) errors.push({ field: 'quarter', message: 'kpi.registers.errors.quarter' });
  const serviceId = typeof (input.serviceId ?? input.service_id) === 'string' ? String(input.serviceId ?? input.service_id).trim() : '';
  if (catalogue.get(serviceId)?.definition.agency !== agencyId) errors.push({ field: 'serviceId', message: 'kpi.registers.errors.service' });
  const raw = String(input.cost ?? input.cost_sgd ?? '').trim().replace(/,/g, '');
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(raw);
  if (!m) errors.push({ field: 'cost', message: 'kpi.registers.errors.cost' });
  if (errors.length) return { errors };
  return { value: { agencyId, serviceId, quarter, costCents: Number(m![1]) * 100 + Number((m![2] ?? '0').padEnd(2, '0')) }, errors };
}

export async function saveReturn(db: Db, r: AgencyReturn, by: string | null): Promise<void> {
  const now = nowIso();
  const row = {
    officers_total: r.officersTotal, officers_trained_data_analytics: r.officersTrainedDataAnalytics, officers_digital_literacy: r.officersDigitalLiteracy,
    ai_projects: r.aiProjects, eligible_systems: r.eligibleSystems, cloud_systems: r.cloudSystems, updated_by: by, updated_at: now,
  };
  await db.insertInto('kpi_agency_returns').values({ agency_id: r.agencyId, quarter: r.quarter, ...row })
    .onConflict((oc) => oc.columns(['agency_id', 'quarter']).doUpdateSet(row)).execute();
}

export async function saveCost(db: Db, c: CostEntry, by: string | null): Promise<void> {
  const row = { cost_cents: c.costCents, updated_by: by, updated_at: nowIso() };
  await db.insertInto('kpi_costs').values({ agency_id: c.agencyId, service_id: c.serviceId, quarter: c.quarter, ...row })
    .onConflict((oc) => oc.columns(['agency_id', 'service_id', 'quarter']).doUpdateSet(row)).execute();
}

export async function listReturns(db: Db, opts: { agencyId?: string; uptoQuarter?: string } = {}): Promise<AgencyReturn[]> {
  let q = db.selectFrom('kpi_agency_returns').selectAll();
  if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
  if (opts.uptoQuarter) q = q.where('quarter', '<=', opts.uptoQuarter);
  const rows = await q.orderBy('agency_id').orderBy('quarter', 'desc').execute();
  return rows.map((r: any) => ({
    agencyId: r.agency_id, quarter: r.quarter, officersTotal: Number(r.officers_total), officersTrainedDataAnalytics: Number(r.officers_trained_data_analytics),
    officersDigitalLiteracy: Number(r.officers_digital_literacy), aiProjects: Number(r.ai_projects), eligibleSystems: Number(r.eligible_systems), cloudSystems: Number(r.cloud_systems), updatedAt: r.updated_at,
  }));
}

export async function listCosts(db: Db, opts: { agencyId?: string; fromQuarter?: string; toQuarter?: string } = {}): Promise<CostEntry[]> {
  let q = db.selectFrom('kpi_costs').selectAll();
  if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
  if (opts.fromQuarter) q = q.where('quarter', '>=', opts.fromQuarter);
  if (opts.toQuarter) q = q.where('quarter', '<=', opts.toQuarter);
  const rows = await q.orderBy('quarter', 'desc').orderBy('service_id').execute();
  return rows.map((r: any) => ({ agencyId: r.agency_id, serviceId: r.service_id, quarter: r.quarter, costCents: Number(r.cost_cents), updatedAt: r.updated_at }));
}

export type RegisterKind = 'returns' | 'costs';
export interface ImportRowReport { row: number; ok: boolean; errors: FieldError[] }
export interface ImportReport { kind: RegisterKind; applied: boolean; rows: ImportRowReport[]; problem?: string }

export const CSV_HEADERS: Record<RegisterKind, string[]> = {
  returns: ['quarter', ...Object.values(RETURN_COLUMNS)],
  costs: ['quarter', 'service_id', 'cost_sgd'],
};

/**
 * Import a CSV into one of the agency's registers: every row is checked and
 * reported; if any row is wrong nothing is applied, otherwise every row is
 * applied in one transaction (with one audit entry).
 */
export async function importRegisterCsv(db: Db, catalogue: Catalogue, input: { kind: RegisterKind; agencyId: string; csv: string; by: string; requestId?: string }): Promise<ImportReport> {
  const report: ImportReport = { kind: input.kind, applied: false, rows: [] };
  let records: Record<string, string>[];
  try {
    records = parse(input.csv.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch {
    return { ...report, problem: 'kpi.registers.import.unreadable' };
  }
  if (!records.length) return { ...report, problem: 'kpi.registers.import.empty' };
  const missing = CSV_HEADERS[input.kind].filter((h) => !(h in records[0]!));
  if (missing.length) return { ...report, problem: 'kpi.registers.import.columns' };
  if (records.length > 5000) return { ...report, problem: 'kpi.registers.import.tooMany' };
  const values: (AgencyReturn | CostEntry)[] = [];
  const seen = new Set<string>();
  records.forEach((rec, i) => {
    const checked = input.kind === 'returns' ? checkReturn(rec, input.agencyId) : checkCost(rec, input.agencyId, catalogue);
    const errors = [...checked.errors];
    if (checked.value) {
      const key = input.kind === 'returns' ? checked.value.quarter : `${(checked.value as CostEntry).serviceId}/${checked.value.quarter}`;
      if (seen.has(key)) errors.push({ field: 'quarter', message: 'kpi.registers.errors.duplicate' });
      seen.add(key);
      values.push(checked.value);
    }
    report.rows.push({ row: i + 2, ok: !errors.length, errors }); // row 1 is the header
  });
  if (report.rows.some((r) => !r.ok)) return report;
  await inTransaction(db, async (trx) => {
    for (const v of values) {
      if (input.kind === 'returns') await saveReturn(trx, v as AgencyReturn, input.by);
      else await saveCost(trx, v as CostEntry, input.by);
    }
    await appendAudit(trx, {
      stream: `kpi-register:${input.agencyId}`, action: `kpi.${input.kind}_imported`, actorType: 'officer', actorId: input.by, agencyId: input.agencyId,
      subjectType: 'kpi_register', subjectId: input.agencyId, requestId: input.requestId, data: { rows: values.length },
    });
  });
  return { ...report, applied: true };
}
