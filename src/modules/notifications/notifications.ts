/**
 * The module's state: channels, limits and what it needs from the rest of the
 * platform (the application and its applicant, the service definition), wired
 * in src/main.ts. notify() finds it from the caller's transaction: every
 * transaction of a database belongs to one platform.
 */
import { Counter } from 'prom-client';
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Lang, LocalText } from '../../platform/i18n/index.ts';
import { DemoEmailChannel, DemoSmsProvider, HttpSmsProvider, SmtpChannel, UnconfiguredEmailChannel, type EmailChannel, type SmsProvider } from './channels.ts';
import type { DefinitionTemplates } from './templates.ts';

export interface ApplicationFacts {
  id: string;
  /** as shown to people (formatted) */
  reference: string | null;
  serviceId: string;
  serviceVersion: number;
  agencyId: string;
  /** the applicant's account (their inbox), if they have one */
  accountId: string | null;
  /** the applicant's email (account, or the contact address given at a counter) */
  email: string | null;
  /** the language of the application */
  lang: Lang;
  name: string | null;
}

export interface ServiceFacts { id: string; agencyId: string; title: LocalText; notifications?: DefinitionTemplates }

export interface NotificationDeps {
  /** the application and its applicant, read with the caller's transaction handle */
  application(db: Db, applicationId: string): Promise<ApplicationFacts | null>;
  /** a version of a service definition (the catalogue's cache: no query inside the caller's transaction) */
  service(serviceId: string, version?: number): Promise<ServiceFacts | null>;
  /** the agency's services (for the administrator's template pages and the API) */
  servicesOf(agencyId: string): ServiceFacts[];
}

export interface Limits {
  recipientPerHour: number;
  agencyPerMinute: number;
  /** how long a worker may take to send one message before another may try (after a crash) */
  leaseMs: number;
}

export interface Notifications {
  ctx: AppContext;
  deps: NotificationDeps;
  email: EmailChannel;
  sms: SmsProvider | null;
  limits: Limits;
  /** civitas_notifications_total{channel, outcome} */
  outcomes: Counter<'channel' | 'outcome'>;
}

const bound = new WeakMap<object, Notifications>();
const keyOf = (db: Db): object => db.getExecutor().adapter;

export function createNotifications(ctx: AppContext, deps: NotificationDeps, opts: { email?: EmailChannel; sms?: SmsProvider | null; limits?: Partial<Limits> } = {}): Notifications {
  const { config } = ctx;
  const email = opts.email ?? (config.smtpUrl
    ? new SmtpChannel({ url: config.smtpUrl, from: config.mailFrom, domain: new URL(config.baseUrl).hostname, requireTls: config.smtpRequireTls })
    : config.demo ? new DemoEmailChannel() : new UnconfiguredEmailChannel());
  const sms = opts.sms !== undefined ? opts.sms : config.sms ? new HttpSmsProvider(config.sms) : config.demo ? new DemoSmsProvider() : null;
  const n: Notifications = {
    ctx, deps, email, sms,
    outcomes: new Counter({ name: 'civitas_notifications_total', help: 'Notifications sent, by channel and outcome (delivered, temporary-failure, permanent-failure)', labelNames: ['channel', 'outcome'], registers: [ctx.metrics.registry] }),
    limits: { recipientPerHour: config.notifyRecipientPerHour, agencyPerMinute: config.notifyAgencyPerMinute, leaseMs: 2 * 60_000, ...opts.limits },
  };
  bound.set(keyOf(ctx.db), n);
  return n;
}

/** The platform a database handle (or one of its transactions) belongs to. */
export function notificationsOf(db: Db): Notifications {
  const n = bound.get(keyOf(db));
  if (!n) throw new Error('notifications: this database has no notifications module (createNotifications at start-up)');
  return n;
}
