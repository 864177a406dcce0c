/**
 * Public-holiday calendars and working-day arithmetic. Calendars are data:
 * each year's holidays live in the database (table public_holidays), seeded
 * from src/platform/calendar/data/<id>.yaml and replaceable year by year
 * (`civitas calendar import`). The rule for a holiday falling on a weekend day
 * (Singapore: a Sunday holiday gives the next non-holiday day off) is part of
 * the calendar's definition and is applied when a year is imported, so the
 * table holds exactly the days off.
 *
 * Dates are calendar dates (YYYY-MM-DD) in the calendar's time zone; instants
 * are converted with localDate().
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { sha256 } from '../crypto/index.ts';
import { nowIso, type Db } from '../db/index.ts';

export const CALENDAR_DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
export const DEFAULT_CALENDAR = 'sg';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
type Weekday = (typeof WEEKDAYS)[number];

export interface HolidayInput { date: string; name: string }
export interface YearInput { status: 'gazetted' | 'provisional'; source: string; holidays: HolidayInput[] }
export interface CalendarDefinition {
  id: string;
  name: string;
  timeZone: string;
  weekend: Weekday[];
  /** what a holiday on a Sunday gives: the next day that is not itself a holiday, or nothing */
  sundayHoliday: 'next-non-holiday' | 'none';
  years: Record<string, YearInput>;
}

export interface DayOff { date: string; name: string; kind: 'holiday' | 'in-lieu' }

export class CalendarDataError extends Error {}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** Day of week (0 = Sunday) of a calendar date. */
export const weekdayOf = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function checkDefinition(raw: unknown, where: string): CalendarDefinition {
  const problems: string[] = [];
  const d = (raw ?? {}) as Record<string, any>;
  if (typeof d.id !== 'string' || !/^[a-z][a-z0-9-]{1,31}$/.test(d.id)) problems.push('id must be a short lower-case identifier, e.g. "sg"');
  if (typeof d.name !== 'string' || !d.name) problems.push('name is missing');
  try {
    new Intl.DateTimeFormat('en', { timeZone: d.timeZone }).format(0);
    if (typeof d.timeZone !== 'string') throw new Error('missing');
  } catch {
    problems.push(`timeZone "${String(d.timeZone)}" is not an IANA time zone, e.g. "Asia/Singapore"`);
  }
  if (!Array.isArray(d.weekend) || d.weekend.some((w: unknown) => !WEEKDAYS.includes(w as Weekday))) problems.push(`weekend must list weekdays (${WEEKDAYS.join(', ')})`);
  if (!['next-non-holiday', 'none'].includes(d.sundayHoliday)) problems.push('sundayHoliday must be "next-non-holiday" or "none"');
  const years = (d.years ?? {}) as Record<string, any>;
  for (const [year, y] of Object.entries(years)) problems.push(...checkYear(year, y).map((p) => `years.${year}: ${p}`));
  if (problems.length) throw new CalendarDataError(`${where}: ${problems.join('; ')}`);
  return { ...d, years: Object.fromEntries(Object.entries(years).map(([k, v]) => [String(k), v])) } as CalendarDefinition;
}

function checkYear(year: string, y: any): string[] {
  const problems: string[] = [];
  if (!/^\d{4}$/.test(year)) problems.push('the year must have four digits');
  if (!y || typeof y !== 'object') return ['is empty'];
  if (!['gazetted', 'provisional'].includes(y.status)) problems.push('status must be "gazetted" or "provisional"');
  if (typeof y.source !== 'string' || !y.source) problems.push('source is missing (say where the dates come from)');
  if (!Array.isArray(y.holidays) || !y.holidays.length) problems.push('holidays must list at least one holiday');
  for (const [i, h] of (Array.isArray(y.holidays) ? y.holidays : []).entries()) {
    if (!isIsoDate(h?.date)) problems.push(`holidays[${i}].date "${String(h?.date)}" is not a date (YYYY-MM-DD)`);
    else if (!h.date.startsWith(`${year}-`)) problems.push(`holidays[${i}].date ${h.date} is not in ${year}`);
    if (typeof h?.name !== 'string' || !h.name) problems.push(`holidays[${i}].name is missing`);
  }
  return problems;
}

