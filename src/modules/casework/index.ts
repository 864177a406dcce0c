/**
 * Casework: the officer side and the workflow engine the service definitions
 * describe. Queues (workbench), case pages, assignment, requests for
 * information, referrals between agencies, four eyes, escalation of breached
 * deadlines, counter and paper applications, the API for agency systems and
 * signed webhooks. See docs/casework.md.
 */
import type { AppContext } from '../../platform/context.ts';
import type { CalendarSource } from '../../platform/calendar/index.ts';
import type { App } from '../../platform/http/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import type { Casework } from './casework.ts';
import type { CasePanelProvider } from './panels.ts';
import { registerCaseworkApi } from './api.ts';
import { escalationJob, ESCALATION_QUEUE } from './escalate-overdue.ts';
import { forgetOldKeys } from './idempotency.ts';
import { openCaseJob } from './open-case.ts';
import { registerCaseworkRoutes } from './routes.ts';
import { webhookJob } from './webhooks.ts';

export type { Casework, Actor } from './casework.ts';
export { actorOf, actorOfApi } from './casework.ts';
export type { CasePanel, CasePanelProvider, CasePanelRow } from './panels.ts';
export { actOnCase, DECIDED_QUEUE, type DecidedJob, type ActInput } from './act-on-case.ts';
export { assignCase, assignMany, type AssignOp } from './assign-case.ts';
export { addNote } from './add-note.ts';
export { escalateOverdue, ESCALATION_QUEUE } from './escalate-overdue.ts';
export { openCase, ensureCase } from './open-case.ts';
export { viewCase, type CaseView } from './case-view.ts';
export { listQueue, searchCases, type QueueQuery, type QueuePage } from './queue.ts';
export { findCase, type CaseRow } from './repository.ts';
export { deriveCase, CASE_TRANSITIONS, fourEyesConflict, type CaseState, type CaseAction } from './workflow.ts';
export { createEndpoint, disableEndpoint, listDeliveries, WEBHOOK_QUEUE, WEBHOOK_EVENT_TYPES } from './webhooks.ts';
export { recordApplication } from './record-application.ts';
export { withIdempotency, checkIdempotencyKey } from './idempotency.ts';

export interface CaseworkOptions {
  /** panels other modules add to the case page (payment, signature) */
  panels?: CasePanelProvider[];
  /** how often breached deadlines are looked for (default 15 minutes) */
  escalateEveryMs?: number;
}

/** Build the module: warms the cache of every definition version so no use case reads the catalogue inside a transaction. */
export async function createCasework(ctx: AppContext, catalogue: Catalogue, calendar: CalendarSource, opts: CaseworkOptions = {}): Promise<Casework> {
  for (const s of catalogue.list()) for (let v = 1; v <= s.version; v++) await catalogue.getVersion(s.id, v);
  await calendar.get();
  return { ctx, catalogue, calendar, panels: opts.panels ?? [] };
}

/** Jobs (case opening, webhooks, escalation, clean-up) and routes (pages and API). */
export function registerCasework(app: App, cw: Casework, opts: CaseworkOptions = {}): void {
  const { jobs } = cw.ctx;
  jobs.define(openCaseJob(cw));
  jobs.define(webhookJob(cw.ctx));
  jobs.define(escalationJob(cw));
  jobs.every({ name: 'casework-escalation', queue: ESCALATION_QUEUE, everyMs: opts.escalateEveryMs ?? 15 * 60_000 });
  jobs.define({ queue: 'casework.idempotency-cleanup', async handle(_p, { db }) { await forgetOldKeys(db, cw.ctx.clock()); } });
  jobs.every({ name: 'casework-idempotency-cleanup', queue: 'casework.idempotency-cleanup', everyMs: 3600_000 });
  registerCaseworkRoutes(app, cw);
  registerCaseworkApi(app, cw);
}
export { caseCounts, CASE_COUNT_DIMENSIONS, type CaseCountDimension } from './statistics.ts';
export { CASEWORK_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
