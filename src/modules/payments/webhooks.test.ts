/**
 * An agency system creates a payment through the API (Idempotency-Key) and
 * receives its events as Standard Webhooks, verified here with the
 * standardwebhooks package; a failed send is retried on the schedule and can
 * be replayed by the agency administrator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode } from '../../../test/helpers/browser.ts';
import { signInAs } from '../../../test/helpers/casework.ts';
import { createApiKey } from '../identity/index.ts';
import { TEST_CARDS, createPaymentEndpoint, listPaymentDeliveries, PAYMENT_WEBHOOK_RETRY_MS } from './index.ts';

let p: TestPlatform;
let server: http.Server;
let receiverUrl = '';
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let failNext = 0;

beforeAll(async () => {
  p = await createTestPlatform();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (failNext > 0) { failNext--; res.statusCode = 500; res.end(); return; }
      received.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await p?.close();
});

describe('payment webhooks to agency systems', () => {
  it('signs every state change per Standard Webhooks, retries on the schedule, and lets the administrator replay', async () => {
    const { secret } = await createPaymentEndpoint(p.ctx, { agencyId: 'avs', url: receiverUrl, by: 'test' });
    const key = (await createApiKey(p.ctx.db, { agencyId: 'avs', name: 'billing', scopes: ['payments:read', 'payments:write'] })).key;
    const res = await p.app.inject({
      method: 'POST', url: '/api/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'wh-1' },
      payload: JSON.stringify({ amount: 2500, reference: 'AVS-WH-1', description: 'Licence', return_url: 'https://avs.example.gov.sg/done' }),
    });
    const created = res.json();
    const payer = new FormBrowser(p.app);
    const cardPage = await payer.get(new URL(created._links.next_url.href).pathname);
    failNext = 1; // the receiver is down for the first message
    await payer.post(`${cardPage.url}/card`, { cardNumber: TEST_CARDS.success, expiryMonth: '12', expiryYear: '2030', cardholderName: 'A', cvc: '123' });
    await p.worker.tick();
    const deliveries = await listPaymentDeliveries(p.ctx.db, 'avs');
    expect(deliveries.map((d) => d.eventType).sort()).toEqual(['payment.started', 'payment.submitted', 'payment.success']);
    const failed = deliveries.filter((d) => d.status === 'pending');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.lastError).toBe('HTTP 500');
    const job: any = await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', 'payments.webhook').where('state', '!=', 'done').executeTakeFirstOrThrow();
    expect(Date.parse(job.run_at) - Date.now()).toBeGreaterThan(PAYMENT_WEBHOOK_RETRY_MS[0]! - 10_000);
    expect(received).toHaveLength(2);
    const wh = new Webhook(secret);
    for (const r of received) {
      const msg = wh.verify(r.body, { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) }) as any;
      expect(msg.data.payment_id).toBe(created.payment_id);
    }
    expect(() => wh.verify(received[0]!.body.replace('2500', '2600'), { 'webhook-id': String(received[0]!.headers['webhook-id']), 'webhook-timestamp': String(received[0]!.headers['webhook-timestamp']), 'webhook-signature': String(received[0]!.headers['webhook-signature']) })).toThrow();

    // the administrator sees the log and sends the failed one again, with the same webhook-id
    const admin = await signInAs(p, 'suresh-pillai');
    const log = await admin.get('/agency/payments');
    expect(decode(log.html)).toContain('HTTP 500');
    await admin.post(`/agency/payments/webhooks/deliveries/${failed[0]!.id}/replay`, {});
    await p.worker.tick();
    expect(received).toHaveLength(3);
    expect(received[2]!.headers['webhook-id']).toBe(failed[0]!.id);
    expect((await listPaymentDeliveries(p.ctx.db, 'avs')).every((d) => d.status === 'delivered')).toBe(true);
  });
});
