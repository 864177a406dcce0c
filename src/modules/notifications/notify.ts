/**
 * Tell the applicant about their application, in the caller's transaction:
 * the messages exist if and only if the change that caused them commits.
 *
 *   await notify(trx, { event: 'approved', applicationId, personalisation: { message, document } });
 *
 * The applicant's inbox always gets a copy; email and SMS follow their
 * preferences (email on, SMS off unless they chose it and gave a number). The
 * language is the one they chose in their preferences, else the application's.
 * Values may be functions of the language (dates, names of documents).
 */
import { nowIso, type Db } from '../../platform/db/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { EVENT_FIELDS, type NotificationEvent } from './events.ts';
import { notificationsOf } from './notifications.ts';
import { insertInboxMessage, insertNotification, preferencesOf } from './repository.ts';
import { missingFields, render, type Personalisation } from './template-language.ts';
import { resolveTemplate } from './templates.ts';

export type Value = string | number | null | undefined | ((lang: Lang) => string);

export interface NotifyInput {
  event: NotificationEvent;
  applicationId: string;
  personalisation?: Record<string, Value>;
  /** at most one notification per key (e.g. `payment:<id>`): a second notify() with it does nothing */
  dedupeKey?: string;
}

export interface NotifyResult { inbox: string | null; email: string | null; sms: string | null }

/** The kind recorded (and sent as X-Civitas-Kind) for each event. */
export const KIND: Record<NotificationEvent, string> = {
  submitted: 'application.submitted', information_requested: 'casework.infoRequested', approved: 'casework.approved', rejected: 'casework.rejected',
  payment_received: 'payments.received', document_issued: 'signatures.document_issued', deadline_reminder: 'casework.deadlineReminder',
};

export async function notify(trx: Db, input: NotifyInput): Promise<NotifyResult> {
  const n = notificationsOf(trx);
  const { ctx } = n;
  const result: NotifyResult = { inbox: null, email: null, sms: null };
  const app = await n.deps.application(trx, input.applicationId);
  if (!app) throw new Error(`notify: no application ${input.applicationId}`);
  const service = await n.deps.service(app.serviceId, app.serviceVersion);
  if (!service) throw new Error(`notify: no service ${app.serviceId}`);
  const prefs = app.accountId ? await preferencesOf(trx, ctx.keys, app.accountId) : null;
  const lang: Lang = prefs?.lang ?? app.lang;
  const reference = app.reference ?? '';
  const values: Personalisation = {
    service: localize(service.title, lang), reference, link: `${ctx.config.baseUrl}/applications/${app.id}`, site: ctx.messages.t(lang, 'site.name'), name: app.name ?? '',
    // an event's own fields are always present (empty when the caller has nothing to say)
    ...Object.fromEntries(EVENT_FIELDS[input.event].map((f) => [f, ''])),
    ...Object.fromEntries(Object.entries(input.personalisation ?? {}).map(([k, v]) => [k, typeof v === 'function' ? v(lang) : v ?? ''])),
  };
  const template = await resolveTemplate(trx, service, input.event, lang);
  const missing = [...new Set([...missingFields(template.subject, values), ...missingFields(template.body, values)])];
  if (missing.length) ctx.log.warn({ event: input.event, template: template.id, missing }, 'notification template uses fields nobody supplied');
  const subject = render(template.subject, values).replace(/\s+/g, ' ');
  const body = render(template.body, values);
  const now = nowIso(ctx.clock());
  const key = (channel: string) => (input.dedupeKey ? `${input.dedupeKey}:${channel}` : null);
  const common = { kind: KIND[input.event], event: input.event, templateId: template.id, applicationId: app.id, accountId: app.accountId, agencyId: app.agencyId, lang, now };

  if (app.accountId) {
    result.inbox = await insertInboxMessage(trx, ctx.keys, { accountId: app.accountId, event: input.event, applicationId: app.id, subject, body, lang, dedupeKey: key('inbox'), now });
  }
  if (app.email && (prefs?.email ?? true)) {
    result.email = await insertNotification(trx, ctx.keys, { ...common, channel: 'email', to: app.email, subject, body, dedupeKey: key('email') });
  }
  if (prefs?.sms && prefs.phone && n.sms) {
    result.sms = await insertNotification(trx, ctx.keys, { ...common, channel: 'sms', to: prefs.phone, subject: null, body: render(template.sms, values), dedupeKey: key('sms') });
  }
  return result;
}
