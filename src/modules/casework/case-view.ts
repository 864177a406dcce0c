/**
 * Everything the case page (and GET /api/v1/applications/{id}) shows: the
 * answers with where each came from, documents, payment and signature panels
 * from the modules that have them, the full history, internal notes, the
 * deadline in working days, and what this officer may do now. Each view is
 * written to the audit log as a read of the applicant's data.
 */
import type { Db } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import type { Role } from '../../platform/http/index.ts';
import { findApplication, listFiles, listHistory, type Application, type FileSummary, type HistoryEvent } from '../applications/index.ts';
import type { ServiceVersion, WorkflowStep } from '../catalogue/index.ts';
import { accountSummaries, listAgencyOfficers, type AccountSummary } from '../identity/index.ts';
import { isOfficerLike, serviceOf, stepsOf, type Actor, type Casework } from './casework.ts';
import { mayAccess, refusal } from './act-on-case.ts';
import { SUPERVISOR_ROLES } from './assign-case.ts';
import { deadlineOf, type Deadline } from './deadlines.ts';
import { ensureCase } from './open-case.ts';
import type { CasePanel } from './panels.ts';
import { listNotes, type CaseRow, type Note } from './repository.ts';
import { CASE_ACTIONS, fourEyesConflict, type CaseAction } from './workflow.ts';

export interface CaseView {
  case: CaseRow;
  application: Application;
  service: ServiceVersion;
  steps: WorkflowStep[];
  step: WorkflowStep;
  deadline: Deadline;
  history: HistoryEvent[];
  files: FileSummary[];
  notes: Note[];
  people: Map<string, AccountSummary>;
  /** actions this actor may perform now */
  allowed: CaseAction[];
  /** why this actor cannot act at the current step (when that is the reason), e.g. four eyes */
  blocked: AppError | null;
  canTake: boolean;
  canAssign: boolean;
  canRelease: boolean;
  /** officers the case may be assigned to at this step */
  colleagues: AccountSummary[];
  panels: CasePanel[];
  /** agencies a case may be referred to */
  agencies: { id: string; name: unknown }[];
}

export async function loadCase(cw: Casework, applicationId: string, actor: Actor, db: Db = cw.ctx.db): Promise<CaseRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(applicationId)) throw notFound('casework.errors.unknownCase');
  const c = await ensureCase(cw, applicationId, db);
  if (!c || !isOfficerLike(actor) || !mayAccess(actor, c)) throw notFound('casework.errors.unknownCase');
  return c;
}

export async function viewCase(cw: Casework, input: { applicationId: string; actor: Actor; lang: Lang; requestId?: string; db?: Db; purpose?: string }): Promise<CaseView> {
  const { ctx } = cw;
  const db = input.db ?? ctx.db;
  const c = await loadCase(cw, input.applicationId, input.actor, db);
  const application = (await findApplication(db, ctx.keys, c.applicationId))!;
  const service = await serviceOf(cw, c.serviceId, c.serviceVersion);
  const steps = stepsOf(service);
  const step = steps[c.stepIndex]!;
  const history = await listHistory(db, ctx.keys, c.applicationId, { withComments: true });
  const [files, notes, cal] = await Promise.all([listFiles(db, ctx.keys, c.applicationId), listNotes(db, ctx.keys, c.applicationId), cw.calendar.get()]);
  const agencies = cw.catalogue.agencies.map((a) => a.id);
  const ids = [c.applicantId, c.assigneeId, ...history.map((e) => e.actorId), ...history.map((e) => (e.data as any).assigneeId), ...notes.map((n) => n.authorId)].filter((x): x is string => typeof x === 'string');
  const people = await accountSummaries(db, ctx.keys, ids);
  const assigneeName = c.assigneeId ? people.get(c.assigneeId)?.displayName : undefined;
  const actor = input.actor;
  const allowed = CASE_ACTIONS.filter((a) => !refusal(actor, c, a, steps, history, agencies, assigneeName));
  const stepActions = step.actions as CaseAction[];
  const firstStepRefusal = stepActions.map((a) => refusal(actor, c, a, steps, history, agencies, assigneeName)).find((e) => e && e.message !== 'casework.errors.notAtThisStep');
  const blocked = allowed.length || c.state === 'closed' ? null : firstStepRefusal ?? null;

  const officerHere = actor.type === 'officer' && actor.agencyId === c.agencyId && c.queueAgencyId === c.agencyId && (c.state === 'queued' || c.state === 'with_applicant');
  const holdsStep = actor.roles.includes(step.role as Role);
  const supervises = actor.roles.some((r) => SUPERVISOR_ROLES.includes(r));
  const canTake = officerHere && holdsStep && c.assigneeId !== actor.id && !fourEyesConflict(steps, history, c.stepIndex, actor.id);
  const canAssign = officerHere && (holdsStep || supervises);
  const canRelease = officerHere && !!c.assigneeId && (c.assigneeId === actor.id || holdsStep || supervises);
  const colleagues = canAssign
    ? (await listAgencyOfficers(db, ctx.keys, c.agencyId)).filter((o) => o.roles.includes(step.role as Role) && !fourEyesConflict(steps, history, c.stepIndex, o.id))
    : [];
  const panels = (await Promise.all(cw.panels.map((p) => p.describe({ id: c.applicationId, serviceId: c.serviceId, agencyId: c.agencyId, reference: c.reference }, input.lang, db).catch((err) => {
    ctx.log.warn({ err, panel: p.id }, 'a case page panel failed');
    return null;
  })))).filter((p): p is CasePanel => !!p);

  // a read of the applicant's data by an officer or agency system
  await appendAudit(db, {
    stream: `application:${c.applicationId}`, action: 'casework.case_viewed', actorType: actor.type === 'api' ? 'api' : 'officer', actorId: actor.id, agencyId: actor.agencyId,
    onBehalfOf: null, subjectType: 'application', subjectId: c.applicationId, requestId: input.requestId,
    data: { purpose: input.purpose ?? 'casework', items: ['answers', 'documents', 'history'] },
  });

  return {
    case: c, application, service, steps, step, deadline: deadlineOf(cal, c, ctx.clock()), history, files, notes, people, allowed, blocked,
    canTake, canAssign, canRelease, colleagues, panels,
    agencies: cw.catalogue.agencies.filter((a) => a.id !== c.agencyId).map((a) => ({ id: a.id, name: a.name })),
  };
}
