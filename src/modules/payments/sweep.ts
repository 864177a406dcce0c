/**
 * The periodic sweep (every minute): a card payment left submitted (the
 * process stopped between the provider's answer and our commit) is completed
 * from the provider's record (the provider never got it: an error, nothing
 * was taken); a refund left submitted is completed the same way; a payment
 * not completed within 90 minutes expires: one not yet sent to the provider,
 * or one waiting for the payer's answer to a challenge step.
 */
import { nowIso } from '../../platform/db/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { findPayment, toPayment } from './repository.ts';
import { completeRefund } from './refund-payment.ts';
import { applyEvent, type Payments } from './service.ts';
import { applyChargeOutcome, chargeKey } from './take-payment.ts';

export const SWEEP_QUEUE = 'payments.sweep';
/** a submitted payment this old is looked up at the provider (longer than any call to it may take) */
export const STUCK_MS = 5 * 60_000;

export async function sweep(p: Payments): Promise<{ recovered: number; expired: number; refunds: number }> {
  const now = p.ctx.clock();
  let recovered = 0;
  let expired = 0;
  let refunds = 0;
  const stuck = await p.ctx.db.selectFrom('payments').selectAll().where('state', '=', 'submitted').where('updated_at', '<', nowIso(new Date(now.getTime() - STUCK_MS))).limit(500).execute();
  for (const row of stuck.map(toPayment)) {
    const known = await p.card.lookup(chargeKey(row.id));
    if (known?.outcome === 'challenge') continue; // the payer's turn (it expires below)
    await applyChargeOutcome(p, row.id, known ?? { outcome: 'error', providerId: null }, { type: 'system' });
    recovered++;
  }
  const due = await p.ctx.db.selectFrom('payments').selectAll().where('state', 'in', ['created', 'started', 'submitted']).where('expires_at', '<', nowIso(now)).limit(500).execute();
  for (const row of due.map(toPayment)) {
    if (row.state === 'submitted') {
      // only a payment waiting for the payer's answer to a challenge expires: the provider's answer ends any other
      const known = await p.card.lookup(chargeKey(row.id));
      if (known?.outcome !== 'challenge') continue;
    }
    const moved = await p.ctx.db.transaction().execute(async (trx) => {
      const current = (await findPayment(trx, row.id))!;
      if (!['created', 'started', 'submitted'].includes(current.state)) return false;
      await applyEvent(p, trx, current, { event: 'expired', actor: { type: 'system' }, patch: { failure: 'expired' } });
      return true;
    });
    if (moved) expired++;
  }
  const pending = await p.ctx.db.selectFrom('payment_refunds').select(['id', 'payment_id']).where('state', '=', 'submitted').where('created_at', '<', nowIso(new Date(now.getTime() - STUCK_MS))).limit(500).execute();
  for (const r of pending as { id: string; payment_id: string }[]) {
    const payment = await findPayment(p.ctx.db, r.payment_id);
    if (payment) { await completeRefund(p, payment, r.id); refunds++; }
  }
  return { recovered, expired, refunds };
}

export function sweepJob(p: Payments): JobDefinition {
  return { queue: SWEEP_QUEUE, async handle() { await sweep(p); } };
}
