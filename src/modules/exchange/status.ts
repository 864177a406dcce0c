/**
 * A sharing request's states and the steps between them, as data: anything
 * not in the table is refused. "approved" is the only state with access.
 */
export const REQUEST_STATES = ['submitted', 'questions', 'approved', 'rejected', 'withdrawn', 'revoked', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export type RequestEvent = 'submit' | 'ask' | 'answer' | 'approve' | 'reject' | 'withdraw' | 'revoke' | 'expire';

export const REQUEST_TRANSITIONS: readonly { from: RequestState | null; event: RequestEvent; to: RequestState; by: 'requester' | 'owner' | 'system' | 'either' }[] = [
  { from: null, event: 'submit', to: 'submitted', by: 'requester' },
  { from: 'submitted', event: 'ask', to: 'questions', by: 'owner' },
  { from: 'questions', event: 'answer', to: 'submitted', by: 'requester' },
  { from: 'submitted', event: 'approve', to: 'approved', by: 'owner' },
  { from: 'submitted', event: 'reject', to: 'rejected', by: 'owner' },
  { from: 'questions', event: 'reject', to: 'rejected', by: 'owner' },
  { from: 'submitted', event: 'withdraw', to: 'withdrawn', by: 'requester' },
  { from: 'questions', event: 'withdraw', to: 'withdrawn', by: 'requester' },
  { from: 'approved', event: 'revoke', to: 'revoked', by: 'either' },
  { from: 'approved', event: 'expire', to: 'expired', by: 'system' },
];

export function nextState(from: RequestState | null, event: RequestEvent): RequestState | null {
  return REQUEST_TRANSITIONS.find((t) => t.from === from && t.event === event)?.to ?? null;
}

/** States in which the data owner still has to decide (the 7-working-day clock runs). */
export const OPEN_STATES: readonly RequestState[] = ['submitted', 'questions'];

export const STATE_TAG: Record<RequestState, string> = {
  submitted: 'govuk-tag--blue', questions: 'govuk-tag--yellow', approved: 'govuk-tag--green', rejected: 'govuk-tag--red',
  withdrawn: 'govuk-tag--grey', revoked: 'govuk-tag--red', expired: 'govuk-tag--grey',
};
