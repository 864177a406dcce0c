/**
 * Notifications: people hear about their application by email, SMS and an
 * inbox in their account. Other modules call notify() in the transaction of
 * the change; templates (per service, event and language, GOV.UK Notify's
 * ((placeholder)) language) turn it into messages written to an outbox that
 * the worker sends with retries, rate limits and at most one sender at a time.
 * docs/notifications.md; ADR 0500 on sending exactly once.
 */
import type { App } from '../../platform/http/index.ts';
import { sendJob } from './deliver.ts';
import type { Notifications } from './notifications.ts';
import { paymentReceivedJob } from './payment-received.ts';
import { registerNotificationApi } from './api.ts';
import { registerNotificationRoutes } from './routes.ts';

export { notify, KIND, type NotifyInput, type NotifyResult, type Value } from './notify.ts';
export { queueEmail, EMAIL_QUEUE, type EmailMessage } from './queue-email.ts';
export { createNotifications, notificationsOf, type ApplicationFacts, type ServiceFacts, type NotificationDeps, type Notifications, type Limits } from './notifications.ts';
export { sendJob, sendBackoffMs } from './deliver.ts';
export { paymentReceivedJob, PAYMENT_SUCCEEDED_QUEUE, type PaymentSucceeded } from './payment-received.ts';
export { notificationsPanel } from './case-panel.ts';
export { EVENTS, EVENT_FIELDS, COMMON_FIELDS, SMS_FIELDS, fieldsOf, isEvent, type NotificationEvent } from './events.ts';
export { checkTemplate, checkDefinitionTemplates, resolveTemplate, publishTemplate, templateId, type Template, type DefinitionTemplates } from './templates.ts';
export { render, placeholdersOf, missingFields } from './template-language.ts';
export { SendFailure, HttpSmsProvider, SmtpChannel, normalisePhone, type EmailChannel, type SmsProvider } from './channels.ts';
export { SEND_QUEUE, MAX_ATTEMPTS, unreadCount, type NotificationStatus } from './repository.ts';

/** Jobs (sending, payments.succeeded) and routes (inbox, preferences, templates, API, demo viewer). */
export function registerNotifications(app: App, n: Notifications): void {
  registerNotificationRoutes(app, n);
  registerNotificationApi(app, n);
}

export function notificationJobs(n: Notifications): void {
  n.ctx.jobs.define(sendJob(n));
  n.ctx.jobs.define(paymentReceivedJob());
}
export { NOTIFICATION_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
