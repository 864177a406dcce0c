/**
 * The periodic sweep (every minute): a card payment left submitted (the
 * process stopped between the provider's answer and our commit) is completed
 * from the provider's record; a refund left submitted is completed the same
 * way; a payment not completed within 90 minutes expires (a submitted one
 * only when the provider has no successful charge for it).
 */
import { nowIso } from '../../platform/db/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import { findPayment, toPayment } from './repository.ts';
import { completeRefund } from './refund-payment.ts';
import { applyEvent, type Payments } from './service.ts';
import { applyChargeOutcome, chargeKey } from './take-payment.ts';

export const SWEEP_QUEUE = 'payments.sweep';
/** a submitted payment this old is looked up at the provider */
const STUCK_MS = 60_000;

export async function sweep(p: Payments): Promise<{ recovered: number; expired: number; refunds: number }> {
  const now = p.ctx.clock();
  let recovered = 0;
  let expired = 0;
  let refunds = 0;
  const stuck = await p.ctx.db.selectFrom('payments').selectAll().where('state', '=', 'submitted').where('updated_at', '<', nowIso(new Date(now.getTime() - STUCK_MS))).limit(500).execute();
  for (const row of stuck.map(toPayment)) {
    const known = await p.card.lookup(chargeKey(row.id));
    if (known && known.outcome !== 'challenge') {
      await applyChargeOutcome(p, row.id, known, { type: 'system' });
      recovered++;
    }
  }
  const due = await p.ctx.db.selectFrom('payments').selectAll().where('state', 'in', ['created', 'started', 'submitted']).where('expires_at', '<', nowIso(now)).limit(500).execute();
  for (const row of due.map(toPayment)) {
    if (row.state === 'submitted') {
      const known = await p.card.lookup(chargeKey(row.id));
      if (known?.outcome === 'success') { await applyChargeOutcome(p, row.id, known, { type: 'system' }); recovered++; continue; }
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
