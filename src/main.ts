/**
 * Start-up: config -> database (migrated) -> keys -> catalogue -> modules ->
 * HTTP server -> background worker. createPlatform() builds everything without
 * listening, so tests and benchmarks run the real thing in-process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './platform/config/index.ts';
import { describeDatabase } from './platform/config/index.ts';
import type { AppContext } from './platform/context.ts';
import { openDatabase, type Database } from './platform/db/index.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { KeyRing, loadMasterKey } from './platform/crypto/keyring.ts';
import { createHttpServer, type App } from './platform/http/index.ts';
import { Messages } from './platform/i18n/index.ts';
import { JobRegistry, Worker, pruneFinishedJobs } from './platform/jobs/index.ts';
import { createLogger, type Logger } from './platform/log/index.ts';
import { Metrics } from './platform/metrics/index.ts';
import { createViews } from './platform/views/index.ts';
import { CalendarSource, syncCalendars } from './platform/calendar/index.ts';
import { buildAssets } from './platform/views/assets.ts';
import { syncCatalogue, registerCatalogueRoutes, type Catalogue } from './modules/catalogue/index.ts';
import { apiKeyHook, attachWebClient, createIdentity, identityJobs, registerIdentityRoutes, seedDemoPersonas, sessionHook, type IdentityServices } from './modules/identity/index.ts';
import { applicantContact, findApplication, formatReference, registerApplicationRoutes } from './modules/applications/index.ts';
import { createNotifications, NOTIFICATION_ENCRYPTED_COLUMNS, notificationJobs, notificationsPanel, registerNotifications, type Notifications } from './modules/notifications/index.ts';
import { registerSiteRoutes } from './modules/site/index.ts';
import { SIGNING_STEP, SIGNATURES_ENCRYPTED_COLUMNS, createSignatures, type Signatures, documentsPanel, issueDocument, issueDocumentJob, registerSignatureRoutes, SecondFactorStepUp } from './modules/signatures/index.ts';
import { createCasework, registerCasework, DECIDED_QUEUE, type Casework, type DecidedJob } from './modules/casework/index.ts';
import { createPayments, paymentStep, paymentsPanel, registerPayments, type Payments } from './modules/payments/index.ts';
import { createKpi, registerDataSharingSource, registerKpiRoutes, seedDemoHistory, type Kpi } from './modules/kpi/index.ts';
import { registerSatisfactionRoutes, SATISFACTION_ENCRYPTED_COLUMNS, surveyLinks, surveyPanel } from './modules/satisfaction/index.ts';
import { PREFILL_ITEMS, REGISTRY_ENCRYPTED_COLUMNS, registerRegistryApi, registryJobs, seedDemoRegistry } from './modules/registry/index.ts';
import { consentStep, registerConsentRoutes } from './modules/consent/index.ts';
import { DATA_USE_ENCRYPTED_COLUMNS, recordDataUse, registerDataUseRoutes } from './modules/data-use/index.ts';
import { IDENTITY_ENCRYPTED_COLUMNS } from './modules/identity/index.ts';
import { APPLICATION_ENCRYPTED_COLUMNS } from './modules/applications/index.ts';
import { CASEWORK_ENCRYPTED_COLUMNS } from './modules/casework/index.ts';
import { dataKeyRotationJob, type EncryptedColumn, type RotationOptions } from './platform/crypto/rotation.ts';
import { localize, type Lang } from './platform/i18n/index.ts';
import { auditPersonDataRead, createExchange, dataSharingMeasurements, registerExchange, type Exchange } from './modules/exchange/index.ts';

export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVICES_DIR = path.join(ROOT_DIR, 'services');

export interface Platform {
  ctx: AppContext;
  signatures: Signatures;
  identity: IdentityServices;
  app: App;
  worker: Worker;
  catalogue: Catalogue;
  database: Database;
  /** the public-holiday calendar (CIVITAS_CALENDAR) for working-day deadlines */
  calendar: CalendarSource;
  casework: Casework;
  payments: Payments;
  /** the scorecard (register a data-sharing source on it: registerDataSharingSource) */
  kpi: Kpi;
  /** cross-agency data exchange: other modules add their data products with exchange.registerSource() */
  exchange: Exchange;
  notifications: Notifications;
  close(): Promise<void>;
}

export interface PlatformOptions {
  log?: Logger;
  clock?: () => Date;
  servicesDir?: string;
  /** print progress of start-up steps */
  progress?: (step: string) => void;
  /** data-key rotation timings (tests shorten them) */
  rotation?: RotationOptions;
}