export function readCalendarFile(file: string): CalendarDefinition {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CalendarDataError(`${file}: not valid YAML (${(e as Error).message})`);
  }
  return checkDefinition(raw, file);
}

/** The calendars shipped with Civitas (data/*.yaml). */
export function bundledCalendars(dir = CALENDAR_DATA_DIR): CalendarDefinition[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => readCalendarFile(path.join(dir, f)));
}

/**
 * The days off of one year: the holidays, plus a day in lieu for each holiday on
 * a Sunday (the next day that is neither a holiday nor already given in lieu).
 */
export function daysOff(def: Pick<CalendarDefinition, 'sundayHoliday'>, holidays: HolidayInput[]): DayOff[] {
  const out: DayOff[] = holidays.map((h) => ({ date: h.date, name: h.name, kind: 'holiday' as const }));
  if (def.sundayHoliday === 'next-non-holiday') {
    const taken = new Set(holidays.map((h) => h.date));
    for (const h of [...holidays].sort((a, b) => a.date.localeCompare(b.date))) {
      if (weekdayOf(h.date) !== 0) continue;
      let d = shiftDate(h.date, 1);
      while (taken.has(d)) d = shiftDate(d, 1);
      taken.add(d);
      out.push({ date: d, name: h.name, kind: 'in-lieu' });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date) || a.kind.localeCompare(b.kind));
}

/** Replace one year of a calendar in the database (in the caller's transaction if any). */
export async function importYear(db: Db, def: CalendarDefinition, year: string, origin: 'file' | 'admin'): Promise<DayOff[]> {
  const y = def.years[year];
  if (!y) throw new CalendarDataError(`${def.id} has no year ${year}`);
  const problems = checkYear(year, y);
  if (problems.length) throw new CalendarDataError(`${def.id} ${year}: ${problems.join('; ')}`);
  const days = daysOff(def, y.holidays);
  const write = async (trx: Db) => {
    await trx.deleteFrom('public_holidays').where('calendar', '=', def.id).where('year', '=', Number(year)).execute();
    await trx.deleteFrom('calendar_years').where('calendar', '=', def.id).where('year', '=', Number(year)).execute();
    for (const d of days) {
      await trx.insertInto('public_holidays').values({ calendar: def.id, year: Number(year), date: d.date, name: d.name, kind: d.kind })
        .onConflict((oc) => oc.columns(['calendar', 'date', 'name', 'kind']).doNothing()).execute();
    }
    await trx.insertInto('calendar_years').values({
      calendar: def.id, year: Number(year), status: y.status, source: y.source, origin, content_hash: yearHash(def, year), imported_at: nowIso(),
    }).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
  return days;
}

function yearHash(def: CalendarDefinition, year: string): string {
  const y = def.years[year]!;
  return sha256(JSON.stringify({ rule: def.sundayHoliday, status: y.status, holidays: [...y.holidays].sort((a, b) => a.date.localeCompare(b.date)) }));
}

/**
 * Bring the database in line with the bundled data files: a year missing from
 * the database is imported; a year imported from an older copy of the file is
 * replaced; a year an administrator imported is left alone.
 */
export async function syncCalendars(db: Db, defs: CalendarDefinition[] = bundledCalendars()): Promise<string[]> {
  const changed: string[] = [];
  for (const def of defs) {
    await db.insertInto('calendars').values({ id: def.id, name: def.name, time_zone: def.timeZone, weekend: JSON.stringify(def.weekend), sunday_holiday: def.sundayHoliday, updated_at: nowIso() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: def.name, time_zone: def.timeZone, weekend: JSON.stringify(def.weekend), sunday_holiday: def.sundayHoliday })).execute();
    const stored = await db.selectFrom('calendar_years').selectAll().where('calendar', '=', def.id).execute();
    for (const year of Object.keys(def.years)) {
      const row: any = stored.find((r: any) => Number(r.year) === Number(year));
      if (row && (row.origin === 'admin' || row.content_hash === yearHash(def, year))) continue;
      await importYear(db, def, year, 'file');
      changed.push(`${def.id} ${year}`);
    }
  }
  return changed;
}

