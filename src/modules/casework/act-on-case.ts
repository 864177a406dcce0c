/**
 * Perform one workflow action on a case: complete the step, return it,
 * request information, refer it to another agency, approve or reject it, or
 * (for the applicant and the referred agency) answer. One transaction holds
 * the case change (compare-and-set on its version: of two officers acting on
 * the same case at once, one succeeds and the other is told what happened),
 * the history entry, the application status change, the audit entry, the
 * emails, the webhooks and, for a decision, the outbox job that issues the
 * documents.
 */
import { createHash } from 'node:crypto';
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { checkUpload, FILE_KINDS, sniff, type Question } from '../forms/index.ts';
import { businessOwner, findApplication, insertFile, listHistory, nextStatus, transitionApplication, type Application, type HistoryEvent } from '../applications/index.ts';
import { accountSummaries } from '../identity/index.ts';
import type { ServiceVersion, WorkflowStep } from '../catalogue/index.ts';
import { recordTransactionFact } from '../kpi/index.ts';
import { isOfficerLike, serviceOf, stepsOf, type Actor, type Casework } from './casework.ts';
import { dueFor } from './deadlines.ts';
import { emailApplicant, emailOfficers } from './notify.ts';
import { changeCase, findCase, type CaseChange, type CaseRow } from './repository.ts';
import { nextInTurn } from './round-robin.ts';
import { emitWebhook } from './webhooks.ts';
import { fourEyesConflict, REFEREE_ROLES, transitionFor, type CaseAction, type CaseTransition } from './workflow.ts';

/** Outbox queue of decisions: the signatures module issues the documents, notifications may add its own messages. */
export const DECIDED_QUEUE = 'casework.decided';

export interface DecidedJob {
  applicationId: string;
  reference: string;
  serviceId: string;
  serviceVersion: number;
  agencyId: string;
  decision: 'approved' | 'rejected';
  /** what the definition says to issue on approval (output.type), or null */
  output: string | null;
  decidedAt: string;
  /** who decided: an officer, an agency system (API key) or the system */
  decidedBy: { type: 'officer' | 'api' | 'system'; id: string | null };
}

export interface ActInput {
  applicationId: string;
  actor: Actor;
  action: CaseAction;
  /** the case version the actor saw; a different current version is a conflict */
  version?: number | null;
  /** for officers only */
  comment?: string | null;
  /** for the applicant: a request, the reasons for a decision, or the applicant's answer */
  message?: string | null;
  toAgencyId?: string | null;
  /** documents sent with an answer to a request for information */
  uploads?: { name: string; bytes: Buffer }[];
  requestId?: string;
}

export interface ActResult { case: CaseRow; application: Application; transition: CaseTransition }

const MAX_TEXT = 5000;
/** What an applicant may attach to an answer: the same checks as an upload question allowing PDF, JPG and PNG up to 10 MB. */
export const ANSWER_UPLOAD: Question = { id: 'documents', type: 'file', label: 'Documents', accept: ['pdf', 'jpg', 'png'], maxSizeMb: 10 } as Question;
export const MAX_ANSWER_FILES = 5;

export function clean(text: string | null | undefined): string | null {
  const t = (text ?? '').replace(/\r\n/g, '\n').trim();
  return t ? t.slice(0, MAX_TEXT) : null;
}

/** The case as the actor may see it, or "not found" (someone else's case is never revealed). */
export function mayAccess(actor: Actor, c: CaseRow): boolean {
  if (isOfficerLike(actor)) return !!actor.agencyId && (actor.agencyId === c.agencyId || actor.agencyId === c.queueAgencyId);
  if (actor.type === 'citizen') return c.applicantId === actor.id || (!!actor.actingForUen && c.applicantId === businessOwner(actor.actingForUen));
  return actor.type === 'system';
}

