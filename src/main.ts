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
import { createNotifications, notificationJobs, notificationsPanel, registerNotifications, type Notifications } from './modules/notifications/index.ts';
import { registerSiteRoutes } from './modules/site/index.ts';
import { SIGNING_STEP, createSignatures, type Signatures, documentsPanel, issueDocument, issueDocumentJob, registerSignatureRoutes, SecondFactorStepUp } from './modules/signatures/index.ts';
import { createCasework, registerCasework, DECIDED_QUEUE, type Casework, type DecidedJob } from './modules/casework/index.ts';

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
  notifications: Notifications;
  close(): Promise<void>;
}

export interface PlatformOptions {
  log?: Logger;
  clock?: () => Date;
  servicesDir?: string;
  /** print progress of start-up steps */
  progress?: (step: string) => void;
}

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
    const catalogue = await syncCatalogue(ctx.db, opts.servicesDir ?? SERVICES_DIR, log, { journeySteps: new Set([SIGNING_STEP]) });
    const signatures = createSignatures(ctx, catalogue, { stepUp: new SecondFactorStepUp(ctx) });
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
    }

    const identityParts = await createIdentity(ctx);
    identityJobs(ctx, identityParts);
    jobs.define({ queue: 'platform.jobs-cleanup', handle: async (_p, { db }) => { await pruneFinishedJobs(db, new Date(ctx.clock().getTime() - 7 * 86400_000)); } });
    jobs.every({ name: 'jobs-cleanup', queue: 'platform.jobs-cleanup', everyMs: 86400_000 });
    jobs.define(issueDocumentJob(signatures));
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
    registerApplicationRoutes(app, ctx, catalogue, { panels: [documentsPanel(signatures)] });
    registerSignatureRoutes(app, signatures);
    const casework = await createCasework(ctx, catalogue, calendar, { panels: [notificationsPanel(notifications)] });
    registerCasework(app, casework);
    registerNotifications(app, notifications);
    await app.ready();

    const worker = new Worker(ctx.db, jobs, log, { clock: ctx.clock, onJobFinished: (queue, outcome) => ctx.metrics.jobOutcomes.inc({ queue, outcome }) });
    return {
      ctx, identity, app, worker, catalogue, database, signatures, calendar, casework, notifications,
      async close() {
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

export async function startServer(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const platform = await createPlatform(config, opts);
  await platform.app.listen({ port: config.port, host: config.host });
  if (config.worker) platform.worker.start();
  return platform;
}
