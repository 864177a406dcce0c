/**
 * The payments module enqueues `payments.succeeded` in the payment's
 * transaction; this handler tells the applicant (payment_received). It runs in
 * one transaction with the job's completion and notify() is keyed by the
 * payment, so a job run twice still tells them once.
 */
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { formatDate, formatMoney } from '../../platform/views/index.ts';
import { notify } from './notify.ts';

export const PAYMENT_SUCCEEDED_QUEUE = 'payments.succeeded';

export interface PaymentSucceeded {
  applicationId: string | null;
  paymentId: string;
  amountCents: number;
  currency: string;
  paymentReference: string;
  paidAt: string;
}

export function paymentReceivedJob(): JobDefinition<PaymentSucceeded> {
  return {
    queue: PAYMENT_SUCCEEDED_QUEUE,
    transactional: true,
    async handle(p, { db }) {
      if (!p.applicationId) return; // a payment for nothing an applicant follows (e.g. a fine paid without signing in)
      await notify(db, {
        event: 'payment_received', applicationId: p.applicationId, dedupeKey: `payment:${p.paymentId}`,
        personalisation: { amount: formatMoney(p.amountCents, p.currency), payment_reference: p.paymentReference, paid_on: (lang) => formatDate(p.paidAt, lang) },
      });
    },
  };
}
