/**
 * Signed webhooks to agency systems, following the Standard Webhooks
 * specification (https://www.standardwebhooks.com, the `standardwebhooks`
 * package): each message has an id (the same on every retry, so receivers
 * can drop duplicates), a timestamp and an HMAC-SHA256 signature over
 * "id.timestamp.body" with the endpoint's secret.
 *
 * A status change writes one delivery per subscribed endpoint of the agency
 * in the same transaction as the change (outbox), and a job that sends it.
 * Failed sends are retried with back-off; every attempt is logged. Messages
 * may arrive out of order (several are sent at once, and retries): each
 * carries data.sequence, the position of its change in the application's
 * history, to order them by.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { AppContext } from '../../platform/context.ts';
import { fromJson, newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { enqueue, type JobDefinition } from '../../platform/jobs/index.ts';

export const WEBHOOK_QUEUE = 'casework.webhook';
export const WEBHOOK_EVENT_TYPES = ['application.status_changed', 'case.escalated'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Retry schedule after a failed attempt (as Standard Webhooks suggests): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const WEBHOOK_RETRY_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_MS.length + 1;
const TIMEOUT_MS = 10_000;

export interface WebhookEndpoint { id: string; agencyId: string; url: string; description: string; eventTypes: string[]; active: boolean; createdAt: string; disabledAt: string | null }

const toEndpoint = (r: any): WebhookEndpoint => ({
  id: r.id, agencyId: r.agency_id, url: r.url, description: r.description, eventTypes: fromJson<string[]>(r.event_types), active: Number(r.active) === 1 || r.active === true,
  createdAt: r.created_at, disabledAt: r.disabled_at ?? null,
});

/** Only https (plain http only in demo mode, for a local receiver while trying Civitas out). */
export function checkWebhookUrl(url: string, demo: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'casework.webhooks.errors.url';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && demo) return null;
  return 'casework.webhooks.errors.https';
}

export async function createEndpoint(ctx: AppContext, input: { agencyId: string; url: string; description: string; eventTypes?: string[]; by: string }): Promise<{ id: string; secret: string }> {
  const urlProblem = checkWebhookUrl(input.url, ctx.config.demo);
  const fields = [];
  if (urlProblem) fields.push({ field: 'url', message: urlProblem });
  const types = input.eventTypes?.length ? input.eventTypes : [...WEBHOOK_EVENT_TYPES];
  if (types.some((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t))) fields.push({ field: 'eventTypes', message: 'casework.webhooks.errors.eventTypes' });
  if (fields.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields });
  const id = newId();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('webhook_endpoints').values({
      id, agency_id: input.agencyId, url: input.url, description: input.description.slice(0, 200), secret_enc: ctx.keys.encrypt(secret, `webhook:${id}`),
      event_types: toJson(types), active: 1, created_by: input.by, created_at: nowIso(ctx.clock()), disabled_at: null,
    }).execute();
    await appendAudit(trx, { stream: `webhook:${id}`, action: 'casework.webhook_endpoint_created', actorType: 'officer', actorId: input.by, agencyId: input.agencyId, subjectType: 'webhook_endpoint', subjectId: id, data: { url: input.url, eventTypes: types } });
  });
  return { id, secret };
}

export async function disableEndpoint(ctx: AppContext, input: { agencyId: string; id: string; by: string }): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('webhook_endpoints').set({ active: 0, disabled_at: nowIso(ctx.clock()) })
      .where('id', '=', input.id).where('agency_id', '=', input.agencyId).where('active', '=', 1).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    await appendAudit(trx, { stream: `webhook:${input.id}`, action: 'casework.webhook_endpoint_disabled', actorType: 'officer', actorId: input.by, agencyId: input.agencyId, subjectType: 'webhook_endpoint', subjectId: input.id });
    return true;
  });
}

export async function listEndpoints(db: Db, agencyId: string): Promise<WebhookEndpoint[]> {
  return (await db.selectFrom('webhook_endpoints').selectAll().where('agency_id', '=', agencyId).orderBy('created_at', 'desc').execute()).map(toEndpoint);
}

export interface Delivery { id: string; endpointId: string; eventType: string; applicationId: string | null; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; createdAt: string; deliveredAt: string | null; url?: string }

const toDelivery = (r: any): Delivery => ({
  id: r.id, endpointId: r.endpoint_id, eventType: r.event_type, applicationId: r.application_id ?? null, status: r.status, attempts: Number(r.attempts),
  lastStatusCode: r.last_status_code === null || r.last_status_code === undefined ? null : Number(r.last_status_code), lastError: r.last_error ?? null,
  createdAt: r.created_at, deliveredAt: r.delivered_at ?? null, url: r.url,
});