const DAY_MS = 86_400_000;
/** Days since 1970-01-01 (a Thursday): integer arithmetic instead of Date objects in the loops below. */
const dayNumber = (date: string): number => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
const dateOfDay = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
const weekdayOfDay = (n: number): number => (((n + 4) % 7) + 7) % 7;

/** A calendar with its days off, for working-day arithmetic (pure, synchronous). */
export class WorkingCalendar {
  private readonly off: Map<string, { name: string; kind: DayOff['kind'] }>;
  private readonly offDays: Set<number>;
  private readonly weekend: Set<number>;
  private readonly fmt: Intl.DateTimeFormat;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly timeZone: string,
    weekend: Weekday[] | number[],
    days: DayOff[],
    /** years the calendar has data for, with their status */
    readonly years: Map<number, 'gazetted' | 'provisional'>,
  ) {
    this.weekend = new Set(weekend.map((w) => (typeof w === 'number' ? w : WEEKDAYS.indexOf(w))));
    this.off = new Map();
    for (const d of days) if (!this.off.has(d.date) || d.kind === 'holiday') this.off.set(d.date, { name: d.name, kind: d.kind });
    this.offDays = new Set([...this.off.keys()].map(dayNumber));
    this.fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** The calendar date of an instant in this calendar's time zone. */
  localDate(instant: Date): string {
    return this.fmt.format(instant);
  }

  holidayName(date: string): string | undefined {
    return this.off.get(date)?.name;
  }

  /** Whether the calendar has holiday data for the year of this date. */
  covers(date: string): boolean {
    return this.years.has(Number(date.slice(0, 4)));
  }

  private working(n: number): boolean {
    return !this.weekend.has(weekdayOfDay(n)) && !this.offDays.has(n);
  }

  isWorkingDay(date: string): boolean {
    return this.working(dayNumber(date));
  }

  /** The first working day on or after the date. */
  onOrAfter(date: string): string {
    let n = dayNumber(date);
    for (let i = 0; i < 400 && !this.working(n); i++) n++;
    return dateOfDay(n);
  }

  /**
   * The n-th working day after the date (n >= 1), or before it (n <= -1); for
   * n = 0 the date itself if it is a working day, else the next working day. A
   * case received on a Friday with a service level of 1 working day is due on
   * the next working Monday. Inverse of workingDaysBetween for working days.
   */
  addWorkingDays(date: string, n: number): string {
    if (n === 0) return this.onOrAfter(date);
    const step = n > 0 ? 1 : -1;
    let d = dayNumber(date);
    let left = Math.abs(n);
    while (left > 0) {
      d += step;
      if (this.working(d)) left--;
    }
    return dateOfDay(d);
  }

  /**
   * Working days d with from < d <= to: how many working days are left from
   * `from` until a deadline `to` (0 when due today, negative when overdue).
   */
  workingDaysBetween(from: string, to: string): number {
    if (from === to) return 0;
    const a = dayNumber(from);
    const b = dayNumber(to);
    const [lo, hi, sign] = a < b ? [a, b, 1] : [b, a, -1];
    let n = 0;
    for (let d = lo + 1; d <= hi; d++) if (this.working(d)) n++;
    return sign * n;
  }

  daysOffIn(year: number): DayOff[] {
    return [...this.off].filter(([d]) => d.startsWith(`${year}-`)).map(([date, o]) => ({ date, ...o })).sort((x, y) => x.date.localeCompare(y.date));
  }
}

