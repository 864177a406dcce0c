/**
 * The workflow engine's rules, as data. A case is at one step of its
 * service's workflow (the definition version it was submitted on) and in one
 * state; CASE_TRANSITIONS lists every (state, action) -> state the engine
 * accepts, which way the step moves and which application status event it
 * sends (a row of applications' TRANSITIONS). Anything not listed is refused.
 *
 * Each action is one entry in the application's append-only history
 * (application_events); the case row the queues read is a cache of
 * deriveCase(history), and a test checks the two agree.
 */
import type { Role } from '../../platform/http/index.ts';
import type { WorkflowStep } from '../catalogue/index.ts';
import type { HistoryEvent } from '../applications/index.ts';

export type CaseState = 'queued' | 'with_applicant' | 'referred' | 'closed';
export const CASE_STATES: CaseState[] = ['queued', 'with_applicant', 'referred', 'closed'];

/** Actions a workflow step can allow (catalogue WORKFLOW_ACTIONS). */
export type StepAction = 'approve' | 'reject' | 'request_information' | 'refer' | 'return' | 'complete_step';
/** Every action that moves a case: the step's actions and the two answers (applicant, referred agency). */
export type CaseAction = StepAction | 'provide_information' | 'answer_referral';
export const CASE_ACTIONS: CaseAction[] = ['complete_step', 'request_information', 'refer', 'return', 'approve', 'reject', 'provide_information', 'answer_referral'];

export interface CaseTransition {
  from: CaseState;
  action: CaseAction;
  to: CaseState;
  step: 'same' | 'next' | 'previous';
  /** the application status event this sends, or null for none */
  statusEvent: string | null;
  /** the history entry it writes */
  event: string;
  /** who performs it: an officer of the agency holding the step, the applicant, or the agency the case was referred to */
  by: 'step' | 'applicant' | 'referee';
  /** what must be written with it */
  needs: ('message' | 'comment' | 'agency')[];
}

export const CASE_TRANSITIONS: CaseTransition[] = [
  { from: 'queued', action: 'complete_step', to: 'queued', step: 'next', statusEvent: 'start_review', event: 'case.step_completed', by: 'step', needs: [] },
  { from: 'queued', action: 'return', to: 'queued', step: 'previous', statusEvent: 'start_review', event: 'case.returned', by: 'step', needs: ['comment'] },
  { from: 'queued', action: 'request_information', to: 'with_applicant', step: 'same', statusEvent: 'request_information', event: 'case.information_requested', by: 'step', needs: ['message'] },
  { from: 'with_applicant', action: 'provide_information', to: 'queued', step: 'same', statusEvent: 'provide_information', event: 'case.information_provided', by: 'applicant', needs: ['message'] },
  { from: 'queued', action: 'refer', to: 'referred', step: 'same', statusEvent: 'start_review', event: 'case.referred', by: 'step', needs: ['agency', 'comment'] },
  { from: 'referred', action: 'answer_referral', to: 'queued', step: 'same', statusEvent: null, event: 'case.referral_answered', by: 'referee', needs: ['comment'] },
  { from: 'queued', action: 'approve', to: 'closed', step: 'same', statusEvent: 'approve', event: 'case.approved', by: 'step', needs: [] },
  { from: 'queued', action: 'reject', to: 'closed', step: 'same', statusEvent: 'reject', event: 'case.rejected', by: 'step', needs: ['message'] },
];

export function transitionFor(state: CaseState, action: CaseAction): CaseTransition | undefined {
  return CASE_TRANSITIONS.find((t) => t.from === state && t.action === action);
}

/** History entries that are an officer's decision at a step (what four eyes looks at). */
export const STEP_DECISION_EVENTS = new Set(CASE_TRANSITIONS.filter((t) => t.by === 'step').map((t) => t.event));

/** Who hears about a breached deadline, by the role of the step, unless the step names its own supervisors. */
export const DEFAULT_SUPERVISORS: Record<string, Role[]> = {
  case_officer: ['approver', 'agency_admin'],
  approver: ['agency_admin'],
  agency_admin: ['agency_admin'],
  auditor: ['agency_admin'],
  kpi_viewer: ['agency_admin'],
};

