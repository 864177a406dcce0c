/** What every exchange use case receives. */
import type { AppContext } from '../../platform/context.ts';
import type { CalendarSource } from '../../platform/calendar/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import { auditPersonDataRead, type PersonDataReadHook } from './hooks.ts';
import { SourceRegistry, type ExchangeSource } from './sources.ts';

/** The working-day mark a request should be decided by (the Blueprint's KPI). */
export const TARGET_WORKING_DAYS = 7;
/** Data owners are reminded when this many working days have passed without a decision. */
export const REMIND_AFTER_WORKING_DAYS = 5;

export interface Exchange {
  ctx: AppContext;
  calendar: CalendarSource;
  sources: SourceRegistry;
  /** agency id -> name, for pages */
  agencies: { id: string; name: LocalText; shortName?: string }[];
  /** called in the transaction of every call or extract that hands out a person's data */
  onPersonDataRead: PersonDataReadHook;
  registerSource(source: ExchangeSource): void;
  setPersonDataReadHook(hook: PersonDataReadHook): void;
}

export function createExchangeCore(ctx: AppContext, calendar: CalendarSource, agencies: Exchange['agencies'], hook: PersonDataReadHook = auditPersonDataRead): Exchange {
  const sources = new SourceRegistry();
  const ex: Exchange = {
    ctx, calendar, sources, agencies, onPersonDataRead: hook,
    registerSource: (s) => sources.register(s),
    setPersonDataReadHook: (h) => { ex.onPersonDataRead = h; },
  };
  return ex;
}
