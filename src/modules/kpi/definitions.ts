/**
 * The KPIs: id, unit, target and how a value is judged against it. Their
 * names and definitions are message keys (kpi.kpis.<id>.name / .definition)
 * in four languages; docs/kpi.md says the same in full.
 */
export const KPI_IDS = [
  'satisfaction_citizens', 'satisfaction_businesses', 'e_payment_coverage', 'e_signature_coverage', 'e2e_digital_transactions', 'prefill_coverage',
  'data_sharing_days', 'officers_trained_data_analytics', 'officers_digital_literacy', 'ministries_with_ai_projects', 'cloud_adoption',
  'completion_rate', 'digital_take_up', 'cost_per_transaction',
] as const;
export type KpiId = (typeof KPI_IDS)[number];

/** share: 0..1; count: a number of things; days: working days; cents: money in SGD cents */
export type Unit = 'share' | 'count' | 'days' | 'cents';
export type Status = 'met' | 'at_risk' | 'missed' | 'no_data' | 'no_target' | 'not_applicable';
/** Where a KPI's figures come from. */
export type Source = 'transactions' | 'survey' | 'definitions' | 'registers' | 'exchange';

export interface Target {
  /** the value to reach (a share is 0..1) */
  value: number;
  comparison: 'at_least' | 'at_most';
  /** within this distance of the target (same unit) the status is "at risk" rather than "missed" */
  atRiskWithin: number;
  /** the Blueprint's wording of the target, e.g. "75-80%" */
  label: string;
}

export interface KpiDefinition { id: KpiId; unit: Unit; source: Source; target: Target | null; /** measured per service too (false: agency-level registers) */ perService: boolean }

const share = (value: number, atRiskWithin: number, label: string): Target => ({ value, comparison: 'at_least', atRiskWithin, label });

export const KPIS: readonly KpiDefinition[] = [
  { id: 'satisfaction_citizens', unit: 'share', source: 'survey', target: share(0.75, 0.05, '75-80%'), perService: true },
  { id: 'satisfaction_businesses', unit: 'share', source: 'survey', target: share(0.75, 0.05, '75-80%'), perService: true },
  { id: 'e_payment_coverage', unit: 'share', source: 'definitions', target: share(1, 0.1, '100%'), perService: true },
  { id: 'e_signature_coverage', unit: 'share', source: 'definitions', target: share(1, 0.1, '100%'), perService: true },
  { id: 'e2e_digital_transactions', unit: 'share', source: 'transactions', target: share(0.9, 0.05, '90-95%'), perService: true },
  { id: 'prefill_coverage', unit: 'share', source: 'definitions', target: share(1, 0.1, '100%'), perService: true },
  { id: 'data_sharing_days', unit: 'days', source: 'exchange', target: { value: 7, comparison: 'at_most', atRiskWithin: 3, label: '<= 7' }, perService: false },
  { id: 'officers_trained_data_analytics', unit: 'count', source: 'registers', target: { value: 20_000, comparison: 'at_least', atRiskWithin: 4_000, label: '20,000' }, perService: false },
  { id: 'officers_digital_literacy', unit: 'share', source: 'registers', target: share(1, 0.1, '100%'), perService: false },
  { id: 'ministries_with_ai_projects', unit: 'share', source: 'registers', target: share(1, 0.2, 'all'), perService: false },
  { id: 'cloud_adoption', unit: 'share', source: 'registers', target: share(0.7, 0.1, '>= 70%'), perService: false },
  { id: 'completion_rate', unit: 'share', source: 'transactions', target: null, perService: true },
  { id: 'digital_take_up', unit: 'share', source: 'transactions', target: null, perService: true },
  { id: 'cost_per_transaction', unit: 'cents', source: 'registers', target: null, perService: true },
];

export const kpiDefinition = (id: KpiId): KpiDefinition => KPIS.find((k) => k.id === id)!;

/** Met, at risk (within the band short of the target) or missed; "no data" without a value, "no target" without a target. */
export function statusOf(def: KpiDefinition, value: number | null): Status {
  if (value === null || Number.isNaN(value)) return 'no_data';
  const t = def.target;
  if (!t) return 'no_target';
  const gap = t.comparison === 'at_least' ? t.value - value : value - t.value;
  if (gap <= 1e-9) return 'met';
  return gap <= t.atRiskWithin + 1e-9 ? 'at_risk' : 'missed';
}