export async function loadCalendar(db: Db, id: string): Promise<WorkingCalendar> {
  const cal: any = await db.selectFrom('calendars').selectAll().where('id', '=', id).executeTakeFirst();
  if (!cal) {
    const known = (await db.selectFrom('calendars').select('id').execute()).map((r: any) => r.id);
    throw new CalendarDataError(`CIVITAS_CALENDAR="${id}" names no calendar. Calendars: ${known.join(', ') || 'none'} (add one as src/platform/calendar/data/${id}.yaml).`);
  }
  const rows = await db.selectFrom('public_holidays').select(['date', 'name', 'kind']).where('calendar', '=', id).execute();
  const years = await db.selectFrom('calendar_years').select(['year', 'status']).where('calendar', '=', id).execute();
  return new WorkingCalendar(
    id, cal.name, cal.time_zone, JSON.parse(cal.weekend), rows as DayOff[],
    new Map(years.map((y: any) => [Number(y.year), y.status])),
  );
}

/**
 * The configured calendar, re-read from the database every few minutes, so a
 * year imported by an administrator (in any process) is used without a
 * restart. After the first load, get() never waits for the database: a stale
 * copy is returned while a fresh one loads in the background (so it is safe
 * to call inside a transaction, even on SQLite's single connection).
 */
export class CalendarSource {
  private cached: WorkingCalendar | undefined;
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly db: Db, readonly id: string, private readonly maxAgeMs = 5 * 60_000, private readonly now: () => number = Date.now) {}

  async get(): Promise<WorkingCalendar> {
    if (!this.cached) {
      this.cached = await loadCalendar(this.db, this.id);
      this.loadedAt = this.now();
    } else if (this.now() - this.loadedAt > this.maxAgeMs && !this.refreshing) {
      this.loadedAt = this.now();
      this.refreshing = loadCalendar(this.db, this.id).then((c) => { this.cached = c; }, () => undefined).finally(() => { this.refreshing = undefined; });
    }
    return this.cached;
  }

  /** Load now (after an import in this process, or in tests). */
  async reload(): Promise<WorkingCalendar> {
    this.cached = await loadCalendar(this.db, this.id);
    this.loadedAt = this.now();
    return this.cached;
  }
}

/** Parse a file for `civitas calendar import`: a calendar id and one or more years. */
export function readImportFile(file: string, known: CalendarDefinition[]): { def: CalendarDefinition; years: string[] } {
  let raw: any;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CalendarDataError(`${file}: not valid YAML (${(e as Error).message})`);
  }
  const id = raw?.id ?? raw?.calendar;
  const base = known.find((k) => k.id === id);
  const merged = checkDefinition({ ...(base ?? {}), ...raw, id, years: raw?.years ?? {} }, file);
  const years = Object.keys(merged.years);
  if (!years.length) throw new CalendarDataError(`${file}: no years to import`);
  return { def: merged, years };
}

/** `civitas calendar import`: replace the years a file lists (an administrator's change, kept across upgrades). */
export async function importCalendarFile(db: Db, file: string): Promise<{ calendar: string; years: { year: string; daysOff: number }[] }> {
  const { def, years } = readImportFile(file, bundledCalendars());
  const out: { year: string; daysOff: number }[] = [];
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('calendars').values({ id: def.id, name: def.name, time_zone: def.timeZone, weekend: JSON.stringify(def.weekend), sunday_holiday: def.sundayHoliday, updated_at: nowIso() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: def.name, time_zone: def.timeZone, weekend: JSON.stringify(def.weekend), sunday_holiday: def.sundayHoliday, updated_at: nowIso() })).execute();
    for (const y of years) out.push({ year: y, daysOff: (await importYear(trx, def, y, 'admin')).length });
  });
  return { calendar: def.id, years: out };
}
