/**
 * Payment events to agency systems, signed per the Standard Webhooks
 * specification (the `standardwebhooks` package): webhook-id (the same on
 * every retry: receivers drop duplicates), webhook-timestamp, and an
 * HMAC-SHA256 signature with the endpoint's secret. Every state change of an
 * agency's payment writes one delivery per active endpoint in the change's
 * transaction (outbox); failed sends are retried after 1 min, 5 min, 1 h,
 * 1 day and 2 days; agency administrators see the log and replay a delivery.
 * The payload names the payment and its new state, no personal data.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { appendAudit } from '../../platform/audit/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { enqueue, type JobDefinition } from '../../platform/jobs/index.ts';
import type { Payment } from './repository.ts';

export const PAYMENT_WEBHOOK_QUEUE = 'payments.webhook';
/** After the first attempt fails: 1 minute, 5 minutes, 1 hour, 1 day, 2 days. */
export const PAYMENT_WEBHOOK_RETRY_MS = [60_000, 300_000, 3_600_000, 86_400_000, 172_800_000];
const TIMEOUT_MS = 10_000;

export async function createPaymentEndpoint(ctx: AppContext, input: { agencyId: string; url: string; by: string }): Promise<{ id: string; secret: string }> {
  let u: URL | null = null;
  try { u = new URL(input.url); } catch { /* below */ }
  if (!u || !(u.protocol === 'https:' || (ctx.config.demo && u.protocol === 'http:'))) {
    throw new AppError('validation_failed', 'errors.validationFailed', { fields: [{ field: 'url', message: 'payments.webhooks.errors.url' }] });
  }
  const id = newId();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('payment_webhook_endpoints').values({ id, agency_id: input.agencyId, url: input.url, secret_enc: ctx.keys.encrypt(secret, `payment-webhook:${id}`), active: 1, created_by: input.by, created_at: nowIso(ctx.clock()) }).execute();
    await appendAudit(trx, { stream: `payment-webhook:${id}`, action: 'payments.webhook_endpoint_created', actorType: 'officer', actorId: input.by, agencyId: input.agencyId, subjectType: 'webhook_endpoint', subjectId: id, data: { url: input.url } });
  });
  return { id, secret };
}

/** In the caller's transaction: a delivery per active endpoint of the payment's agency, and its job. */
export async function emitPaymentEvent(trx: Db, payment: Payment, event: string, at: string): Promise<void> {
  const endpoints = await trx.selectFrom('payment_webhook_endpoints').select('id').where('agency_id', '=', payment.agencyId).where('active', '=', 1).execute() as { id: string }[];
  for (const e of endpoints) {
    const id = `msg_${newId().replace(/-/g, '')}`;
    const payload = toJson({
      type: `payment.${payment.state}`, timestamp: at,
      data: { payment_id: payment.id, state: payment.state, event, amount: payment.amount, currency: payment.currency, reference: payment.reference, application_id: payment.applicationId },
    });
    await trx.insertInto('payment_webhook_deliveries').values({
      id, endpoint_id: e.id, agency_id: payment.agencyId, payment_id: payment.id, event_type: `payment.${payment.state}`, payload, status: 'pending', attempts: 0,
      last_status_code: null, last_error: null, created_at: at, delivered_at: null,
    }).execute();
    await enqueue(trx, PAYMENT_WEBHOOK_QUEUE, { deliveryId: id }, { maxAttempts: PAYMENT_WEBHOOK_RETRY_MS.length + 1 });
  }
}

export interface PaymentDelivery { id: string; url: string; eventType: string; paymentId: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; createdAt: string }

export async function listPaymentDeliveries(db: Db, agencyId: string, limit = 30): Promise<PaymentDelivery[]> {
  const rows = await db.selectFrom('payment_webhook_deliveries as d').innerJoin('payment_webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'e.url', 'd.event_type', 'd.payment_id', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.created_at'])
    .where('d.agency_id', '=', agencyId).orderBy('d.created_at', 'desc').orderBy('d.id').limit(limit).execute();
  return rows.map((r: any) => ({
    id: r.id, url: r.url, eventType: r.event_type, paymentId: r.payment_id, status: r.status, attempts: Number(r.attempts),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code), lastError: r.last_error ?? null, createdAt: String(r.created_at),
  }));
}

/** Send a delivery again (an agency administrator's replay): the same webhook-id, so a receiver that has it ignores it. */
export async function replayDelivery(ctx: AppContext, agencyId: string, deliveryId: string, by: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('payment_webhook_deliveries').set({ status: 'pending' }).where('id', '=', deliveryId).where('agency_id', '=', agencyId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await enqueue(trx, PAYMENT_WEBHOOK_QUEUE, { deliveryId, replay: true }, { maxAttempts: PAYMENT_WEBHOOK_RETRY_MS.length + 1 });
    await appendAudit(trx, { stream: `agency:${agencyId}:payments`, action: 'payments.webhook_replayed', actorType: 'officer', actorId: by, agencyId, subjectType: 'webhook_delivery', subjectId: deliveryId });
    return true;
  });
}

export function paymentWebhookJob(ctx: AppContext, opts: { fetch?: typeof fetch } = {}): JobDefinition<{ deliveryId: string; replay?: boolean }> {
  const send = opts.fetch ?? fetch;
  return {
    queue: PAYMENT_WEBHOOK_QUEUE,
    backoffMs: (attempt) => PAYMENT_WEBHOOK_RETRY_MS[Math.min(attempt - 1, PAYMENT_WEBHOOK_RETRY_MS.length - 1)]!,
    async handle({ deliveryId, replay }, { db, attempt, log }) {
      const d: any = await db.selectFrom('payment_webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
      if (!d || (d.status === 'delivered' && !replay)) return;
      const e: any = await db.selectFrom('payment_webhook_endpoints').selectAll().where('id', '=', d.endpoint_id).executeTakeFirst();
      const sentAt = ctx.clock();
      const signature = new Webhook(ctx.keys.decrypt(e.secret_enc, `payment-webhook:${e.id}`)).sign(deliveryId, sentAt, d.payload);
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await send(e.url, {
          method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS), body: d.payload,
          headers: { 'content-type': 'application/json', 'user-agent': 'Civitas-Webhooks/1', 'webhook-id': deliveryId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature },
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (err) {
        error = (err as Error).message;
      }
      const attempts = Number(d.attempts) + 1;
      if (!error) {
        await db.updateTable('payment_webhook_deliveries').set({ status: 'delivered', attempts, last_status_code: status, last_error: null, delivered_at: nowIso(ctx.clock()) }).where('id', '=', deliveryId).execute();
        return;
      }
      const final = attempt > PAYMENT_WEBHOOK_RETRY_MS.length;
      await db.updateTable('payment_webhook_deliveries').set({ status: final ? 'failed' : 'pending', attempts, last_status_code: status, last_error: error.slice(0, 500) }).where('id', '=', deliveryId).execute();
      log.warn({ deliveryId, attempt, error }, 'payment webhook delivery failed');
      throw new Error(`payment webhook ${deliveryId} failed: ${error}`);
    },
  };
}