export async function listDeliveries(db: Db, agencyId: string, limit = 50): Promise<Delivery[]> {
  const rows = await db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.endpoint_id', 'd.event_type', 'd.application_id', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.delivered_at', 'e.url'])
    .where('d.agency_id', '=', agencyId).orderBy('d.created_at', 'desc').limit(limit).execute();
  return rows.map(toDelivery);
}

export async function listAttempts(db: Db, deliveryId: string) {
  const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
  return rows.map((r: any) => ({ attempt: Number(r.attempt), at: r.at as string, statusCode: r.status_code === null ? null : Number(r.status_code), error: r.error as string | null, durationMs: Number(r.duration_ms) }));
}

/**
 * In the caller's transaction: a delivery for each active endpoint of the
 * agency that takes this event type, and the job that sends it. The payload
 * names the application and its new state, never personal data: the receiver
 * reads the application with its API key (and that read is logged).
 */
export async function emitWebhook(trx: Db, ev: { agencyId: string; type: WebhookEventType; applicationId: string; data: Record<string, unknown>; at: string }): Promise<number> {
  const endpoints = (await trx.selectFrom('webhook_endpoints').selectAll().where('agency_id', '=', ev.agencyId).where('active', '=', 1).execute()).map(toEndpoint)
    .filter((e) => e.eventTypes.includes(ev.type));
  for (const e of endpoints) {
    const id = `msg_${newId().replace(/-/g, '')}`;
    const payload = toJson({ type: ev.type, timestamp: ev.at, data: { applicationId: ev.applicationId, ...ev.data } });
    await trx.insertInto('webhook_deliveries').values({
      id, endpoint_id: e.id, agency_id: ev.agencyId, event_type: ev.type, application_id: ev.applicationId, payload, status: 'pending', attempts: 0,
      last_status_code: null, last_error: null, created_at: ev.at, delivered_at: null,
    }).execute();
    await enqueue(trx, WEBHOOK_QUEUE, { deliveryId: id }, { maxAttempts: WEBHOOK_MAX_ATTEMPTS });
  }
  return endpoints.length;
}

/** The job that sends one delivery. Safe to run twice: a delivered message is not sent again. */
export function webhookJob(ctx: AppContext, opts: { fetch?: typeof fetch } = {}): JobDefinition<{ deliveryId: string }> {
  const send = opts.fetch ?? fetch;
  return {
    queue: WEBHOOK_QUEUE,
    backoffMs: (attempt) => WEBHOOK_RETRY_MS[Math.min(attempt - 1, WEBHOOK_RETRY_MS.length - 1)]!,
    async handle({ deliveryId }, { db, attempt, log }) {
      const d: any = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
      if (!d || d.status === 'delivered') return;
      const e: any = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', d.endpoint_id).executeTakeFirst();
      if (!e || !(Number(e.active) === 1 || e.active === true)) {
        await db.updateTable('webhook_deliveries').set({ status: 'failed', last_error: 'the endpoint was disabled' }).where('id', '=', deliveryId).execute();
        return;
      }
      const secret = ctx.keys.decrypt(e.secret_enc, `webhook:${e.id}`);
      const sentAt = ctx.clock();
      const signature = new Webhook(secret).sign(deliveryId, sentAt, d.payload);
      const started = Date.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await send(e.url, {
          method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS), body: d.payload,
          headers: {
            'content-type': 'application/json', 'user-agent': 'Civitas-Webhooks/1',
            'webhook-id': deliveryId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature,
          },
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (err as Error).message;
      }
      const now = nowIso(ctx.clock());
      await db.insertInto('webhook_attempts').values({ delivery_id: deliveryId, attempt, at: now, status_code: status, error, duration_ms: Date.now() - started }).execute();
      if (!error) {
        await db.updateTable('webhook_deliveries').set({ status: 'delivered', attempts: attempt, last_status_code: status, last_error: null, delivered_at: now }).where('id', '=', deliveryId).execute();
        return;
      }
      const final = attempt >= WEBHOOK_MAX_ATTEMPTS;
      await db.updateTable('webhook_deliveries').set({ status: final ? 'failed' : 'pending', attempts: attempt, last_status_code: status, last_error: error.slice(0, 500) }).where('id', '=', deliveryId).execute();
      log.warn({ deliveryId, attempt, error }, 'webhook delivery failed');
      throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
    },
  };
}
