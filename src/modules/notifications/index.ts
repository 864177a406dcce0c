/**
 * Notifications: an encrypted email outbox written in the same transaction as
 * the event that causes it, sent over SMTP by the background worker; in demo
 * mode a viewer shows what was sent.
 */
export { queueEmail, EMAIL_QUEUE, type EmailMessage } from './queue-email.ts';
export { emailJob, type MailSettings } from './send-email.ts';
export { registerDemoMailRoutes } from './routes.ts';
export { NOTIFICATION_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
