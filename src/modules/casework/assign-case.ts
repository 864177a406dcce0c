/**
 * Who works on a case: take it, assign it to a colleague, or hand it back to
 * the queue; one case or a selection at once (bulk). The assignee must hold
 * the step's role and must not be ruled out by four eyes.
 */
import { nowIso } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Role } from '../../platform/http/index.ts';
import { findApplication, listHistory, nextStatus, transitionApplication } from '../applications/index.ts';
import { accountSummaries } from '../identity/index.ts';
import { serviceOf, stepsOf, type Actor, type Casework } from './casework.ts';
import { mayAccess } from './act-on-case.ts';
import { emailOfficers } from './notify.ts';
import { changeCase, findCase, type CaseRow } from './repository.ts';
import { emitWebhook } from './webhooks.ts';
import { fourEyesConflict } from './workflow.ts';

export type AssignOp = { kind: 'take' } | { kind: 'assign'; assigneeId: string } | { kind: 'release' };

/** Roles that may assign or release any case of their agency (besides officers who hold the step's role). */
export const SUPERVISOR_ROLES: Role[] = ['approver', 'agency_admin'];

export async function assignCase(cw: Casework, input: { applicationId: string; actor: Actor; op: AssignOp; version?: number | null; requestId?: string }): Promise<CaseRow> {
  const { ctx } = cw;
  const { actor, op } = input;
  return ctx.db.transaction().execute(async (trx) => {
    const c = await findCase(trx, ctx.keys, input.applicationId);
    if (!c || !mayAccess(actor, c)) throw notFound('casework.errors.unknownCase');
    if (actor.type !== 'officer' || actor.agencyId !== c.agencyId) throw new AppError('forbidden', 'casework.errors.notYourQueue');
    if (c.state === 'closed' || c.state === 'referred') throw new AppError('conflict', `casework.errors.notAllowed.${c.state}`, { action: op.kind });
    if (input.version !== undefined && input.version !== null && input.version !== c.version) throw new AppError('conflict', 'casework.errors.stale', { reference: c.reference, version: c.version });
    const service = await serviceOf(cw, c.serviceId, c.serviceVersion);
    const steps = stepsOf(service);
    const step = steps[c.stepIndex]!;
    const history = await listHistory(trx, ctx.keys, c.applicationId, { withComments: false });
    const holdsStep = actor.roles.includes(step.role as Role);
    const supervises = actor.roles.some((r) => SUPERVISOR_ROLES.includes(r));

    let assigneeId: string | null;
    if (op.kind === 'take') {
      if (!holdsStep) throw new AppError('forbidden', 'casework.errors.roleNeeded', { role: step.role });
      if (fourEyesConflict(steps, history, c.stepIndex, actor.id)) throw new AppError('forbidden', 'casework.errors.fourEyes');
      assigneeId = actor.id;
    } else if (op.kind === 'assign') {
      if (!holdsStep && !supervises) throw new AppError('forbidden', 'casework.errors.cannotAssign');
      const who = (await accountSummaries(trx, ctx.keys, [op.assigneeId])).get(op.assigneeId);
      if (!who || who.kind !== 'officer' || !who.active || who.agencyId !== c.agencyId) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'assigneeId', message: 'casework.errors.unknownOfficer' }] });
      if (!who.roles.includes(step.role as Role)) throw new AppError('conflict', 'casework.errors.assigneeRole', { name: who.displayName, role: step.role });
      if (fourEyesConflict(steps, history, c.stepIndex, who.id)) throw new AppError('conflict', 'casework.errors.assigneeFourEyes', { name: who.displayName });
      assigneeId = who.id;
    } else {
      if (!c.assigneeId) return c;
      if (c.assigneeId !== actor.id && !supervises && !holdsStep) throw new AppError('forbidden', 'casework.errors.cannotAssign');
      assigneeId = null;
    }
    if (assigneeId === c.assigneeId) return c;

    const app = (await findApplication(trx, ctx.keys, c.applicationId))!;
    const statusEvent = assigneeId && (app.status === 'submitted' || app.status === 'in_review') ? 'start_review' : null;
    const to = statusEvent ? nextStatus(app.status, statusEvent) : app.status;
    const now = nowIso(ctx.clock());
    if (!(await changeCase(trx, c.applicationId, c.version, { assigneeId, status: to }, now))) throw new AppError('conflict', 'casework.errors.stale', { reference: c.reference, yourVersion: c.version });
    const r = await transitionApplication(trx, ctx.keys, {
      applicationId: c.applicationId, type: assigneeId ? 'case.assigned' : 'case.released', statusEvent, stepId: step.id, at: now,
      actor: { type: actor.type, id: actor.id, agencyId: actor.agencyId }, data: { assigneeId, previousAssigneeId: c.assigneeId, by: op.kind },
    });
    await appendAudit(trx, {
      stream: `application:${c.applicationId}`, action: `casework.${op.kind}`, actorType: 'officer', actorId: actor.id, agencyId: actor.agencyId,
      subjectType: 'application', subjectId: c.applicationId, requestId: input.requestId, at: now, data: { assigneeId, previousAssigneeId: c.assigneeId },
    });
    if (r.to !== r.from) await emitWebhook(trx, { agencyId: c.agencyId, type: 'application.status_changed', applicationId: c.applicationId, at: now, data: { reference: c.reference, serviceId: c.serviceId, status: r.to, previousStatus: r.from, stepId: step.id, channel: c.channel, sequence: r.seq } });
    if (op.kind === 'assign' && assigneeId !== actor.id) {
      const who = (await accountSummaries(trx, ctx.keys, [assigneeId!])).get(assigneeId!)!;
      await emailOfficers(cw, trx, [who], 'assigned', { reference: c.reference, applicationId: c.applicationId, service });
    }
    return (await findCase(trx, ctx.keys, c.applicationId))!;
  });
}

export interface BulkResult { done: string[]; failed: { reference: string; applicationId: string; messageKey: string; params: Record<string, unknown> }[] }

/** The same operation on each selected case; each case is its own transaction, and what could not be done is listed. */
export async function assignMany(cw: Casework, input: { applicationIds: string[]; actor: Actor; op: AssignOp; requestId?: string }): Promise<BulkResult> {
  const out: BulkResult = { done: [], failed: [] };
  for (const id of [...new Set(input.applicationIds)].slice(0, 200)) {
    try {
      const c = await assignCase(cw, { applicationId: id, actor: input.actor, op: input.op, requestId: input.requestId });
      out.done.push(c.reference);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const c = await findCase(cw.ctx.db, cw.ctx.keys, id);
      out.failed.push({ reference: c && mayAccess(input.actor, c) ? c.reference : '', applicationId: id, messageKey: e.message, params: e.details });
    }
  }
  return out;
}