/** Why this actor cannot perform this action now, as an AppError; null when they can. */
export function refusal(actor: Actor, c: CaseRow, action: CaseAction, steps: WorkflowStep[], history: Pick<HistoryEvent, 'type' | 'actorId' | 'stepId'>[], agencies: string[], assigneeName?: string): AppError | null {
  const t = transitionFor(c.state, action);
  if (!t) return new AppError('conflict', `casework.errors.notAllowed.${c.state}`, { action });
  const step = steps[c.stepIndex]!;
  if (t.by === 'step') {
    if (!isOfficerLike(actor) || actor.agencyId !== c.agencyId || c.queueAgencyId !== c.agencyId) return new AppError('forbidden', 'casework.errors.notYourQueue');
    if (!(step.actions as string[]).includes(action)) return new AppError('conflict', 'casework.errors.notAtThisStep', { action });
    if (!actor.roles.includes(step.role as never)) return new AppError('forbidden', 'casework.errors.roleNeeded', { role: step.role });
    if (actor.human && c.assigneeId && c.assigneeId !== actor.id) return new AppError('conflict', 'casework.errors.assignedToOther', { name: assigneeName ?? '' });
    if (fourEyesConflict(steps, history, c.stepIndex, actor.id)) return new AppError('forbidden', 'casework.errors.fourEyes');
    if (t.step === 'next' && !steps[c.stepIndex + 1]) return new AppError('conflict', 'casework.errors.lastStep');
    if (t.step === 'previous' && c.stepIndex === 0) return new AppError('conflict', 'casework.errors.firstStep');
    if (t.needs.includes('agency') && agencies.filter((a) => a !== c.agencyId).length === 0) return new AppError('conflict', 'casework.errors.noAgencyToReferTo');
    return null;
  }
  if (t.by === 'applicant') {
    if (actor.type === 'citizen') return mayAccess(actor, c) ? null : notFound('casework.errors.unknownCase');
    // an officer or agency system of the owning agency may record an answer received at a counter or on paper
    if (isOfficerLike(actor) && actor.agencyId === c.agencyId) return null;
    return new AppError('forbidden', 'casework.errors.notYourQueue');
  }
  // referee: the agency the case was referred to
  if (!isOfficerLike(actor) || actor.agencyId !== c.queueAgencyId || c.queueAgencyId === c.agencyId) return new AppError('forbidden', 'casework.errors.notYourQueue');
  if (!actor.roles.some((r) => REFEREE_ROLES.includes(r))) return new AppError('forbidden', 'casework.errors.roleNeeded', { role: REFEREE_ROLES.join(' / ') });
  return null;
}

function field(name: string, message: string) {
  return new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: name, message }] });
}

