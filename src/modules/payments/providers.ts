/**
 * Payment providers behind one interface. The built-in sandbox card provider
 * is the default: it keeps its own book (payment_sandbox_charges), written in
 * its own transaction as an external provider's would be, and is idempotent on
 * the key it is given, so asking twice never charges twice. Test card numbers
 * (docs/payments.md):
 *
 *   4242 4242 4242 4242  success
 *   4000 0000 0000 0002  declined
 *   4000 0000 0000 3220  a challenge step (3-D Secure): code 123456 passes, anything else fails
 *   4000 0000 0000 0119  provider error
 *
 * Any other number that passes the Luhn check succeeds; one that fails it is refused by the form.
 */
import { newId, nowIso, type Db } from '../../platform/db/index.ts';

export interface CardDetails { number: string; expiryMonth: number; expiryYear: number; cvc: string; name: string }

export type ChargeOutcome =
  | { outcome: 'success'; providerId: string; brand: string; last4: string }
  | { outcome: 'declined'; providerId: string; brand: string; last4: string }
  | { outcome: 'challenge'; providerId: string; brand: string; last4: string }
  | { outcome: 'error'; providerId: string | null };

export interface Settlement { providerId: string; key: string; kind: 'charge' | 'refund'; amount: number; currency: string; at: string }

export interface CardProvider {
  readonly name: string;
  /** charge once per key: asking again with the same key returns the first outcome */
  charge(input: { key: string; amount: number; currency: string; card: CardDetails }): Promise<ChargeOutcome>;
  /** the payer's answer to a challenge step */
  answerChallenge(input: { key: string; answer: string }): Promise<ChargeOutcome>;
  /** what the provider knows about a charge (after a crash between its answer and our commit); null: never received */
  lookup(key: string): Promise<ChargeOutcome | null>;
  refund(input: { key: string; chargeKey: string; amount: number; currency: string }): Promise<{ ok: boolean; providerId: string | null }>;
  /** the provider's settlement report for a period (reconciliation) */
  settlements(from: string, to: string): Promise<Settlement[]>;
}

export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  challenge: '4000000000003220',
  providerError: '4000000000000119',
} as const;
export const SANDBOX_CHALLENGE_CODE = '123456';

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(number: string): string {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  return 'card';
}

const outcomeFor = (number: string): 'success' | 'declined' | 'challenge' | 'error' =>
  number === TEST_CARDS.declined ? 'declined' : number === TEST_CARDS.challenge ? 'challenge' : number === TEST_CARDS.providerError ? 'error' : 'success';

export class SandboxCardProvider implements CardProvider {
  readonly name = 'sandbox';
  /** `db`: the provider's own connection (its book is not part of Civitas's transactions) */
  constructor(private readonly db: Db, private readonly clock: () => Date = () => new Date()) {}

  private async row(key: string): Promise<any> {
    return this.db.selectFrom('payment_sandbox_charges').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }
  private toOutcome(r: any, brand: string, last4: string): ChargeOutcome {
    if (r.outcome === 'error') return { outcome: 'error', providerId: r.id };
    return { outcome: r.outcome, providerId: r.id, brand, last4 };
  }

  async charge(input: { key: string; amount: number; currency: string; card: CardDetails }): Promise<ChargeOutcome> {
    const brand = cardBrand(input.card.number);
    const last4 = input.card.number.slice(-4);
    await this.db.insertInto('payment_sandbox_charges').values({
      id: `sbx_${newId().replace(/-/g, '').slice(0, 20)}`, idempotency_key: input.key, kind: 'charge', amount: input.amount, currency: input.currency,
      outcome: outcomeFor(input.card.number), created_at: nowIso(this.clock()),
    }).onConflict((oc) => oc.column('idempotency_key').doNothing()).execute();
    return this.toOutcome(await this.row(input.key), brand, last4);
  }

  async answerChallenge(input: { key: string; answer: string }): Promise<ChargeOutcome> {
    await this.db.updateTable('payment_sandbox_charges').set({ outcome: input.answer === SANDBOX_CHALLENGE_CODE ? 'success' : 'declined' })
      .where('idempotency_key', '=', input.key).where('outcome', '=', 'challenge').execute();
    const r = await this.row(input.key);
    return r ? this.toOutcome(r, 'visa', '3220') : { outcome: 'error', providerId: null };
  }

  async lookup(key: string): Promise<ChargeOutcome | null> {
    const r = await this.row(key);
    return r ? this.toOutcome(r, 'card', '') : null;
  }

  async refund(input: { key: string; chargeKey: string; amount: number; currency: string }): Promise<{ ok: boolean; providerId: string | null }> {
    const charge = await this.row(input.chargeKey);
    if (!charge || charge.outcome !== 'success') return { ok: false, providerId: null };
    await this.db.insertInto('payment_sandbox_charges').values({
      id: `sbr_${newId().replace(/-/g, '').slice(0, 20)}`, idempotency_key: input.key, kind: 'refund', amount: input.amount, currency: input.currency,
      outcome: 'success', created_at: nowIso(this.clock()),
    }).onConflict((oc) => oc.column('idempotency_key').doNothing()).execute();
    const r = await this.row(input.key);
    return { ok: true, providerId: r.id };
  }

  async settlements(from: string, to: string): Promise<Settlement[]> {
    const rows = await this.db.selectFrom('payment_sandbox_charges').selectAll().where('outcome', '=', 'success')
      .where('created_at', '>=', from).where('created_at', '<', to).orderBy('created_at').execute();
    return rows.map((r: any) => ({ providerId: r.id, key: r.idempotency_key, kind: r.kind, amount: Number(r.amount), currency: r.currency, at: r.created_at }));
  }
}
