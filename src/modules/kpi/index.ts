/**
 * The Digital Government scorecard: transaction facts recorded by the modules
 * where things happen (recordTransactionFact, in their own transactions),
 * daily rollups kept up to date from them, the KPIs computed from rollups,
 * definitions and registers, the scorecard pages (leadership and the public
 * /performance), open data (CSV and JSON), GET /api/v1/kpis, and the registers
 * agencies maintain. See docs/kpi.md.
 */
import type { AppContext } from '../../platform/context.ts';
import type { Catalogue } from '../catalogue/index.ts';
import type { DataSharingSource } from './compute-kpis.ts';

export { recordTransactionFact, rebuildRollups, findFact, dayOf, endToEndDigital, type Fact, type FactPatch, type Audience, type Channel } from './facts.ts';
export { factDefaults, prefillItems, offersEPayment } from './service-coverage.ts';
export { computeScorecard, readRollups, defaultRange, type KpiQuery, type KpiValue, type Scorecard, type DataSharingSource, type DataSharingFigures } from './compute-kpis.ts';
export { KPIS, KPI_IDS, statusOf, type KpiId, type Status } from './definitions.ts';
export { importRegisterCsv, saveReturn, saveCost, listReturns, listCosts, type AgencyReturn, type CostEntry } from './registers.ts';
export { registerKpiRoutes } from './routes.ts';
export { seedDemoHistory } from './demo-history.ts';

/** The module at run time: what it needs, and the data-sharing source once the exchange module registers one. */
export interface Kpi {
  ctx: AppContext;
  catalogue: Catalogue;
  dataSharing: DataSharingSource | null;
}

export function createKpi(ctx: AppContext, catalogue: Catalogue): Kpi {
  return { ctx, catalogue, dataSharing: null };
}

/**
 * For the cross-agency exchange (a later module): give the scorecard the
 * figures of data_sharing_days (median working days from a request to its
 * first successful use, and the share within 7). Until one is registered the
 * KPI reports "no data".
 */
export function registerDataSharingSource(kpi: Kpi, source: DataSharingSource): void {
  kpi.dataSharing = source;
}