export function supervisorsOf(step: WorkflowStep): Role[] {
  return (step.supervisors as Role[] | undefined) ?? DEFAULT_SUPERVISORS[step.role] ?? ['agency_admin'];
}

/** Roles that may answer a referral for the agency it was sent to. */
export const REFEREE_ROLES: Role[] = ['case_officer', 'approver'];

/** Due soon: this many working days or fewer left. */
export const DUE_SOON_WORKING_DAYS = 2;

/**
 * Four eyes: at a step marked fourEyes, nobody who made a decision at an
 * earlier step of this application (complete, return, request information,
 * refer, approve, reject) may act. API keys count as their own actor.
 */
export function fourEyesConflict(steps: WorkflowStep[], history: Pick<HistoryEvent, 'type' | 'actorId' | 'stepId'>[], stepIndex: number, actorId: string | null): boolean {
  const step = steps[stepIndex];
  if (!step?.fourEyes || !actorId) return false;
  return history.some((e) => {
    if (!STEP_DECISION_EVENTS.has(e.type) || e.actorId !== actorId || !e.stepId) return false;
    const i = steps.findIndex((s) => s.id === e.stepId);
    return i >= 0 && i < stepIndex;
  });
}

export interface DerivedCase {
  state: CaseState;
  stepId: string;
  stepIndex: number;
  queueAgencyId: string;
  referredByAgencyId: string | null;
  assigneeId: string | null;
  dueDate: string | null;
  pausedDaysLeft: number | null;
  escalated: boolean;
  decision: 'approved' | 'rejected' | null;
  version: number;
}

/**
 * The case as its history says it is: fold the application's history entries
 * (each carries what it decided, e.g. the new due date) into the current state.
 */
export function deriveCase(history: Pick<HistoryEvent, 'type' | 'data' | 'stepId' | 'actorAgencyId'>[], steps: WorkflowStep[]): DerivedCase | null {
  let c: DerivedCase | null = null;
  for (const e of history) {
    const d = e.data as Record<string, any>;
    if (e.type === 'case.opened') {
      c = {
        state: 'queued', stepId: d.stepId, stepIndex: steps.findIndex((s) => s.id === d.stepId), queueAgencyId: d.agencyId, referredByAgencyId: null,
        assigneeId: null, dueDate: d.dueDate, pausedDaysLeft: null, escalated: false, decision: null, version: 1,
      };
      continue;
    }
    if (!c || !e.type.startsWith('case.')) continue;
    c.version++;
    switch (e.type) {
      case 'case.assigned': c.assigneeId = d.assigneeId; break;
      case 'case.released': c.assigneeId = null; break;
      case 'case.escalated': c.escalated = true; break;
      case 'case.step_completed':
      case 'case.returned':
        c.stepId = d.toStepId; c.stepIndex = steps.findIndex((s) => s.id === d.toStepId); c.dueDate = d.dueDate; c.escalated = false; c.assigneeId = d.assigneeId ?? null;
        break;
      case 'case.information_requested': c.state = 'with_applicant'; c.pausedDaysLeft = d.daysLeft; c.dueDate = null; break;
      case 'case.information_provided': c.state = 'queued'; c.pausedDaysLeft = null; c.dueDate = d.dueDate; break;
      case 'case.referred': c.state = 'referred'; c.referredByAgencyId = c.queueAgencyId; c.queueAgencyId = d.toAgencyId; break;
      case 'case.referral_answered': c.state = 'queued'; c.queueAgencyId = c.referredByAgencyId ?? c.queueAgencyId; c.referredByAgencyId = null; break;
      case 'case.approved': c.state = 'closed'; c.decision = 'approved'; c.dueDate = null; break;
      case 'case.rejected': c.state = 'closed'; c.decision = 'rejected'; c.dueDate = null; break;
      default: break;
    }
  }
  return c;
}

export type DeadlineStatus = 'overdue' | 'due_soon' | 'on_time' | 'paused' | 'none';
