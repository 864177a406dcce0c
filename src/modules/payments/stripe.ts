/**
 * A card-gateway adapter for Stripe's PaymentIntents API, behind the same
 * CardProvider interface as the sandbox. Every create carries Stripe's
 * Idempotency-Key (our charge key), and the key is also in the intent's
 * metadata so a charge can be found again after a crash (search API).
 * Stripe's webhooks are verified (Stripe-Signature: t=..., v1=HMAC-SHA256 of
 * "<t>.<raw body>", 5 minutes' tolerance) before anything is believed.
 *
 * Card details reach Stripe as payment_method_data (raw card data, which a
 * Stripe account must be allowed to send); a deployment that uses Stripe
 * Elements passes a payment method id instead (`card.number` = "pm_...").
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../platform/crypto/index.ts';
import type { CardDetails, CardProvider, ChargeOutcome, Settlement } from './providers.ts';

export interface StripeOptions { secretKey: string; webhookSecret: string; apiBase?: string; fetch?: typeof fetch }

type Intent = { id: string; status: string; amount: number; currency: string; metadata?: Record<string, string>; latest_charge?: string | null; last_payment_error?: { type?: string; code?: string } | null };

export class StripeCardProvider implements CardProvider {
  readonly name = 'stripe';
  private readonly base: string;
  private readonly send: typeof fetch;
  constructor(private readonly opts: StripeOptions) {
    this.base = opts.apiBase ?? 'https://api.stripe.com';
    this.send = opts.fetch ?? fetch;
  }

  private async call(method: 'GET' | 'POST', path: string, form?: Record<string, string>, idempotencyKey?: string): Promise<{ status: number; body: any }> {
    const res = await this.send(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.opts.secretKey}`, 'stripe-version': '2024-06-20',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.json() };
  }

  private outcomeOf(intent: Intent, card: { brand: string; last4: string }): ChargeOutcome {
    if (intent.status === 'succeeded') return { outcome: 'success', providerId: intent.id, ...card };
    if (intent.status === 'requires_action') return { outcome: 'challenge', providerId: intent.id, ...card };
    if (intent.status === 'requires_payment_method' && intent.last_payment_error?.type === 'card_error') return { outcome: 'declined', providerId: intent.id, ...card };
    return { outcome: 'error', providerId: intent.id };
  }

  async charge(input: { key: string; amount: number; currency: string; card: CardDetails }): Promise<ChargeOutcome> {
    const card: Record<string, string> = input.card.number.startsWith('pm_')
      ? { payment_method: input.card.number }
      : {
        'payment_method_data[type]': 'card', 'payment_method_data[card][number]': input.card.number, 'payment_method_data[card][exp_month]': String(input.card.expiryMonth),
        'payment_method_data[card][exp_year]': String(input.card.expiryYear), 'payment_method_data[card][cvc]': input.card.cvc, 'payment_method_data[billing_details][name]': input.card.name,
      };
    const r = await this.call('POST', '/v1/payment_intents', {
      amount: String(input.amount), currency: input.currency.toLowerCase(), confirm: 'true', 'metadata[civitas_key]': input.key, ...card,
    }, input.key);
    const last4 = input.card.number.startsWith('pm_') ? '' : input.card.number.slice(-4);
    if (r.status === 402 && r.body?.error?.type === 'card_error') {
      const intent = r.body.error.payment_intent as Intent | undefined;
      return { outcome: 'declined', providerId: intent?.id ?? r.body.error.charge ?? 'declined', brand: 'card', last4 };
    }
    if (r.status >= 300) return { outcome: 'error', providerId: null };
    return this.outcomeOf(r.body as Intent, { brand: 'card', last4 });
  }

  private async find(key: string): Promise<Intent | null> {
    const r = await this.call('GET', `/v1/payment_intents/search?query=${encodeURIComponent(`metadata['civitas_key']:'${key.replace(/'/g, '')}'`)}`);
    return r.status === 200 && r.body?.data?.length ? (r.body.data[0] as Intent) : null;
  }

  async answerChallenge(input: { key: string; answer: string }): Promise<ChargeOutcome> {
    // the challenge is answered in the payer's browser with Stripe; Civitas reads the result
    return (await this.lookup(input.key)) ?? { outcome: 'error', providerId: null };
  }

  async lookup(key: string): Promise<ChargeOutcome | null> {
    const intent = await this.find(key);
    return intent ? this.outcomeOf(intent, { brand: 'card', last4: '' }) : null;
  }

  async refund(input: { key: string; chargeKey: string; amount: number; currency: string }): Promise<{ ok: boolean; providerId: string | null }> {
    const intent = await this.find(input.chargeKey);
    if (!intent || intent.status !== 'succeeded') return { ok: false, providerId: null };
    const r = await this.call('POST', '/v1/refunds', { payment_intent: intent.id, amount: String(input.amount), 'metadata[civitas_key]': input.key }, input.key);
    return r.status < 300 && (r.body.status === 'succeeded' || r.body.status === 'pending') ? { ok: true, providerId: r.body.id } : { ok: false, providerId: r.body?.id ?? null };
  }

  async settlements(from: string, to: string): Promise<Settlement[]> {
    const gte = Math.floor(Date.parse(from) / 1000);
    const lt = Math.floor(Date.parse(to) / 1000);
    const r = await this.call('GET', `/v1/balance_transactions?limit=100&created[gte]=${gte}&created[lt]=${lt}&expand[]=data.source`);
    if (r.status !== 200) return [];
    return (r.body.data as any[]).filter((t) => t.type === 'charge' || t.type === 'payment' || t.type === 'refund').map((t) => ({
      providerId: t.source?.id ?? t.id, key: t.source?.metadata?.civitas_key ?? '', kind: t.type === 'refund' ? 'refund' as const : 'charge' as const,
      amount: Math.abs(Number(t.amount)), currency: String(t.currency).toUpperCase(), at: new Date(Number(t.created) * 1000).toISOString(),
    })).filter((s) => s.key);
  }

  /** Verify a webhook's Stripe-Signature header (throws when it is not Stripe's, or too old); returns the event. */
  verifyWebhook(rawBody: string, header: string | undefined, now: Date, toleranceS = 300): { id: string; type: string; data: { object: Intent } } {
    const parts = (header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]);
    const t = Number(parts.find(([k]) => k === 't')?.[1]);
    const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
    if (!Number.isInteger(t) || !signatures.length) throw new Error('no Stripe signature');
    if (Math.abs(now.getTime() / 1000 - t) > toleranceS) throw new Error('the Stripe signature is too old');
    const expected = createHmac('sha256', this.opts.webhookSecret).update(`${t}.${rawBody}`).digest('hex');
    if (!signatures.some((s) => safeEqual(s, expected))) throw new Error('the Stripe signature does not match');
    return JSON.parse(rawBody);
  }

  /** What a verified payment_intent event says about the charge with our key (for applyChargeOutcome). */
  outcomeOfEvent(event: { type: string; data: { object: Intent } }): { key: string; outcome: ChargeOutcome } | null {
    const intent = event.data.object;
    const key = intent.metadata?.civitas_key;
    if (!key || !event.type.startsWith('payment_intent.')) return null;
    return { key, outcome: this.outcomeOf(intent, { brand: 'card', last4: '' }) };
  }
}
