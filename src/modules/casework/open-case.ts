/**
 * Open the case of a sent application (any channel): first step of the
 * workflow of the definition version it was sent on, due after the step's
 * service level in working days from the day it was received, searchable by
 * the applicant's identifiers, assigned in turn if the step's rule says so.
 * Idempotent: opening an open case does nothing. Runs from the outbox job
 * every submission enqueues, or inline (API, a case page opened first).
 */
import type { Db } from '../../platform/db/index.ts';
import { inTransaction, nowIso } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { accountSummaries } from '../identity/index.ts';
import { findApplication, SUBMITTED_QUEUE, transitionApplication, type Application } from '../applications/index.ts';
import { SYSTEM, serviceOf, stepsOf, type Casework } from './casework.ts';
import { dueFor } from './deadlines.ts';
import { changeCase, findCase, insertCase, insertSearchTerms, type CaseRow } from './repository.ts';
import { nextInTurn } from './round-robin.ts';
import { applicantNameFrom, identifiersIn, searchTerms, type Identifiers } from './search.ts';
import { emitWebhook } from './webhooks.ts';

export async function openCase(cw: Casework, trx: Db, app: Application, extra: Partial<Identifiers> = {}): Promise<CaseRow | null> {
  const { ctx } = cw;
  if (app.status === 'draft' || app.status === 'withdrawn' || !app.reference || !app.submittedAt) return null;
  const existing = await findCase(trx, ctx.keys, app.id);
  if (existing) return existing;
  const service = await serviceOf(cw, app.serviceId, app.serviceVersion);
  const step = stepsOf(service)[0]!;
  const cal = await cw.calendar.get();
  const received = cal.localDate(new Date(app.submittedAt));
  const now = nowIso(ctx.clock());
  const account = (await accountSummaries(trx, ctx.keys, [app.applicantId])).get(app.applicantId);
  const ids = identifiersIn(service.definition.form, app.answers);
  const name = applicantNameFrom(service.definition.form, app.answers) ?? account?.displayName ?? extra.names?.[0] ?? null;
  const uen = app.actingForUen ?? ids.uens[0] ?? extra.uens?.[0] ?? null;
  const row: CaseRow = {
    applicationId: app.id, reference: app.reference, serviceId: app.serviceId, serviceVersion: app.serviceVersion, agencyId: app.agencyId,
    queueAgencyId: app.agencyId, state: 'queued', status: app.status, stepId: step.id, stepIndex: 0, stepRole: step.role, assigneeId: null,
    dueDate: dueFor(cal, received, step.slaWorkingDays), pausedDaysLeft: null, escalated: false, referredByAgencyId: null, channel: app.channel,
    applicantId: app.applicantId, applicantName: name || null, applicantUen: uen, submittedAt: app.submittedAt, stepStartedAt: now, updatedAt: now,
    closedAt: null, decision: null, version: 1,
  };
  if (!(await insertCase(trx, ctx.keys, row))) return (await findCase(trx, ctx.keys, app.id))!;
  await insertSearchTerms(trx, app.id, app.submittedAt, [
    ...searchTerms(ctx.keys, {
      nrics: [...ids.nrics, ...(extra.nrics ?? [])],
      uens: [...ids.uens, ...(app.actingForUen ? [app.actingForUen] : []), ...(extra.uens ?? [])],
      names: [...ids.names, ...(account?.displayName ? [account.displayName] : []), ...(extra.names ?? [])],
    }),
    // the applicant's account NRIC/FIN hash is the same keyed hash a search computes
    ...(account?.nricHash ? [account.nricHash] : []),
  ]);
  const opened = await transitionApplication(trx, ctx.keys, {
    applicationId: app.id, type: 'case.opened', statusEvent: null, actor: { type: 'system' }, stepId: step.id, at: now,
    data: { stepId: step.id, agencyId: app.agencyId, dueDate: row.dueDate, received },
  });
  await appendAudit(trx, { stream: `application:${app.id}`, action: 'casework.case_opened', actorType: 'system', agencyId: app.agencyId, subjectType: 'application', subjectId: app.id, at: now, data: { step: step.id, dueDate: row.dueDate } });
  await emitWebhook(trx, { agencyId: app.agencyId, type: 'application.status_changed', applicationId: app.id, at: now, data: { reference: app.reference, serviceId: app.serviceId, status: app.status, previousStatus: 'draft', stepId: step.id, channel: app.channel, sequence: opened.seq } });
  const assignee = await nextInTurn(cw, trx, { agencyId: app.agencyId, serviceId: app.serviceId, step, excluded: () => false });
  if (assignee) {
    await transitionApplication(trx, ctx.keys, { applicationId: app.id, type: 'case.assigned', statusEvent: null, actor: { type: SYSTEM.type }, stepId: step.id, at: now, data: { assigneeId: assignee, auto: true } });
    await changeCase(trx, app.id, row.version, { assigneeId: assignee }, now);
    row.assigneeId = assignee;
    row.version++;
  }
  return row;
}

/** The case of an application, opening it first if the application was sent but its case not opened yet. */
export async function ensureCase(cw: Casework, applicationId: string, db: Db = cw.ctx.db): Promise<CaseRow | null> {
  const found = await findCase(db, cw.ctx.keys, applicationId);
  if (found) return found;
  return inTransaction(db, async (trx) => {
    const app = await findApplication(trx, cw.ctx.keys, applicationId);
    return app ? openCase(cw, trx, app) : null;
  });
}

/** Handler of the outbox job every submission enqueues. */
export function openCaseJob(cw: Casework): JobDefinition<{ applicationId: string }> {
  return {
    queue: SUBMITTED_QUEUE,
    transactional: true,
    async handle({ applicationId }, { db }) {
      const app = await findApplication(db, cw.ctx.keys, applicationId);
      if (app) await openCase(cw, db, app);
    },
  };
}
