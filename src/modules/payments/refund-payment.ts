/**
 * Refund part or all of a successful payment. The caller states how much it
 * believes is still refundable (refund_amount_available, as GOV.UK Pay asks):
 * if that is no longer true (another refund got there first) the answer is
 * 412 and nothing happens. The refund is recorded (submitted) before the
 * provider is asked, under its own idempotency key, and completed with its
 * ledger entry after; a crash in between is completed by sweep().
 */
import { appendAudit } from '../../platform/audit/index.ts';
import { newId, nowIso } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendLedger, findPayment, listRefunds, type Payment, type Refund } from './repository.ts';
import type { Actor, Payments } from './service.ts';
import { chargeKey } from './take-payment.ts';

export const refundKey = (refundId: string): string => `refund:${refundId}`;

export function refundable(payment: Payment, refunds: Refund[]): number {
  if (payment.state !== 'success') return 0;
  return payment.amount - refunds.filter((r) => r.state !== 'error').reduce((s, r) => s + r.amount, 0);
}

export async function refundPayment(p: Payments, input: { paymentId: string; amount: number; expectedAvailable?: number; reason: string; actor: Actor; requestId?: string }): Promise<Refund> {
  const reason = input.reason.trim();
  if (!reason) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'reason', message: 'payments.refund.errors.reason' }] });
  if (!Number.isInteger(input.amount) || input.amount < 1) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'amount', message: 'payments.refund.errors.amount' }] });
  const refundId = newId();
  const payment = await p.ctx.db.transaction().execute(async (trx) => {
    const current = await findPayment(trx, input.paymentId);
    if (!current) throw new AppError('not_found', 'payments.errors.unknownPayment');
    // serialise refunds of one payment: moving its rev on makes a concurrent refund's transaction fail
    const bumped = await trx.updateTable('payments').set({ rev: current.rev + 1 }).where('id', '=', current.id).where('rev', '=', current.rev).executeTakeFirst();
    if (Number(bumped.numUpdatedRows) !== 1) throw new AppError('conflict', 'payments.errors.busy');
    const available = refundable(current, await listRefunds(trx, current.id));
    if (current.state !== 'success') throw new AppError('conflict', 'payments.refund.errors.notPaid');
    if (input.expectedAvailable !== undefined && input.expectedAvailable !== available) throw new AppError('precondition_failed', 'payments.refund.errors.availableChanged', { refundAmountAvailable: available });
    if (input.amount > available) throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'amount', message: 'payments.refund.errors.tooMuch', params: { available: (available / 100).toFixed(2) } }] });
    await trx.insertInto('payment_refunds').values({
      id: refundId, payment_id: current.id, amount: input.amount, state: 'submitted', reason: reason.slice(0, 500), actor_type: input.actor.type, actor_id: input.actor.id ?? null,
      provider_id: null, created_at: nowIso(p.ctx.clock()),
    }).execute();
    await appendAudit(trx, {
      stream: `payment:${current.id}`, action: 'payments.refund_requested', actorType: input.actor.type, actorId: input.actor.id ?? null, agencyId: current.agencyId,
      subjectType: 'payment', subjectId: current.id, requestId: input.requestId, data: { refundId, amount: input.amount, reason: reason.slice(0, 500) },
    });
    return current;
  });
  await completeRefund(p, payment, refundId);
  return (await listRefunds(p.ctx.db, payment.id)).find((r) => r.id === refundId)!;
}

/** Ask the provider (idempotent on the refund's key) and record the result with its ledger entry. */
export async function completeRefund(p: Payments, payment: Payment, refundId: string): Promise<void> {
  const refund = (await listRefunds(p.ctx.db, payment.id)).find((r) => r.id === refundId);
  if (!refund || refund.state !== 'submitted') return;
  // PayNow has no refund API: the agency's bank pays it back, and Civitas records it
  const result = payment.method === 'card'
    ? await p.card.refund({ key: refundKey(refundId), chargeKey: chargeKey(payment.id), amount: refund.amount, currency: payment.currency })
    : { ok: true, providerId: `paynow-refund:${refundId}` };
  await p.ctx.db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('payment_refunds').set({ state: result.ok ? 'success' : 'error', provider_id: result.providerId })
      .where('id', '=', refundId).where('state', '=', 'submitted').executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return;
    if (result.ok) {
      await appendLedger(trx, {
        agencyId: payment.agencyId, paymentId: payment.id, applicationId: payment.applicationId, refundId, kind: 'refund', amount: -refund.amount, currency: payment.currency,
        provider: payment.provider, providerRef: result.providerId, dedupeKey: refundKey(refundId), at: p.ctx.clock(),
      });
    }
    await appendAudit(trx, {
      stream: `payment:${payment.id}`, action: result.ok ? 'payments.refunded' : 'payments.refund_failed', actorType: 'system', agencyId: payment.agencyId,
      subjectType: 'payment', subjectId: payment.id, data: { refundId, amount: refund.amount },
    });
  });
}
