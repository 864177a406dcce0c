/**
 * Application states as data: the allowed transitions (from, event, to).
 * Anything not listed is refused. Casework adds its own rows.
 */
import { AppError } from '../../platform/errors/index.ts';

export type Status = 'draft' | 'submitted' | 'in_review' | 'info_requested' | 'approved' | 'rejected' | 'withdrawn';

export interface Transition { from: Status; event: string; to: Status }

export const TRANSITIONS: Transition[] = [
  { from: 'draft', event: 'submit', to: 'submitted' },
  { from: 'draft', event: 'discard', to: 'withdrawn' },
  { from: 'submitted', event: 'withdraw', to: 'withdrawn' },
  // casework (src/modules/casework/workflow.ts says which officer action sends which event)
  { from: 'submitted', event: 'start_review', to: 'in_review' },
  { from: 'in_review', event: 'start_review', to: 'in_review' },
  { from: 'submitted', event: 'request_information', to: 'info_requested' },
  { from: 'in_review', event: 'request_information', to: 'info_requested' },
  { from: 'info_requested', event: 'provide_information', to: 'in_review' },
  { from: 'submitted', event: 'approve', to: 'approved' },
  { from: 'in_review', event: 'approve', to: 'approved' },
  { from: 'submitted', event: 'reject', to: 'rejected' },
  { from: 'in_review', event: 'reject', to: 'rejected' },
];

export function nextStatus(from: Status, event: string, table: Transition[] = TRANSITIONS): Status {
  const t = table.find((x) => x.from === from && x.event === event);
  if (!t) throw new AppError('conflict', 'applications.errors.notAllowedNow', { from, event });
  return t.to;
}

/** Statuses shown to applicants as coloured tags. */
export const STATUS_TAG: Record<Status, string> = {
  draft: 'govuk-tag--grey',
  submitted: 'govuk-tag--blue',
  in_review: 'govuk-tag--light-blue',
  info_requested: 'govuk-tag--yellow',
  approved: 'govuk-tag--green',
  rejected: 'govuk-tag--red',
  withdrawn: 'govuk-tag--grey',
};
