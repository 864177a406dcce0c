/**
 * Move an application along its status table and record the step in its
 * history, in the caller's transaction. Casework calls this for every officer
 * action: the status change (if any) and the history entry commit together
 * with the caller's own changes, audit entry and outbox jobs.
 */
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendEvent, findApplication, setStatus, type Application } from './repository.ts';
import { nextStatus, type Status } from './status.ts';

export interface TransitionInput {
  applicationId: string;
  /** the history entry's type, e.g. "case.step_completed" */
  type: string;
  /** the status event (a row of TRANSITIONS), or null for an entry that changes no status */
  statusEvent: string | null;
  actor: { type: string; id?: string | null; agencyId?: string | null };
  stepId?: string | null;
  data?: Record<string, unknown>;
  message?: string | null;
  comment?: string | null;
  at: string;
}

export interface TransitionResult { application: Application; from: Status; to: Status; seq: number }

export async function transitionApplication(trx: Db, keys: KeyRing, input: TransitionInput): Promise<TransitionResult> {
  if (!trx.isTransaction) throw new Error('transitionApplication runs inside the caller\'s transaction');
  const app = await findApplication(trx, keys, input.applicationId);
  if (!app) throw new AppError('not_found', 'applications.errors.unknownApplication');
  const from = app.status;
  const to = input.statusEvent ? nextStatus(from, input.statusEvent) : from;
  if (to !== from && !(await setStatus(trx, app.id, from, to, input.at))) throw new AppError('conflict', 'applications.errors.busy');
  const seq = await appendEvent(trx, {
    applicationId: app.id, type: input.type, from, to, actorType: input.actor.type, actorId: input.actor.id ?? null,
    actorAgencyId: input.actor.agencyId ?? null, stepId: input.stepId ?? null, data: input.data, message: input.message, comment: input.comment, at: input.at,
  }, keys);
  return { application: { ...app, status: to }, from, to, seq };
}
