import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { bundledCalendars, daysOff, importCalendarFile, loadCalendar, shiftDate, syncCalendars, WorkingCalendar, type DayOff } from './index.ts';

const sg = bundledCalendars().find((c) => c.id === 'sg')!;
const allDays: DayOff[] = Object.values(sg.years).flatMap((y) => daysOff(sg, y.holidays));
const cal = new WorkingCalendar('sg', 'Singapore', 'Asia/Singapore', ['saturday', 'sunday'], allDays, new Map([[2025, 'gazetted'], [2026, 'gazetted'], [2027, 'provisional']]));

describe('the Singapore calendar as data', () => {
  it('gives the Monday off for a Sunday holiday (2026: Vesak Day, National Day, Deepavali)', () => {
    const inLieu = daysOff(sg, sg.years['2026']!.holidays).filter((d) => d.kind === 'in-lieu');
    expect(inLieu.map((d) => [d.date, d.name])).toEqual([
      ['2026-06-01', 'Vesak Day'], ['2026-08-10', 'National Day'], ['2026-11-09', 'Deepavali'],
    ]);
  });

  it('moves a Sunday holiday to the next day that is not itself a holiday', () => {
    // 2027: Chinese New Year on Saturday 6 and Sunday 7 February: Monday 8 is off
    expect(cal.holidayName('2027-02-08')).toBe('Chinese New Year (second day)');
    // a Sunday holiday followed by a Monday holiday gives the Tuesday
    const days = daysOff({ sundayHoliday: 'next-non-holiday' }, [{ date: '2023-01-22', name: 'CNY' }, { date: '2023-01-23', name: 'CNY 2' }]);
    expect(days.find((d) => d.kind === 'in-lieu')?.date).toBe('2023-01-24');
    // and a calendar without the rule gives nothing
    expect(daysOff({ sundayHoliday: 'none' }, [{ date: '2026-08-09', name: 'National Day' }])).toHaveLength(1);
  });

  it('counts working days over weekends and holidays', () => {
    expect(cal.addWorkingDays('2026-03-06', 1)).toBe('2026-03-09'); // Friday + 1 = Monday
    expect(cal.addWorkingDays('2026-02-16', 1)).toBe('2026-02-19'); // over Chinese New Year
    expect(cal.addWorkingDays('2026-08-07', 1)).toBe('2026-08-11'); // Friday, then the Monday in lieu of National Day
    expect(cal.addWorkingDays('2026-12-24', 5)).toBe('2027-01-04'); // Christmas and New Year's Day
    expect(cal.addWorkingDays('2026-03-07', 0)).toBe('2026-03-09'); // a Saturday: the next working day
    expect(cal.workingDaysBetween('2026-03-06', '2026-03-13')).toBe(5);
    expect(cal.workingDaysBetween('2026-03-13', '2026-03-06')).toBe(-5);
    expect(cal.workingDaysBetween('2026-03-06', '2026-03-06')).toBe(0);
    expect(cal.isWorkingDay('2026-05-01')).toBe(false);
    expect(cal.isWorkingDay('2026-05-04')).toBe(true);
  });

  it('reads dates in Singapore time', () => {
    expect(cal.localDate(new Date('2026-03-02T15:59:59Z'))).toBe('2026-03-02');
    expect(cal.localDate(new Date('2026-03-02T16:00:00Z'))).toBe('2026-03-03');
  });

  it('adding n working days and counting them back agree, for any date and n', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 60 }), (offset, n) => {
      const start = shiftDate('2025-01-01', offset);
      const due = cal.addWorkingDays(start, n);
      return cal.isWorkingDay(due) && cal.workingDaysBetween(start, due) === n && cal.workingDaysBetween(start, shiftDate(due, -1)) === n - 1;
    }));
    // backwards from a working day (a paused case that was already overdue stays as overdue when it restarts)
    fc.assert(fc.property(fc.integer({ min: 20, max: 1000 }), fc.integer({ min: -15, max: 0 }), (offset, n) => {
      const start = cal.onOrAfter(shiftDate('2025-01-01', offset));
      const back = cal.addWorkingDays(start, n);
      return cal.isWorkingDay(back) && cal.workingDaysBetween(start, back) === n;
    }));
    expect(cal.addWorkingDays('2026-08-11', -1)).toBe('2026-08-07'); // back over the Monday in lieu
  });
});

describe('calendars in the database', () => {
  let p: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    p = await createTestPlatform();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-cal-'));
  });
  afterAll(async () => {
    await p?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is seeded from the data file for 2025 to 2027 at start-up', async () => {
    const c = await loadCalendar(p.ctx.db, 'sg');
    expect([...c.years.keys()].sort()).toEqual([2025, 2026, 2027]);
    expect(c.years.get(2027)).toBe('provisional');
    expect(c.daysOffIn(2026).map((d) => d.date)).toContain('2026-11-09');
    expect(await syncCalendars(p.ctx.db)).toEqual([]); // nothing to do the second time
  });

  it('replaces a year with an administrator\'s import, which survives the next start-up', async () => {
    const file = path.join(dir, 'sg-2027.yaml');
    fs.writeFileSync(file, [
      'id: sg', 'years:', '  2027:', '    status: gazetted', '    source: MOM 2027 list (test)', '    holidays:',
      '      - { date: 2027-01-01, name: "New Year\'s Day" }', '      - { date: 2027-10-28, name: "Deepavali" }', '      - { date: 2027-08-09, name: "National Day" }',
    ].join('\n'));
    const result = await importCalendarFile(p.ctx.db, file);
    expect(result).toEqual({ calendar: 'sg', years: [{ year: '2027', daysOff: 3 }] });
    await syncCalendars(p.ctx.db);
    const c = await loadCalendar(p.ctx.db, 'sg');
    expect(c.years.get(2027)).toBe('gazetted');
    expect(c.isWorkingDay('2027-10-29')).toBe(true);
    expect(c.isWorkingDay('2027-10-28')).toBe(false);
  });

  it('refuses a year with a wrong date, naming it', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'id: sg\nyears:\n  2028:\n    status: gazetted\n    source: x\n    holidays:\n      - { date: 2028-02-30, name: "x" }\n');
    await expect(importCalendarFile(p.ctx.db, file)).rejects.toThrow(/2028-02-30" is not a date/);
  });

  it('refuses an unknown CIVITAS_CALENDAR (at start-up), listing the calendars there are', async () => {
    await expect(loadCalendar(p.ctx.db, 'xx')).rejects.toThrow(/CIVITAS_CALENDAR="xx" names no calendar. Calendars: sg/);
  });
});
