/**
 * The Stripe PaymentIntents adapter against request and response fixtures
 * (fixtures/stripe.json, in the shape of Stripe's API reference): each request
 * the adapter makes must match the fixture (method, path, Idempotency-Key,
 * every form field) and each answer maps to the outcome the payment table
 * expects; webhooks are believed only with a valid, recent Stripe-Signature.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StripeCardProvider } from './stripe.ts';

const F = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/stripe.json'), 'utf8'));
const WEBHOOK_SECRET = 'whsec_test_fixture';

function replaying(...names: string[]) {
  const queue = names.map((n) => F[n]);
  const fake = (async (url: string, init: RequestInit): Promise<Response> => {
    const ex = queue.shift();
    if (!ex) throw new Error(`unexpected request ${init.method} ${url}`);
    const u = new URL(url);
    expect(init.method).toBe(ex.request.method);
    expect(decodeURIComponent(u.pathname + u.search)).toBe(decodeURIComponent(ex.request.path));
    const headers = init.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer sk_test_fixture');
    expect(headers['idempotency-key']).toBe(ex.request.idempotencyKey);
    if (ex.request.form) expect(Object.fromEntries(new URLSearchParams(String(init.body)))).toEqual(ex.request.form);
    return new Response(JSON.stringify(ex.response.body), { status: ex.response.status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { provider: new StripeCardProvider({ secretKey: 'sk_test_fixture', webhookSecret: WEBHOOK_SECRET, fetch: fake }), left: () => queue.length };
}
const pm = (id: string) => ({ number: id, expiryMonth: 12, expiryYear: 2030, cvc: '', name: '' });

describe('Stripe PaymentIntents adapter', () => {
  it('charges with our key as Idempotency-Key and metadata, and maps success, decline and a challenge', async () => {
    const s = replaying('chargeSuccess', 'chargeDeclined', 'chargeChallenge');
    expect(await s.provider.charge({ key: 'charge:pay-1', amount: 9000, currency: 'SGD', card: pm('pm_card_visa') })).toMatchObject({ outcome: 'success', providerId: 'pi_3PZk9b2eZvKYlo2C0n1aBcDe' });
    expect(await s.provider.charge({ key: 'charge:pay-2', amount: 9000, currency: 'SGD', card: pm('pm_card_visa_chargeDeclined') })).toMatchObject({ outcome: 'declined', providerId: 'pi_3PZkAa2eZvKYlo2C1aBcDeFg' });
    expect(await s.provider.charge({ key: 'charge:pay-3', amount: 1500, currency: 'SGD', card: pm('pm_card_threeDSecure2Required') })).toMatchObject({ outcome: 'challenge' });
    expect(s.left()).toBe(0);
  });

  it('finds a charge again by its key (after a crash) and refunds it with the refund\'s key', async () => {
    const s = replaying('searchByKey', 'searchByKey', 'refund');
    expect(await s.provider.lookup('charge:pay-1')).toMatchObject({ outcome: 'success', providerId: 'pi_3PZk9b2eZvKYlo2C0n1aBcDe' });
    expect(await s.provider.refund({ key: 'refund:ref-1', chargeKey: 'charge:pay-1', amount: 3000, currency: 'SGD' })).toEqual({ ok: true, providerId: 're_3PZk9b2eZvKYlo2C0rEfUnD1' });
    expect(s.left()).toBe(0);
  });

  it('believes a webhook only with a valid and recent Stripe-Signature', () => {
    const { provider } = replaying();
    const body = JSON.stringify(F.webhookEvent);
    const t = 1795748460;
    const sign = (payload: string, at: number, secret = WEBHOOK_SECRET) => `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex')}`;
    const now = new Date(t * 1000 + 30_000);
    const event = provider.verifyWebhook(body, sign(body, t), now);
    expect(provider.outcomeOfEvent(event)).toEqual({ key: 'charge:pay-3', outcome: { outcome: 'success', providerId: 'pi_3PZkBb2eZvKYlo2C2tHrEeDs', brand: 'card', last4: '' } });
    expect(() => provider.verifyWebhook(body.replace('1500', '15000'), sign(body, t), now)).toThrow('does not match');
    expect(() => provider.verifyWebhook(body, sign(body, t, 'whsec_other'), now)).toThrow('does not match');
    expect(() => provider.verifyWebhook(body, sign(body, t - 600), now)).toThrow('too old');
    expect(() => provider.verifyWebhook(body, undefined, now)).toThrow('no Stripe signature');
  });
});
