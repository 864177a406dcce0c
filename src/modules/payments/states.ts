/**
 * Payment states as data (GOV.UK Pay's connector keeps its states the same
 * way): every allowed transition with the event that causes it. Anything not
 * in the table is refused, and the refusal is logged.
 *
 *   created -> started (the payer opened next_url) -> submitted (card details
 *   sent to the provider) -> success | failed | error; cancelled before the card
 *   details are sent (once the provider has them only its answer ends the
 *   payment, so money taken is never left on a cancelled payment); expired
 *   before a result. PayNow: started -> success on the bank's credit.
 */
import { AppError } from '../../platform/errors/index.ts';

export const PAYMENT_STATES = ['created', 'started', 'submitted', 'success', 'failed', 'cancelled', 'expired', 'error'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export const FINISHED: ReadonlySet<PaymentState> = new Set(['success', 'failed', 'cancelled', 'expired', 'error']);

export interface PaymentTransition { from: PaymentState; event: string; to: PaymentState }

export const PAYMENT_TRANSITIONS: readonly PaymentTransition[] = [
  { from: 'created', event: 'payer_started', to: 'started' },
  { from: 'started', event: 'card_submitted', to: 'submitted' },
  { from: 'submitted', event: 'authorised', to: 'success' },
  { from: 'submitted', event: 'declined', to: 'failed' },
  { from: 'submitted', event: 'provider_error', to: 'error' },
  // a challenge (3-D Secure) keeps the payment submitted until the payer answers it
  { from: 'submitted', event: 'challenge_failed', to: 'failed' },
  // PayNow: the bank's credit notification or a statement line confirms it
  { from: 'created', event: 'credit_received', to: 'success' },
  { from: 'started', event: 'credit_received', to: 'success' },
  { from: 'created', event: 'cancelled', to: 'cancelled' },
  { from: 'started', event: 'cancelled', to: 'cancelled' },
  { from: 'created', event: 'expired', to: 'expired' },
  { from: 'started', event: 'expired', to: 'expired' },
  { from: 'submitted', event: 'expired', to: 'expired' },
];

export function paymentTransition(from: PaymentState, event: string): PaymentState | null {
  return PAYMENT_TRANSITIONS.find((t) => t.from === from && t.event === event)?.to ?? null;
}

export class RefusedTransition extends AppError {
  constructor(readonly from: PaymentState, readonly event: string) {
    super('conflict', 'payments.errors.notAllowedNow', { from, event });
  }
}
