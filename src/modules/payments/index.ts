/**
 * Payments: fees from the service definition (fixed, by answer, concessions
 * proven from the registry, GST), the journey's fee step (the application is
 * submitted in the transaction that records the payment's success), a
 * GOV.UK Pay-shaped API for agency systems, states as data, the sandbox card
 * provider and PayNow (dynamic SGQR; bank credit webhook or statement import),
 * refunds, an append-only ledger, daily reconciliation and the finance export.
 * See docs/payments.md.
 *
 * For other modules:
 *   - casework: `paymentsPanel(payments)` on the case page;
 *   - KPIs: `paymentFacts(db, applicationId)` -> { feeCents, paidOnline, method };
 *   - notifications: define a handler for PAYMENTS_SUCCEEDED_QUEUE ('payments.succeeded'),
 *     payload PaymentSucceededJob { applicationId, paymentId, amountCents, currency, paymentReference, paidAt };
 *   - catalogue / services-check: `offersEPayment(definition)`.
 */
import type { AppContext } from '../../platform/context.ts';
import type { App } from '../../platform/http/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import type { Application } from '../applications/index.ts';
import type { ConcessionRegistry } from './concessions.ts';
import { recordsRegistry } from './concessions.ts';
import type { CardProvider } from './providers.ts';
import { SandboxCardProvider } from './providers.ts';
import { StripeCardProvider } from './stripe.ts';
import { registerPaymentApi } from './api.ts';
import { paymentStepNeeded, registerPaymentRoutes } from './routes.ts';
import type { Payments } from './service.ts';
import { SWEEP_QUEUE, sweepJob } from './sweep.ts';
import { paymentWebhookJob } from './webhooks.ts';

export { PAYMENTS_SUCCEEDED_QUEUE, PAYMENT_EXPIRY_MS, type Payments, type PaymentSucceededJob } from './service.ts';
export { chargesFee, offersEPayment, feeDue, CONCESSION_FACTS, type FeeDue, type ConcessionFact } from './fees.ts';
export { paymentFacts, paymentsPanel, type PaymentFacts } from './facts.ts';
export { paymentStepNeeded } from './routes.ts';
export { PAYMENT_STATES, PAYMENT_TRANSITIONS, type PaymentState } from './states.ts';
export { paynowPayload, parseTlv, crc16, crcValid } from './sgqr.ts';
export { SandboxCardProvider, TEST_CARDS, SANDBOX_CHALLENGE_CODE, type CardProvider } from './providers.ts';
export { recordsRegistry, type ConcessionRegistry } from './concessions.ts';
export { StripeCardProvider, type StripeOptions } from './stripe.ts';
export { reconcile, ledgerCsv } from './reconcile.ts';
export { sweep, SWEEP_QUEUE } from './sweep.ts';
export { signNotification } from './paynow.ts';
export { createPaymentEndpoint, listPaymentDeliveries, replayDelivery, paymentWebhookJob, PAYMENT_WEBHOOK_QUEUE, PAYMENT_WEBHOOK_RETRY_MS } from './webhooks.ts';

export interface PaymentsOptions {
  card?: CardProvider;
  registry?: ConcessionRegistry;
  /** the secret the bank signs PayNow credit notifications with (default: from CIVITAS_PAYNOW_WEBHOOK_SECRET, or a demo value in demo mode) */
  paynowWebhookSecret?: string;
}

export function createPayments(ctx: AppContext, catalogue: Catalogue, opts: PaymentsOptions = {}): Payments {
  const secret = opts.paynowWebhookSecret ?? process.env.CIVITAS_PAYNOW_WEBHOOK_SECRET ?? (ctx.config.demo ? 'demo-paynow-secret' : '');
  const stripeKey = process.env.CIVITAS_STRIPE_SECRET_KEY;
  const card = opts.card ?? (stripeKey ? new StripeCardProvider({ secretKey: stripeKey, webhookSecret: process.env.CIVITAS_STRIPE_WEBHOOK_SECRET ?? '' }) : new SandboxCardProvider(ctx.db, ctx.clock));
  return { ctx, catalogue, card, registry: opts.registry ?? recordsRegistry, paynowWebhookSecret: secret };
}

/** The journey step other modules ask about (applications' check answers, signatures' signing). */
export function paymentStep(p: Payments): PaymentStep {
  return { needed: (application, service) => paymentStepNeeded(p, application, service), url: (applicationId) => `/applications/${applicationId}/pay` };
}
export interface PaymentStep {
  needed(application: Pick<Application, 'applicantId' | 'actingForUen' | 'answers'>, service: ServiceVersion): Promise<boolean>;
  url(applicationId: string): string;
}

/** Jobs (the every-minute sweep: expiry after 90 minutes, crash recovery) and routes (pages and API). */
export function registerPayments(app: App, p: Payments): void {
  p.ctx.jobs.define(sweepJob(p));
  p.ctx.jobs.define(paymentWebhookJob(p.ctx));
  p.ctx.jobs.every({ name: 'payments-sweep', queue: SWEEP_QUEUE, everyMs: 60_000 });
  registerPaymentRoutes(app, p);
  registerPaymentApi(app, p);
}
