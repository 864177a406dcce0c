/** Working days between two instants on the public-holiday calendar (0 when on the same working day). */
import type { WorkingCalendar } from '../../platform/calendar/index.ts';

export function workingDaysBetweenInstants(cal: WorkingCalendar, from: string, to: string): number {
  return Math.max(0, cal.workingDaysBetween(cal.localDate(new Date(from)), cal.localDate(new Date(to))));
}

/** The date by which a request submitted at this instant should be decided. */
export function decisionDue(cal: WorkingCalendar, submittedAt: string, workingDays: number): string {
  return cal.addWorkingDays(cal.localDate(new Date(submittedAt)), workingDays);
}