/** Every column of personal data sealed by the keyring: what a data-key rotation re-encrypts. */
export const ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  ...IDENTITY_ENCRYPTED_COLUMNS, ...APPLICATION_ENCRYPTED_COLUMNS, ...CASEWORK_ENCRYPTED_COLUMNS, ...NOTIFICATION_ENCRYPTED_COLUMNS,
  ...REGISTRY_ENCRYPTED_COLUMNS, ...DATA_USE_ENCRYPTED_COLUMNS, ...SIGNATURES_ENCRYPTED_COLUMNS, ...SATISFACTION_ENCRYPTED_COLUMNS,
];

export async function createPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.log ?? createLogger(config.logLevel);
  const progress = opts.progress ?? (() => undefined);
  const database = await openDatabase(config.database, { poolSize: config.dbPoolSize, onIdleError: (err) => log.warn({ err: err.message }, 'an idle database connection was closed by the server') });
  try {
    progress(`database: ${describeDatabase(config.database)}`);
    const applied = await migrateToLatest(database.db, (name) => progress(`migration applied: ${name}`));
    if (applied.length) log.info({ migrations: applied }, 'database migrated');
    const keys = await KeyRing.load(database.db, loadMasterKey(config.dataDir));
    for (const c of await syncCalendars(database.db)) progress(`calendar updated: ${c}`);
    const calendar = new CalendarSource(database.db, config.calendar);
    await calendar.get(); // an unknown CIVITAS_CALENDAR stops start-up here, with the calendars there are
    const assets = await buildAssets();
    const jobs = new JobRegistry();
    const ctx: AppContext = {
      config, db: database.db, dialect: database.dialect, log, jobs, keys,
      messages: new Messages(), views: createViews(), metrics: new Metrics(database.db), clock: opts.clock ?? (() => new Date()),
    };
    const catalogue = await syncCatalogue(ctx.db, opts.servicesDir ?? SERVICES_DIR, log, { journeySteps: new Set([SIGNING_STEP]), prefillItems: PREFILL_ITEMS });
    const payments = createPayments(ctx, catalogue);
    const signatures = createSignatures(ctx, catalogue, { stepUp: new SecondFactorStepUp(ctx), payment: paymentStep(payments) });
    progress(`catalogue: ${catalogue.list().length} services from ${catalogue.agencies.length} agencies`);
    const serviceFacts = (s: { id: string; definition: any }) => ({ id: s.id, agencyId: s.definition.agency, title: s.definition.title, notifications: s.definition.notifications });
    const notifications = createNotifications(ctx, {
      async application(db, id) {
        const a = await findApplication(db, keys, id);
        if (!a) return null;
        const to = await applicantContact(ctx, db, a);
        return { id: a.id, reference: a.reference ? formatReference(a.reference) : null, serviceId: a.serviceId, serviceVersion: a.serviceVersion, agencyId: a.agencyId, accountId: to.accountId, email: to.email, lang: to.lang, name: to.name };
      },
      async service(id, version) {
        const s = version ? await catalogue.getVersion(id, version) : catalogue.get(id);
        return s ? serviceFacts(s) : null;
      },
      servicesOf: (agencyId) => catalogue.byAgency(agencyId).map(serviceFacts),
    });
    notificationJobs(notifications);
    if (config.demo) {
      const created = await seedDemoPersonas(ctx);
      if (created) progress(`demo personas created: ${created}`);
      const records = await seedDemoRegistry(ctx);
      if (records) progress(`demo registry records created: ${records}`);
    }

    const identityParts = await createIdentity(ctx);
    identityJobs(ctx, identityParts);
    jobs.define({ queue: 'platform.jobs-cleanup', handle: async (_p, { db }) => { await pruneFinishedJobs(db, new Date(ctx.clock().getTime() - 7 * 86400_000)); } });
    jobs.every({ name: 'jobs-cleanup', queue: 'platform.jobs-cleanup', everyMs: 86400_000 });
    jobs.define(issueDocumentJob(signatures));
    registryJobs(ctx);
    jobs.define(dataKeyRotationJob(keys, () => ENCRYPTED_COLUMNS, opts.rotation, ctx.clock));
    // every process picks up rotated data keys within 30 seconds
    const keyReload = setInterval(() => { keys.reload(ctx.db).catch((err) => log.warn({ err: err.message }, 'could not reload the data keys')); }, 30_000);
    keyReload.unref();
    // an approval issues the service's document (sealed, timestamped) in the background
    jobs.define<DecidedJob>({
      queue: DECIDED_QUEUE,
      async handle(d) {
        if (d.decision === 'approved' && d.output && d.output !== 'none') await issueDocument(signatures, { applicationId: d.applicationId, approvedBy: d.decidedBy });
      },
    });

    const app = await createHttpServer(ctx, assets);
    const identity = attachWebClient(ctx, app, identityParts);
    app.addHook('onRequest', sessionHook(ctx));
    app.addHook('onRequest', apiKeyHook(ctx, identity));
    registerSiteRoutes(app, ctx);
    registerCatalogueRoutes(app, catalogue, config.baseUrl);
    registerIdentityRoutes(app, ctx, identity, catalogue);
    registerApplicationRoutes(app, ctx, catalogue, {
      panels: [documentsPanel(signatures), surveyPanel(ctx, { decidedOnly: true })], confirmationPanels: [surveyPanel(ctx, { decidedOnly: false })], mineLinks: surveyLinks(ctx),
      payment: paymentStep(payments), afterStart: consentStep(ctx),
    });
    registerSatisfactionRoutes(app, ctx, catalogue);
    // names shown on the consent and "who used my data" pages
    const labels = {
      agencyName: (id: string, lang: Lang) => (ctx.messages.has(`registry.agencies.${id}`) ? ctx.messages.t(lang, `registry.agencies.${id}`) : catalogue.agency(id) ? localize(catalogue.agency(id)!.name, lang) : id.toUpperCase()),
      itemLabel: (item: string, lang: Lang) => (ctx.messages.has(`registry.items.${item}`) ? ctx.messages.t(lang, `registry.items.${item}`) : item),
    };
    registerConsentRoutes(app, ctx, catalogue, labels);
    registerDataUseRoutes(app, ctx, labels);
    registerRegistryApi(app, ctx);
    registerSignatureRoutes(app, signatures);
    const casework = await createCasework(ctx, catalogue, calendar, { panels: [paymentsPanel(payments), notificationsPanel(notifications)] });
    registerCasework(app, casework);
    registerNotifications(app, notifications);
    registerPayments(app, payments);
    const kpi = createKpi(ctx, catalogue);
    registerKpiRoutes(app, kpi);
    const exchange = createExchange(ctx, calendar, {
      agencies: catalogue.agencies,
      // a person's data handed to another agency's system shows in their "Who used my data" (and in the audit log)
      async onPersonDataRead(trx, e) {
        await auditPersonDataRead(trx, e);
        await recordDataUse(trx, keys, {
          subject: { nricHash: e.nricHash, accountId: e.personAccountId }, kind: 'system', who: e.byKeyId.startsWith('extract:') ? `${e.byAgencyId.toUpperCase()} data extract` : `${e.byAgencyId.toUpperCase()} system`,
          actorId: e.byKeyId, agencyId: e.byAgencyId, items: e.items, purpose: e.purpose, reference: e.reference, at: new Date(e.at),
        });
      },
    });
    registerExchange(app, exchange);
    // the scorecard's data_sharing_days comes from the exchange's requests
    registerDataSharingSource(kpi, async (db, q) => {
      if (q.service) return null; // sharing requests belong to agencies, not to services
      const m = await dataSharingMeasurements(db, { from: q.from, to: dayAfter(q.to), agencyId: q.agency, calendar: config.calendar });
      return { requests: m.requests, medianWorkingDays: m.medianToFirstCallWorkingDays, withinSevenShare: m.shareWithin7 };
    });
    await app.ready();

    const worker = new Worker(ctx.db, jobs, log, { clock: ctx.clock, onJobFinished: (queue, outcome) => ctx.metrics.jobOutcomes.inc({ queue, outcome }) });
    return {
      ctx, identity, app, worker, catalogue, database, signatures, calendar, casework, payments, kpi, exchange, notifications,
      async close() {
        clearInterval(keyReload);
        await worker.stop();
        await app.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

const dayAfter = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);

export async function startServer(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const platform = await createPlatform(config, opts);
  if (config.demo) {
    // a year of made-up transactions and registers, so the scorecard has trends on first start (once)
    const seeded = await seedDemoHistory(platform.ctx.db, platform.catalogue, platform.ctx.clock());
    if (seeded) opts.progress?.(`demo scorecard history: ${seeded} transactions over the past year`);
  }
  await platform.app.listen({ port: config.port, host: config.host });
  if (config.worker) platform.worker.start();
  return platform;
}
