/**
 * The payment API for agency systems, shaped like GOV.UK Pay's: create a
 * payment (Idempotency-Key: the same key and body within 24 hours return the
 * original payment, the same key with another body is a 409), read it, cancel
 * it, refund it (refund_amount_available must match: else 412), and its
 * events. The payer goes to _links.next_url (usable once); the return_url
 * carries no outcome: the agency reads the payment. PayNow payments carry
 * the SGQR payload. The bank's signed credit notifications come in here too.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../platform/errors/index.ts';
import type { App } from '../../platform/http/index.ts';
import { checkIdempotencyKey, withIdempotency } from '../casework/index.ts';
import { createPayment, nextUrlFor } from './create-payment.ts';
import { creditReceived, verifyNotification } from './paynow.ts';
import { refundable, refundPayment } from './refund-payment.ts';
import { findPayment, listPaymentEvents, listRefunds, type Payment } from './repository.ts';
import { isFinished, type Payments } from './service.ts';
import { PAYMENT_STATES } from './states.ts';
import { applyChargeOutcome, cancelPayment } from './take-payment.ts';
import { StripeCardProvider } from './stripe.ts';

const Link = Type.Object({ href: Type.String(), method: Type.String() });
const StateSchema = Type.Object({ status: Type.String({ description: PAYMENT_STATES.join(' | ') }), finished: Type.Boolean(), code: Type.Optional(Type.String()) });

export const PaymentResource = Type.Object({
  payment_id: Type.String(), amount: Type.Integer({ description: 'in minor units (cents)' }), currency: Type.String(), reference: Type.String(), description: Type.String(),
  state: StateSchema, method: Type.String(), payment_provider: Type.String(), return_url: Type.String(), created_date: Type.String(), expires_date: Type.String(),
  paid_date: Type.Union([Type.String(), Type.Null()]),
  refund_summary: Type.Object({ status: Type.String({ description: 'available | unavailable | full' }), amount_available: Type.Integer(), amount_submitted: Type.Integer() }),
  card_details: Type.Optional(Type.Object({ last_digits_card_number: Type.Union([Type.String(), Type.Null()]), card_brand: Type.Union([Type.String(), Type.Null()]) })),
  paynow: Type.Optional(Type.Object({ qr_payload: Type.String({ description: 'the EMVCo SGQR payload to render as a QR code' }), bill_reference: Type.String() })),
  _links: Type.Object({ self: Link, next_url: Type.Optional(Link), events: Link, refunds: Link, cancel: Type.Optional(Link) }),
});
type PaymentJson = Type.Static<typeof PaymentResource>;

export const CreatePaymentBody = Type.Object({
  amount: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'in cents' }),
  reference: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.String({ minLength: 1, maxLength: 255 }),
  return_url: Type.String({ minLength: 1, maxLength: 2000, description: 'where the payer is sent afterwards (https); it never carries the outcome' }),
  method: Type.Optional(Type.Union([Type.Literal('card'), Type.Literal('paynow')], { description: 'default card' })),
}, { additionalProperties: false });

export const RefundBody = Type.Object({
  amount: Type.Integer({ minimum: 1 }),
  refund_amount_available: Type.Integer({ minimum: 0, description: 'what you believe is still refundable (from refund_summary); 412 if it has changed' }),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

const RefundResource = Type.Object({ refund_id: Type.String(), payment_id: Type.String(), amount: Type.Integer(), status: Type.String(), created_date: Type.String() });

export async function toPaymentJson(p: Payments, payment: Payment): Promise<PaymentJson> {
  const base = `${p.ctx.config.baseUrl}/api/v1/payments/${payment.id}`;
  const refunds = await listRefunds(p.ctx.db, payment.id);
  const available = refundable(payment, refunds);
  const submitted = refunds.filter((r) => r.state !== 'error').reduce((s, r) => s + r.amount, 0);
  const row: any = await p.ctx.db.selectFrom('payments').select('next_token_enc').where('id', '=', payment.id).executeTakeFirst();
  const next = nextUrlFor(p, payment, row?.next_token_enc ?? null);
  return {
    payment_id: payment.id, amount: payment.amount, currency: payment.currency, reference: payment.reference, description: payment.description,
    state: { status: payment.state, finished: isFinished(payment), ...(payment.failure ? { code: payment.failure } : {}) },
    method: payment.method, payment_provider: payment.provider, return_url: payment.returnUrl, created_date: payment.createdAt, expires_date: payment.expiresAt, paid_date: payment.paidAt,
    refund_summary: { status: payment.state !== 'success' ? 'unavailable' : available === 0 ? 'full' : 'available', amount_available: available, amount_submitted: submitted },
    ...(payment.method === 'card' ? { card_details: { last_digits_card_number: payment.cardLast4, card_brand: payment.cardBrand } } : {}),
    ...(payment.paynowPayload ? { paynow: { qr_payload: payment.paynowPayload, bill_reference: payment.billReference! } } : {}),
    _links: {
      self: { href: base, method: 'GET' },
      ...(next ? { next_url: { href: next, method: 'GET' } } : {}),
      events: { href: `${base}/events`, method: 'GET' },
      refunds: { href: `${base}/refunds`, method: 'POST' },
      ...(!isFinished(payment) ? { cancel: { href: `${base}/cancel`, method: 'POST' } } : {}),
    },
  };
}

export function registerPaymentApi(app: App, p: Payments): void {
  const { ctx } = p;
  const security = [{ apiKey: [] }];
  const errors = { 400: Type.Any(), 401: Type.Any(), 403: Type.Any(), 404: Type.Any(), 409: Type.Any(), 412: Type.Any(), 422: Type.Any() };

  async function own(request: FastifyRequest, id: string): Promise<Payment> {
    const payment = await findPayment(ctx.db, id);
    if (!payment || payment.agencyId !== request.apiClient!.agencyId) throw notFound('payments.errors.unknownPayment');
    return payment;
  }

  app.post('/api/v1/payments', {
    config: { access: { apiScope: 'payments:write' } },
    schema: {
      summary: 'Create a payment', tags: ['payments'], security,
      description: 'Creates a payment for the API key\'s agency and returns it with `_links.next_url`, where to send the payer (usable once). '
        + 'Send an `Idempotency-Key` header: the same key and body within 24 hours return the original payment (header `idempotent-replayed: true`); the same key with a different body is a 409. '
        + 'With `method: paynow` the payment carries `paynow.qr_payload` (an SGQR code with a bill reference); it succeeds when the bank\'s credit for that reference arrives.',
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
      body: CreatePaymentBody,
      response: { 201: PaymentResource, ...errors },
    },
  }, async (request, reply) => {
    const client = request.apiClient!;
    const body = request.body;
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    let url: URL;
    try { url = new URL(body.return_url); } catch { throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'return_url', message: ctx.messages.t('en', 'payments.api.errors.returnUrl') }] }); }
    if (!(url.protocol === 'https:' || (ctx.config.demo && url.protocol === 'http:'))) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'return_url', message: ctx.messages.t('en', 'payments.api.errors.returnUrl') }] });
    const method = body.method ?? 'card';
    const result = await withIdempotency(ctx.db, { clientId: client.keyId, key, operation: 'POST /api/v1/payments', body, now: ctx.clock() }, async (trx) => {
      const { payment, nextUrl } = await createPayment(p, trx, {
        agencyId: client.agencyId, apiKeyId: client.keyId, reference: body.reference, description: body.description, amount: body.amount, currency: 'SGD', method,
        returnUrl: body.return_url, actor: { type: 'api', id: client.keyId, agencyId: client.agencyId }, requestId: request.id,
      });
      const json = await toPaymentJson({ ...p, ctx: { ...ctx, db: trx } }, payment);
      json._links.next_url = { href: nextUrl, method: 'GET' };
      return { status: 201, body: json };
    });
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(result.status).send(result.body as PaymentJson);
  });

  app.get('/api/v1/payments/:id', {
    config: { access: { apiScope: 'payments:read' } },
    schema: { summary: 'Read a payment', description: 'Its state, refund summary and links. Look the outcome up here after the payer comes back to your return_url.', tags: ['payments'], security, params: Type.Object({ id: Type.String() }), response: { 200: PaymentResource, ...errors } },
  }, async (request) => toPaymentJson(p, await own(request, request.params.id)));

  app.post('/api/v1/payments/:id/cancel', {
    config: { access: { apiScope: 'payments:write' } },
    schema: { summary: 'Cancel a payment', description: 'Only before it has finished (409 afterwards). 204 when cancelled.', tags: ['payments'], security, params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const payment = await own(request, request.params.id);
    await cancelPayment(p, payment.id, { type: 'api', id: request.apiClient!.keyId, agencyId: request.apiClient!.agencyId }, request.id);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/payments/:id/refunds', {
    config: { access: { apiScope: 'payments:write' } },
    schema: {
      summary: 'Refund a payment (in part or in full)', tags: ['payments'], security,
      description: 'Send `refund_amount_available` as read from the payment\'s `refund_summary.amount_available`: if it no longer matches (another refund happened), the answer is 412 and nothing is refunded.',
      params: Type.Object({ id: Type.String() }), body: RefundBody, response: { 202: RefundResource, ...errors },
    },
  }, async (request, reply) => {
    const payment = await own(request, request.params.id);
    const r = await refundPayment(p, {
      paymentId: payment.id, amount: request.body.amount, expectedAvailable: request.body.refund_amount_available, reason: request.body.reason ?? 'Refund requested by the agency system',
      actor: { type: 'api', id: request.apiClient!.keyId, agencyId: request.apiClient!.agencyId }, requestId: request.id,
    });
    return reply.status(202).send({ refund_id: r.id, payment_id: payment.id, amount: r.amount, status: r.state, created_date: r.createdAt });
  });

  app.get('/api/v1/payments/:id/events', {
    config: { access: { apiScope: 'payments:read' } },
    schema: {
      summary: 'A payment\'s events', description: 'Every state change, oldest first.', tags: ['payments'], security, params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Object({ payment_id: Type.String(), events: Type.Array(Type.Object({ event: Type.String(), state: StateSchema, updated: Type.String() })) }), ...errors },
    },
  }, async (request) => {
    const payment = await own(request, request.params.id);
    const events = await listPaymentEvents(ctx.db, payment.id);
    return { payment_id: payment.id, events: events.map((e) => ({ event: e.event, state: { status: e.to as any, finished: isFinished({ state: e.to as any }) }, updated: e.at })) };
  });

  // The bank's PayNow credit notifications: signed (HMAC over "<t>.<body>", 5 minutes' tolerance), applied once each.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/payments/providers/paynow/notifications', {
      config: { access: 'public' },
      schema: {
        summary: 'PayNow credit notification (from the bank)', tags: ['payments'],
        description: 'Body: `{ "id", "bill_reference", "amount" (cents), "currency", "bank_reference" }`, signed in the header `x-paynow-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the shared secret (CIVITAS_PAYNOW_WEBHOOK_SECRET).',
        response: { 200: Type.Object({ outcome: Type.String() }), 400: Type.Any(), 401: Type.Any() },
      },
    }, async (request) => {
      // only a JSON body (kept as the exact bytes that were signed) can carry a valid signature
      const raw = typeof request.body === 'string' ? request.body : '';
      verifyNotification(p.paynowWebhookSecret, raw, request.headers['x-paynow-signature'], ctx.clock());
      let n: any;
      try { n = JSON.parse(raw); } catch { throw new AppError('bad_request', 'payments.errors.notification'); }
      if (!n || typeof n.id !== 'string' || !Number.isInteger(n.amount) || typeof n.bank_reference !== 'string') throw new AppError('bad_request', 'payments.errors.notification');
      const r = await creditReceived(p, { eventId: n.id, billReference: typeof n.bill_reference === 'string' ? n.bill_reference : null, amount: n.amount, currency: typeof n.currency === 'string' ? n.currency : 'SGD', bankReference: n.bank_reference, source: 'webhook' }, request.id);
      return { outcome: r.outcome };
    });

    // Stripe's webhooks (when Stripe is the card provider): verified, then applied like the provider's answer (idempotent)
    scope.post('/api/v1/payments/providers/stripe/webhooks', {
      config: { access: 'public' },
      schema: { summary: 'Stripe webhook (payment_intent.* events)', tags: ['payments'], response: { 200: Type.Object({ received: Type.Boolean() }), 400: Type.Any(), 401: Type.Any(), 404: Type.Any() } },
    }, async (request) => {
      if (!(p.card instanceof StripeCardProvider)) throw notFound();
      const raw = typeof request.body === 'string' ? request.body : '';
      let event;
      try { event = p.card.verifyWebhook(raw, request.headers['stripe-signature'] as string | undefined, ctx.clock()); } catch { throw new AppError('unauthenticated', 'payments.errors.signature'); }
      const about = p.card.outcomeOfEvent(event);
      const payment = about?.key.startsWith('charge:') ? await findPayment(ctx.db, about.key.slice('charge:'.length)) : undefined;
      if (about && payment && payment.state === 'submitted' && about.outcome.outcome !== 'challenge') await applyChargeOutcome(p, payment.id, about.outcome, { type: 'system', id: 'stripe' }, request.id);
      return { received: true };
    });
  });
}
