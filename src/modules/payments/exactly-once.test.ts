/**
 * Exactly once, by property: fast-check generates interleavings of payer
 * requests (double clicks), process crashes between the provider's answer and
 * our commit, cancellations, sweeps, refunds (some with a stale
 * refund_amount_available) and duplicated or replayed PayNow credits; after
 * each, the provider's book, the payment and the ledger must agree: nothing
 * charged twice, no paid payment lost, the ledger balancing to charges less refunds.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { inTransaction } from '../../platform/db/index.ts';
import { createPayment } from './create-payment.ts';
import { creditReceived } from './paynow.ts';
import { TEST_CARDS, type CardProvider } from './providers.ts';
import { refundPayment } from './refund-payment.ts';
import { findPayment, ledgerEntries, listRefunds } from './repository.ts';
import { sweep, STUCK_MS } from './sweep.ts';
import { cancelPayment, openNextUrl, payByCard } from './take-payment.ts';
import type { Payments } from './service.ts';

let p: TestPlatform;
let now = new Date('2026-11-27T02:00:00Z');
beforeAll(async () => { p = await createTestPlatform({}, { clock: () => now }); });
afterAll(async () => { await p?.close(); });

const CARD = { number: TEST_CARDS.success, expiryMonth: 12, expiryYear: 2030, cvc: '123', name: 'x' };
const crashing = (real: CardProvider): CardProvider => ({
  name: real.name, lookup: (k) => real.lookup(k), refund: (i) => real.refund(i), settlements: (a, b) => real.settlements(a, b), answerChallenge: (i) => real.answerChallenge(i),
  async charge(i) { await real.charge(i); throw new Error('the process stopped'); },
});
const quietly = async (f: () => Promise<unknown>) => { try { await f(); } catch { /* refused or crashed: the invariants decide */ } };

async function newPayment(method: 'card' | 'paynow') {
  const { payment, nextUrl } = await inTransaction(p.ctx.db, (trx) => createPayment(p.payments, trx, {
    agencyId: 'avs', reference: 'prop', description: 'property', amount: 5000, currency: 'SGD', method, returnUrl: 'https://avs.example.gov.sg/', actor: { type: 'system' },
  }));
  await openNextUrl(p.payments, new URL(nextUrl).pathname.split('/').pop()!);
  return payment.id;
}

async function agree(id: string): Promise<void> {
  now = new Date(now.getTime() + STUCK_MS + 60_000);
  await sweep(p.payments);
  const payment = (await findPayment(p.ctx.db, id))!;
  const book = await p.ctx.db.selectFrom('payment_sandbox_charges').selectAll().where('idempotency_key', '=', `charge:${id}`).execute() as any[];
  expect(book.length).toBeLessThanOrEqual(1);
  const charged = payment.method === 'card' ? book.some((b) => b.outcome === 'success') : payment.state === 'success';
  expect(payment.state === 'success', `state ${payment.state}, provider charged: ${charged}`).toBe(charged);
  const ledger = await ledgerEntries(p.ctx.db, { paymentId: id });
  const charges = ledger.filter((e) => e.kind === 'charge');
  expect(charges.map((e) => e.amount)).toEqual(charged ? [payment.amount] : []);
  const refunds = (await listRefunds(p.ctx.db, id)).filter((r) => r.state === 'success');
  const refundedInLedger = ledger.filter((e) => e.kind === 'refund').reduce((s, e) => s - e.amount, 0);
  expect(refundedInLedger).toBe(refunds.reduce((s, r) => s + r.amount, 0));
  expect(refundedInLedger).toBeLessThanOrEqual(charged ? payment.amount : 0);
  if (payment.method === 'card') {
    const providerRefunds = await p.ctx.db.selectFrom('payment_sandbox_charges').selectAll().where('kind', '=', 'refund').where('idempotency_key', 'in', refunds.length ? refunds.map((r) => `refund:${r.id}`) : ['-']).execute() as any[];
    expect(providerRefunds.reduce((s, r) => s + Number(r.amount), 0)).toBe(refundedInLedger);
  }
}

type CardOp = 'pay' | 'crash' | 'sweep' | 'cancel' | 'refund' | 'staleRefund' | 'wait';
type PayNowOp = 'credit' | 'replay' | 'statement' | 'sweep' | 'cancel' | 'wait' | 'refund';

describe('exactly once, by property', () => {
  it('card: double clicks, crashes, sweeps, cancels and refunds never charge twice or lose a payment', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom<CardOp>('pay', 'crash', 'sweep', 'cancel', 'refund', 'staleRefund', 'wait'), { minLength: 1, maxLength: 7 }), async (ops) => {
      const id = await newPayment('card');
      let readAvailable = 0;
      for (const op of ops) {
        const payment = (await findPayment(p.ctx.db, id))!;
        const payments: Payments = op === 'crash' ? { ...p.payments, card: crashing(p.payments.card) } : p.payments;
        if (op === 'pay' || op === 'crash') await quietly(() => (payment.state === 'started' || payment.state === 'submitted' ? payByCard(payments, payment, CARD) : Promise.resolve()));
        else if (op === 'sweep') await sweep(p.payments);
        else if (op === 'cancel') await quietly(() => cancelPayment(p.payments, id, { type: 'api' }));
        else if (op === 'wait') now = new Date(now.getTime() + 40 * 60_000);
        else {
          const available = payment.state === 'success' ? payment.amount - (await listRefunds(p.ctx.db, id)).reduce((s, r) => s + r.amount, 0) : 0;
          if (op === 'refund') readAvailable = available;
          await quietly(() => refundPayment(p.payments, { paymentId: id, amount: 1500, expectedAvailable: op === 'refund' ? available : readAvailable, reason: 'property', actor: { type: 'api' } }));
        }
      }
      await agree(id);
    }), { numRuns: 25 });
  }, 120_000);

  it('PayNow: duplicated, replayed and late credits and statement lines confirm a payment once', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom<PayNowOp>('credit', 'replay', 'statement', 'sweep', 'cancel', 'wait', 'refund'), { minLength: 1, maxLength: 7 }), async (ops) => {
      const id = await newPayment('paynow');
      const payment = (await findPayment(p.ctx.db, id))!;
      const credit = { billReference: payment.billReference, amount: payment.amount, currency: 'SGD', bankReference: `B-${id}` };
      for (const op of ops) {
        if (op === 'credit' || op === 'replay') await creditReceived(p.payments, { ...credit, eventId: `n-${id}`, source: 'webhook' });
        else if (op === 'statement') await creditReceived(p.payments, { ...credit, eventId: `avs:B-${id}`, source: 'statement', agencyId: 'avs' });
        else if (op === 'sweep') await sweep(p.payments);
        else if (op === 'cancel') await quietly(() => cancelPayment(p.payments, id, { type: 'api' }));
        else if (op === 'wait') now = new Date(now.getTime() + 40 * 60_000);
        else await quietly(() => refundPayment(p.payments, { paymentId: id, amount: 1000, reason: 'property', actor: { type: 'api' } }));
      }
      await agree(id);
      const seen = await p.ctx.db.selectFrom('payment_inbound_events').selectAll().where('payment_id', '=', id).execute();
      expect(seen.length).toBeLessThanOrEqual(2); // one per notification id, however often it came
    }), { numRuns: 25 });
  }, 120_000);
});
