/**
 * The payer's side: open next_url once (it binds the browser to the payment
 * with a secret cookie), pay by card through the provider (with a challenge
 * step when the card asks for one), or wait for the PayNow credit; cancel.
 *
 * Exactly once: the card is charged under the key "charge:<payment id>", so a
 * double click or a retry asks the provider the same question and gets the
 * same answer; the payment moves to submitted before the provider is asked,
 * so a crash between the provider's answer and our commit leaves a submitted
 * payment that sweep() completes from the provider's record.
 */
import { randomToken, safeEqual, sha256 } from '../../platform/crypto/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { CardDetails, ChargeOutcome } from './providers.ts';
import { findByTokenHash, findPayment, updatePayment, type Payment } from './repository.ts';
import { applyEvent, serviceForPayment, type Actor, type Payments } from './service.ts';

export const chargeKey = (paymentId: string): string => `charge:${paymentId}`;

/** Use next_url: the first time, the payment starts and the browser gets its secret; afterwards the link is gone. */
export async function openNextUrl(p: Payments, token: string): Promise<{ payment: Payment; secret: string }> {
  const found = await findByTokenHash(p.ctx.db, sha256(token));
  if (!found) throw new AppError('not_found', 'payments.errors.unknownLink');
  if (found.nextUsedAt) throw new AppError('gone', 'payments.errors.linkUsed');
  const secret = randomToken(24);
  const payment = await p.ctx.db.transaction().execute(async (trx) => {
    const current = (await findPayment(trx, found.id))!;
    if (current.nextUsedAt) throw new AppError('gone', 'payments.errors.linkUsed');
    if (current.state !== 'created') throw new AppError('gone', 'payments.errors.linkUsed');
    const patch = { next_used_at: nowIso(p.ctx.clock()), payer_secret_hash: sha256(secret) };
    return applyEvent(p, trx, current, { event: 'payer_started', actor: { type: 'citizen' }, patch });
  });
  return { payment, secret };
}

export function payerHolds(payment: Payment, secret: string | undefined): boolean {
  return !!secret && !!payment.payerSecretHash && safeEqual(sha256(secret), payment.payerSecretHash);
}

/** Apply the provider's answer to a submitted card payment (also used by sweep() after a crash). */
export async function applyChargeOutcome(p: Payments, paymentId: string, outcome: ChargeOutcome, actor: Actor, requestId?: string): Promise<Payment> {
  const before = (await findPayment(p.ctx.db, paymentId))!;
  const service = outcome.outcome === 'success' ? await serviceForPayment(p, before) : null;
  return p.ctx.db.transaction().execute(async (trx) => {
    const current = (await findPayment(trx, paymentId))!;
    if (current.state !== 'submitted') return current; // someone (a retry, the sweep) already applied it
    const card = outcome.outcome === 'error' ? {} : { card_brand: outcome.brand || current.cardBrand, card_last4: outcome.last4 || current.cardLast4 };
    const patch = { provider_id: outcome.providerId, ...card };
    if (outcome.outcome === 'challenge') {
      if (!(await updatePayment(trx, current, patch, nowIso(p.ctx.clock())))) throw new AppError('conflict', 'payments.errors.busy');
      return (await findPayment(trx, paymentId))!;
    }
    const event = outcome.outcome === 'success' ? 'authorised' : outcome.outcome === 'declined' ? 'declined' : 'provider_error';
    const failure = outcome.outcome === 'success' ? null : outcome.outcome === 'declined' ? 'declined' : 'provider_error';
    return applyEvent(p, trx, current, { event, actor, patch: { ...patch, failure }, service, requestId, data: { providerId: outcome.providerId } });
  });
}

export async function payByCard(p: Payments, payment: Payment, card: CardDetails, requestId?: string): Promise<Payment> {
  const actor: Actor = { type: 'citizen', id: payment.payerId };
  if (payment.state === 'submitted') return payment; // a double click: the first request is with the provider
  await p.ctx.db.transaction().execute(async (trx) => {
    const current = (await findPayment(trx, payment.id))!;
    await applyEvent(p, trx, current, { event: 'card_submitted', actor, patch: { card_brand: null, card_last4: card.number.slice(-4), provider: p.card.name }, requestId });
  });
  const outcome = await p.card.charge({ key: chargeKey(payment.id), amount: payment.amount, currency: payment.currency, card });
  return applyChargeOutcome(p, payment.id, outcome, actor, requestId);
}

export async function answerChallenge(p: Payments, payment: Payment, answer: string, requestId?: string): Promise<Payment> {
  const current = (await findPayment(p.ctx.db, payment.id))!;
  if (current.state !== 'submitted') return current; // expired meanwhile: the provider is not asked
  const outcome = await p.card.answerChallenge({ key: chargeKey(payment.id), answer });
  return applyChargeOutcome(p, payment.id, outcome, { type: 'citizen', id: payment.payerId }, requestId);
}

export async function cancelPayment(p: Payments, paymentId: string, actor: Actor, requestId?: string): Promise<Payment> {
  return p.ctx.db.transaction().execute(async (trx) => {
    const current = await findPayment(trx, paymentId);
    if (!current) throw new AppError('not_found', 'payments.errors.unknownPayment');
    return applyEvent(p, trx, current, { event: 'cancelled', actor, patch: { failure: 'cancelled' }, requestId });
  });
}
