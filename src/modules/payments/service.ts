/**
 * The payments service: what every use case of the module shares (context,
 * catalogue, the card provider, the registry that proves concessions), and
 * the one place a payment changes state: applyEvent() checks the transition
 * table, moves the row on (optimistic: the row's rev), appends the event and
 * the audit entry, and on success writes the ledger entry, submits the
 * application and queues 'payments.succeeded', all in the caller's transaction.
 */
import { appendAudit } from '../../platform/audit/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { nowIso, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { applicantContact, findApplication, listEvents, submitApplication } from '../applications/index.ts';
import { recordTransactionFact } from '../kpi/index.ts';
import type { ConcessionRegistry } from './concessions.ts';
import type { CardProvider } from './providers.ts';
import { appendLedger, appendPaymentEvent, findPayment, updatePayment, type Payment } from './repository.ts';
import { FINISHED, paymentTransition, RefusedTransition } from './states.ts';
import { emitPaymentEvent } from './webhooks.ts';

/** Outbox queue of "a payment succeeded" (the notifications module sends "payment received"). */
export const PAYMENTS_SUCCEEDED_QUEUE = 'payments.succeeded';
export interface PaymentSucceededJob { applicationId: string | null; paymentId: string; amountCents: number; currency: string; paymentReference: string; paidAt: string }

/** A payment not completed within 90 minutes expires. */
export const PAYMENT_EXPIRY_MS = 90 * 60_000;

export interface Payments {
  ctx: AppContext;
  catalogue: Catalogue;
  card: CardProvider;
  registry: ConcessionRegistry;
  /** the secret the bank signs PayNow credit notifications with */
  paynowWebhookSecret: string;
}

export interface Actor { type: 'citizen' | 'officer' | 'api' | 'system'; id?: string | null; agencyId?: string | null }

/** The service version an application was started on, read before any transaction (the catalogue may read the database). */
export async function serviceForPayment(p: Payments, payment: Pick<Payment, 'applicationId'>): Promise<ServiceVersion | null> {
  if (!payment.applicationId) return null;
  const app = await findApplication(p.ctx.db, p.ctx.keys, payment.applicationId);
  return app ? (await p.catalogue.getVersion(app.serviceId, app.serviceVersion)) ?? null : null;
}

export async function applyEvent(p: Payments, trx: Db, payment: Payment, input: { event: string; actor: Actor; patch?: Record<string, unknown>; data?: Record<string, unknown>; service?: ServiceVersion | null; requestId?: string }): Promise<Payment> {
  if (!trx.isTransaction) throw new Error('applyEvent runs inside the caller\'s transaction');
  const to = paymentTransition(payment.state, input.event);
  if (!to) {
    p.ctx.log.warn({ payment: payment.id, from: payment.state, event: input.event }, 'refused a payment state change that is not in the transition table');
    throw new RefusedTransition(payment.state, input.event);
  }
  const now = p.ctx.clock();
  const patch: Record<string, unknown> = { state: to, ...(input.patch ?? {}) };
  if (to === 'success') patch.paid_at = nowIso(now);
  if (!(await updatePayment(trx, payment, patch, nowIso(now)))) throw new AppError('conflict', 'payments.errors.busy');
  await appendPaymentEvent(trx, payment.id, { event: input.event, from: payment.state, to, actorType: input.actor.type, actorId: input.actor.id ?? null, data: input.data ?? {}, at: nowIso(now) });
  await appendAudit(trx, {
    stream: `payment:${payment.id}`, action: `payments.${input.event}`, actorType: input.actor.type, actorId: input.actor.id ?? null, agencyId: payment.agencyId,
    subjectType: 'payment', subjectId: payment.id, requestId: input.requestId, data: { from: payment.state, to, amount: payment.amount, ...(input.data ?? {}) },
  });
  const moved = (await findPayment(trx, payment.id))!;
  await emitPaymentEvent(trx, moved, input.event, nowIso(now));
  if (to === 'success') await onSuccess(p, trx, moved, input.service ?? null, input.requestId);
  return moved;
}

async function onSuccess(p: Payments, trx: Db, payment: Payment, service: ServiceVersion | null, requestId?: string): Promise<void> {
  const paidAt = payment.paidAt ?? nowIso(p.ctx.clock());
  await appendLedger(trx, {
    agencyId: payment.agencyId, paymentId: payment.id, applicationId: payment.applicationId, kind: 'charge', amount: payment.amount, currency: payment.currency,
    provider: payment.provider, providerRef: payment.providerId ?? payment.billReference, dedupeKey: `charge:${payment.id}`, at: new Date(paidAt),
  });
  await enqueue(trx, PAYMENTS_SUCCEEDED_QUEUE, {
    applicationId: payment.applicationId, paymentId: payment.id, amountCents: payment.amount, currency: payment.currency, paymentReference: payment.reference, paidAt,
  } satisfies PaymentSucceededJob, { dedupeKey: `${PAYMENTS_SUCCEEDED_QUEUE}:${payment.id}` });
  // the scorecard: this transaction's fee was paid online
  if (payment.applicationId) await recordTransactionFact(trx, payment.applicationId, { feeCharged: payment.amount, paidOnline: true });
  if (payment.applicationId && service) await submitPaidApplication(p, trx, service, payment.applicationId, payment.payerId, { paymentId: payment.id, requestId });
}

/**
 * Submit the draft that was paid for (or whose fee was waived), in the caller's
 * transaction. If its answers are no longer valid (say a date has passed) the
 * payment still stands and the draft stays, marked paid: the applicant corrects
 * it and sends it without paying again.
 */
export async function submitPaidApplication(p: Payments, trx: Db, service: ServiceVersion, applicationId: string, payerId: string | null, extra: { paymentId?: string; requestId?: string }): Promise<{ reference: string | null }> {
  const app = await findApplication(trx, p.ctx.keys, applicationId);
  if (!app) return { reference: null };
  if (app.status !== 'draft') return { reference: app.reference };
  const signed = service.definition.signatureRequired ? (await listEvents(trx, app.id)).filter((e) => e.type === 'signed').at(-1) : undefined;
  const signatureId = typeof signed?.data?.signatureId === 'string' ? signed.data.signatureId : undefined;
  if (service.definition.signatureRequired && !signatureId) return { reference: null };
  const contact = await applicantContact(p.ctx, trx, app);
  const officer = !!app.recordedBy && app.recordedBy === payerId;
  const by: Principal = {
    id: payerId ?? app.applicantId, kind: officer ? 'officer' : 'citizen', displayName: contact.name ?? '', email: officer ? null : contact.email, roles: [],
    agencyId: officer ? app.agencyId : null, actingFor: null, sessionId: '',
  };
  const result = await submitApplication(p.ctx, service, { applicationId: app.id, by, trx, signatureId, requestId: extra.requestId });
  if (!result.ok) {
    p.ctx.log.warn({ application: app.id, payment: extra.paymentId }, 'a paid application could not be submitted: its answers need correcting (the payment stands)');
    return { reference: null };
  }
  return { reference: result.reference };
}

export const isFinished = (payment: Pick<Payment, 'state'>): boolean => FINISHED.has(payment.state);