export async function actOnCase(cw: Casework, input: ActInput, db: Db = cw.ctx.db): Promise<ActResult> {
  const { ctx } = cw;
  const message = clean(input.message);
  const comment = clean(input.comment);
  return inTransaction(db, async (trx) => {
    const c = await findCase(trx, ctx.keys, input.applicationId);
    if (!c || !mayAccess(input.actor, c)) throw notFound('casework.errors.unknownCase');
    if (input.version !== undefined && input.version !== null && input.version !== c.version) {
      throw new AppError('conflict', 'casework.errors.stale', { reference: c.reference, version: c.version, yourVersion: input.version });
    }
    const service = await serviceOf(cw, c.serviceId, c.serviceVersion);
    const steps = stepsOf(service);
    const history = await listHistory(trx, ctx.keys, c.applicationId, { withComments: false });
    const assigneeName = c.assigneeId ? (await accountSummaries(trx, ctx.keys, [c.assigneeId])).get(c.assigneeId)?.displayName : undefined;
    const refused = refusal(input.actor, c, input.action, steps, history, cw.catalogue.agencies.map((a) => a.id), assigneeName);
    if (refused) throw refused;
    const t = transitionFor(c.state, input.action)!;

    // what must come with the action
    if (t.needs.includes('message') && !message) throw field('message', `casework.errors.needs.${input.action}`);
    if (t.needs.includes('comment') && !comment) throw field('comment', `casework.errors.needs.${input.action}`);
    const toAgency = t.needs.includes('agency') ? cw.catalogue.agency(input.toAgencyId ?? '') : undefined;
    if (t.needs.includes('agency') && (!toAgency || toAgency.id === c.agencyId)) throw field('toAgencyId', 'casework.errors.needs.agency');
    const uploads = input.uploads ?? [];
    if (uploads.length && input.action !== 'provide_information') throw field('documents', 'casework.errors.documentsOnlyWithAnswer');
    if (uploads.length > MAX_ANSWER_FILES) throw field('documents', 'casework.errors.tooManyDocuments');
    for (const u of uploads) {
      const check = checkUpload(ANSWER_UPLOAD, { size: u.bytes.length, bytes: u.bytes });
      if ('error' in check) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'documents', message: check.error.key, params: check.error.params as Record<string, string | number> }] });
    }

    const app = (await findApplication(trx, ctx.keys, c.applicationId))!;
    const cal = await cw.calendar.get();
    const nowDate = ctx.clock();
    const now = nowIso(nowDate);
    const today = cal.localDate(nowDate);
    const step = steps[c.stepIndex]!;
    const to = t.statusEvent ? nextStatus(app.status, t.statusEvent) : app.status;
    const change: CaseChange = { state: t.to, status: to };
    const data: Record<string, unknown> = { action: input.action };
    let newStep: WorkflowStep | null = null;

    if (t.step !== 'same') {
      const index = c.stepIndex + (t.step === 'next' ? 1 : -1);
      newStep = steps[index]!;
      const due = dueFor(cal, today, newStep.slaWorkingDays);
      const withThis = [...history, { type: t.event, actorId: input.actor.id, stepId: step.id }];
      const assignee = await nextInTurn(cw, trx, { agencyId: c.agencyId, serviceId: c.serviceId, step: newStep, excluded: (id) => fourEyesConflict(steps, withThis, index, id) });
      Object.assign(change, { stepId: newStep.id, stepIndex: index, stepRole: newStep.role, dueDate: due, escalated: false, assigneeId: assignee, stepStartedAt: now });
      Object.assign(data, { fromStepId: step.id, toStepId: newStep.id, dueDate: due, assigneeId: assignee, ...(assignee ? { autoAssigned: true } : {}) });
    }
    switch (input.action) {
      case 'request_information': {
        const daysLeft = c.dueDate ? cal.workingDaysBetween(today, c.dueDate) : 0;
        Object.assign(change, { dueDate: null, pausedDaysLeft: daysLeft });
        data.daysLeft = daysLeft;
        // the answer comes back to whoever asked
        if (input.actor.human && !c.assigneeId) { change.assigneeId = input.actor.id; data.assigneeId = input.actor.id; }
        break;
      }
      case 'provide_information': {
        const due = cal.addWorkingDays(today, c.pausedDaysLeft ?? 0);
        Object.assign(change, { dueDate: due, pausedDaysLeft: null });
        Object.assign(data, { dueDate: due, documents: uploads.length });
        break;
      }
      case 'refer':
        Object.assign(change, { queueAgencyId: toAgency!.id, referredByAgencyId: c.agencyId });
        data.toAgencyId = toAgency!.id;
        if (input.actor.human && !c.assigneeId) change.assigneeId = input.actor.id;
        break;
      case 'answer_referral':
        Object.assign(change, { queueAgencyId: c.agencyId, referredByAgencyId: null });
        data.fromAgencyId = c.queueAgencyId;
        break;
      case 'approve':
      case 'reject':
        Object.assign(change, { dueDate: null, closedAt: now, decision: input.action === 'approve' ? 'approved' : 'rejected' });
        break;
      default:
        break;
    }

    // the compare-and-set first: a concurrent action on this case waits here, then finds the version moved
    if (!(await changeCase(trx, c.applicationId, c.version, change, now))) {
      throw new AppError('conflict', 'casework.errors.stale', { reference: c.reference, yourVersion: c.version });
    }
    const result = await transitionApplication(trx, ctx.keys, {
      applicationId: c.applicationId, type: t.event, statusEvent: t.statusEvent, stepId: step.id, at: now, data, message, comment,
      actor: { type: input.actor.type, id: input.actor.id, agencyId: input.actor.agencyId },
    });
    if (uploads.length) {
      const requestSeq = [...history].reverse().find((e) => e.type === 'case.information_requested')?.seq ?? 0;
      for (const u of uploads) {
        const kind = sniff(u.bytes)!;
        const name = (u.name || `document.${kind}`).replace(/[\\/\u0000-\u001f]/g, '_').slice(0, 200);
        await insertFile(trx, ctx.keys, {
          applicationId: c.applicationId, questionId: `information-request:${requestSeq}`, name, type: FILE_KINDS[kind].mime, size: u.bytes.length,
          sha256: createHash('sha256').update(u.bytes).digest('hex'), content: u.bytes, uploadedBy: input.actor.id ?? 'system',
        });
      }
    }
    await appendAudit(trx, {
      stream: `application:${c.applicationId}`, action: `casework.${input.action}`, actorType: input.actor.type === 'system' ? 'system' : input.actor.type,
      actorId: input.actor.id, agencyId: input.actor.agencyId ?? c.agencyId, subjectType: 'application', subjectId: c.applicationId, requestId: input.requestId, at: now,
      data: { step: step.id, ...(newStep ? { toStep: newStep.id } : {}), ...(data.toAgencyId ? { toAgency: data.toAgencyId } : {}), status: to },
    });
    if (result.to !== result.from) {
      await emitWebhook(trx, { agencyId: c.agencyId, type: 'application.status_changed', applicationId: c.applicationId, at: now, data: { reference: c.reference, serviceId: c.serviceId, status: result.to, previousStatus: result.from, stepId: newStep?.id ?? step.id, channel: c.channel, sequence: result.seq } });
    }
    await consequences(cw, trx, { c, app: result.application, service, action: input.action, actor: input.actor, message, now });
    const updated = (await findCase(trx, ctx.keys, c.applicationId))!;
    return { case: updated, application: result.application, transition: t };
  });
}

