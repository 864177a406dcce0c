/**
 * The API for agency systems, modelled on GOV.UK Notify: send an email or an
 * SMS from one of the agency's templates with personalisation, and read a
 * notification's status. Scope `notifications:send`.
 */
import Type from 'typebox';
import { inTransaction, nowIso } from '../../platform/db/index.ts';
import type { App } from '../../platform/http/index.ts';
import { AppError, notFound, type FieldError } from '../../platform/errors/index.ts';
import { isLang, type Lang } from '../../platform/i18n/index.ts';
import { normalisePhone } from './channels.ts';
import type { Notifications } from './notifications.ts';
import { findByDedupeKey, findNotification, insertNotification, type Channel, type NotificationRow } from './repository.ts';
import { missingFields, render } from './template-language.ts';
import { parseTemplateId, resolveTemplate } from './templates.ts';

const Personalisation = Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean()]));
const Common = {
  template_id: Type.String({ maxLength: 200, description: 'the template: `<service id>.<event>`, e.g. `baby-bonus.approved` (a service of the API key\'s agency)' }),
  personalisation: Type.Optional(Personalisation),
  reference: Type.Optional(Type.String({ maxLength: 200, description: 'your own reference, returned with the status' })),
  language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ms'), Type.Literal('zh'), Type.Literal('ta')], { description: 'the template language (default en)' })),
};
const EmailBody = Type.Object({ email_address: Type.String({ maxLength: 320 }), ...Common }, { additionalProperties: false });
const SmsBody = Type.Object({ phone_number: Type.String({ maxLength: 32 }), ...Common }, { additionalProperties: false });
const Sent = Type.Object({
  id: Type.String(), reference: Type.Union([Type.String(), Type.Null()]), uri: Type.String(),
  template: Type.Object({ id: Type.String() }),
  content: Type.Object({ subject: Type.Optional(Type.String()), body: Type.String() }),
});
const Status = Type.Object({
  id: Type.String(), type: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  status: Type.Union(['created', 'sending', 'delivered', 'temporary-failure', 'permanent-failure'].map((s) => Type.Literal(s))),
  reference: Type.Union([Type.String(), Type.Null()]), template: Type.Union([Type.Object({ id: Type.String() }), Type.Null()]),
  created_at: Type.String(), sent_at: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(),
});
const errors = { 400: Type.Any(), 401: Type.Any(), 403: Type.Any(), 404: Type.Any(), 409: Type.Any(), 422: Type.Any(), 429: Type.Any() };
const security = [{ apiKey: [] }];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function registerNotificationApi(app: App, n: Notifications): void {
  const { ctx } = n;
  const uri = (id: string) => `${ctx.config.baseUrl}/api/v1/notifications/${id}`;

  async function send(channel: Channel, request: any, reply: any) {
    const client = request.apiClient!;
    const body = request.body as { template_id: string; personalisation?: Record<string, string | number | boolean>; reference?: string; language?: Lang; email_address?: string; phone_number?: string };
    const parsed = parseTemplateId(body.template_id);
    const service = parsed ? n.deps.servicesOf(client.agencyId).find((s) => s.id === parsed.serviceId) : undefined;
    if (!parsed || !service) throw notFound('notifications.errors.unknownTemplate');
    const fields: FieldError[] = [];
    const to = channel === 'email' ? (EMAIL.test(body.email_address!.trim()) ? body.email_address!.trim() : null) : normalisePhone(body.phone_number!);
    if (!to) fields.push({ field: channel === 'email' ? 'email_address' : 'phone_number', message: channel === 'email' ? 'notifications.errors.email' : 'notifications.errors.phone' });
    if (channel === 'sms' && !n.sms) throw new AppError('conflict', 'notifications.errors.noSms');
    const lang: Lang = body.language && isLang(body.language) ? body.language : 'en';
    const template = await resolveTemplate(ctx.db, service, parsed.event, lang);
    const values = { ...(body.personalisation ?? {}) };
    const texts = channel === 'email' ? [template.subject, template.body] : [template.sms];
    const missing = [...new Set(texts.flatMap((t) => missingFields(t, values)))];
    if (missing.length) fields.push({ field: 'personalisation', message: 'notifications.errors.missingPersonalisation', params: { fields: missing.join(', ') } });
    if (fields.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields: fields.map((f) => ({ ...f, message: ctx.messages.t('en', f.message, f.params) })) });
    const key = typeof request.headers['idempotency-key'] === 'string' ? `api:${client.keyId}:${request.headers['idempotency-key'].slice(0, 200)}` : null;
    const subject = channel === 'email' ? render(template.subject, values).replace(/\s+/g, ' ') : null;
    const text = render(channel === 'email' ? template.body : template.sms, values);
    const id = await inTransaction(ctx.db, async (trx) => insertNotification(trx, ctx.keys, {
      channel, kind: 'api', event: parsed.event, templateId: template.id, agencyId: client.agencyId, apiKeyId: client.keyId, clientReference: body.reference ?? null,
      to: to!, subject, body: text, lang, dedupeKey: key, now: nowIso(ctx.clock()),
    }));
    if (!id) {
      // the same Idempotency-Key again: the first notification, not a second one
      const first = (await findByDedupeKey(ctx.db, key!))!;
      reply.header('idempotent-replayed', 'true');
      return reply.status(201).send({ id: first.id, reference: first.clientReference, uri: uri(first.id), template: { id: first.templateId ?? template.id }, content: { ...(subject !== null ? { subject } : {}), body: text } });
    }
    return reply.status(201).send({ id, reference: body.reference ?? null, uri: uri(id), template: { id: template.id }, content: { ...(subject !== null ? { subject } : {}), body: text } });
  }

  const description = (what: string) => `Sends ${what} from one of your agency's templates (\`<service id>.<event>\`), filled in with \`personalisation\`: every ((field)) the template uses must be given (422 otherwise). `
    + 'The message is queued and sent by the worker with retries; read its status with GET /api/v1/notifications/{id}. Send an `Idempotency-Key` header to make retries safe.';

  app.post('/api/v1/notifications/email', {
    config: { access: { apiScope: 'notifications:send' } },
    schema: { summary: 'Send an email', description: description('an email'), tags: ['notifications'], security, body: EmailBody, headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 200 })) }), response: { 201: Sent, ...errors } },
  }, async (request, reply) => send('email', request, reply));

  app.post('/api/v1/notifications/sms', {
    config: { access: { apiScope: 'notifications:send' } },
    schema: { summary: 'Send an SMS', description: description('an SMS (the template\'s SMS text)'), tags: ['notifications'], security, body: SmsBody, headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 200 })) }), response: { 201: Sent, ...errors } },
  }, async (request, reply) => send('sms', request, reply));

  app.get('/api/v1/notifications/:id', {
    config: { access: { apiScope: 'notifications:send' } },
    schema: {
      summary: 'A notification\'s status', tags: ['notifications'], security,
      description: 'created, sending, delivered, temporary-failure (will be retried) or permanent-failure. Only notifications of your own agency.',
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Status, ...errors },
    },
  }, async (request) => {
    const r = /^[0-9a-f-]{36}$/.test(request.params.id) ? await findNotification(ctx.db, request.params.id) : undefined;
    if (!r || r.agencyId !== request.apiClient!.agencyId) throw notFound('notifications.errors.unknownNotification');
    return toStatus(r);
  });
}

const toStatus = (r: NotificationRow) => ({
  id: r.id, type: r.channel, status: r.status, reference: r.clientReference, template: r.templateId ? { id: r.templateId } : null,
  created_at: r.createdAt, sent_at: r.sentAt, attempts: r.attempts,
});
