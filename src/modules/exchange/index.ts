/**
 * Cross-agency data exchange: each agency's data products in a catalogue,
 * sharing requests decided by the providing agency's data owner within 7
 * working days (reminders, escalation), access provisioned automatically on
 * approval and ended on revocation or expiry, the exchange API with a purpose
 * reference on every call and a hash-chained message log, bulk and fused
 * extracts, and the measurement behind the scorecard's data_sharing_days.
 * See docs/exchange.md.
 */
import type { AppContext } from '../../platform/context.ts';
import type { CalendarSource } from '../../platform/calendar/index.ts';
import type { App } from '../../platform/http/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import { createExchangeCore, type Exchange } from './exchange.ts';
import type { PersonDataReadHook } from './hooks.ts';
import { registerExchangeApi } from './api.ts';
import { registerExchangeRoutes } from './routes.ts';
import { caseStatisticsSource } from './case-statistics-source.ts';
import { peopleSource } from './people-source.ts';
import { expiryJob, EXPIRY_QUEUE } from './revoke-access.ts';
import { extractJob, runScheduledExtracts, SCHEDULE_QUEUE } from './generate-extract.ts';
import { deadlineJob, DEADLINE_QUEUE } from './remind-data-owners.ts';

export type { Exchange } from './exchange.ts';
export { TARGET_WORKING_DAYS, REMIND_AFTER_WORKING_DAYS } from './exchange.ts';
export type { ExchangeSource, PersonSource, DatasetSource, SourceItem, Subject, PersonRecord, SourceContext, Classification } from './sources.ts';
export { CLASSIFICATIONS, itemKey } from './sources.ts';
export { auditPersonDataRead, type PersonDataRead, type PersonDataReadHook } from './hooks.ts';
export { dataSharingMeasurements, type DataSharingMeasurements } from './measurements.ts';
export { submitRequest, type RequestInput } from './submit-request.ts';
export { decideRequest, type Decision } from './decide-request.ts';
export { answerRequest } from './answer-request.ts';
export { revokeAccess, expireAccess } from './revoke-access.ts';
export { revealCredential } from './reveal-credential.ts';
export { requestExtract, generateExtract, runScheduledExtracts } from './generate-extract.ts';
export { remindDataOwners } from './remind-data-owners.ts';
export { readExchangeData, PURPOSE_HEADER, SUBJECT_HEADER, messageLogStream } from './read-exchange-data.ts';
export { findRequest, listEvents } from './repository.ts';
export { caseStatisticsSource } from './case-statistics-source.ts';
export { peopleSource, PEOPLE_SOURCE_ID } from './people-source.ts';

export interface ExchangeOptions {
  /** the agencies (every one publishes its case statistics) */
  agencies: { id: string; name: LocalText; shortName?: string }[];
  /** the agency that owns the "people with a Civitas account" product (default ica) */
  peopleAgencyId?: string;
  onPersonDataRead?: PersonDataReadHook;
}

/** Build the module with its two built-in sources; other modules add theirs with exchange.registerSource(). */
export function createExchange(ctx: AppContext, calendar: CalendarSource, opts: ExchangeOptions): Exchange {
  const ex = createExchangeCore(ctx, calendar, opts.agencies, opts.onPersonDataRead);
  for (const a of opts.agencies) ex.registerSource(caseStatisticsSource(a));
  ex.registerSource(peopleSource(opts.peopleAgencyId ?? 'ica'));
  return ex;
}

/** Jobs (extracts, reminders and escalation, expiry, scheduled extracts) and routes (pages and API). */
export function registerExchange(app: App, ex: Exchange, opts: { deadlinesEveryMs?: number } = {}): void {
  const { jobs } = ex.ctx;
  jobs.define(extractJob(ex));
  jobs.define(deadlineJob(ex));
  jobs.every({ name: 'exchange-deadlines', queue: DEADLINE_QUEUE, everyMs: opts.deadlinesEveryMs ?? 60 * 60_000 });
  jobs.define(expiryJob(ex));
  jobs.every({ name: 'exchange-expiry', queue: EXPIRY_QUEUE, everyMs: 5 * 60_000 });
  jobs.define({ queue: SCHEDULE_QUEUE, async handle() { await runScheduledExtracts(ex); } });
  jobs.every({ name: 'exchange-scheduled-extracts', queue: SCHEDULE_QUEUE, everyMs: 60 * 60_000 });
  registerExchangeRoutes(app, ex);
  registerExchangeApi(app, ex);
}