/** Decisions have consequences: documents to issue, people to tell. */
async function consequences(cw: Casework, trx: Db, p: { c: CaseRow; app: Application; service: ServiceVersion; action: CaseAction; actor: Actor; message: string | null; now: string }): Promise<void> {
  const { c, app, service } = p;
  switch (p.action) {
    case 'approve':
    case 'reject': {
      const decision = p.action === 'approve' ? 'approved' : 'rejected';
      const job: DecidedJob = {
        applicationId: c.applicationId, reference: c.reference, serviceId: c.serviceId, serviceVersion: c.serviceVersion, agencyId: c.agencyId,
        decision, output: service.definition.output?.type ?? null, decidedAt: p.now,
        decidedBy: { type: p.actor.type === 'citizen' ? 'system' : p.actor.type, id: p.actor.id },
      };
      await enqueue(trx, DECIDED_QUEUE, job, { dedupeKey: `${DECIDED_QUEUE}:${c.applicationId}` });
      // the scorecard counts the decision (and, without a document to issue, the completed transaction) at once
      await recordTransactionFact(trx, c.applicationId, {
        agencyId: c.agencyId, serviceId: c.serviceId, channel: c.channel, audience: app.actingForUen ? 'business' : 'citizen', decidedAt: p.now, decision, at: p.now,
      });
      await emailApplicant(cw, trx, app, service, decision, p.message);
      break;
    }
    case 'request_information':
      await emailApplicant(cw, trx, app, service, 'infoRequested', p.message);
      break;
    case 'provide_information':
      if (c.assigneeId) {
        const officer = (await accountSummaries(trx, cw.ctx.keys, [c.assigneeId])).get(c.assigneeId);
        if (officer) await emailOfficers(cw, trx, [officer], 'answered', { reference: c.reference, applicationId: c.applicationId, service });
      }
      break;
    default:
      break;
  }
}
