/**
 * Deadlines in working days on the public-holiday calendar. A step's service
 * level starts the day it is reached; the clock stops while the applicant has
 * the case (request for information) and restarts, with the working days that
 * were left, when they answer.
 */
import type { WorkingCalendar } from '../../platform/calendar/index.ts';
import { DUE_SOON_WORKING_DAYS, type CaseState, type DeadlineStatus } from './workflow.ts';

export interface Deadline { status: DeadlineStatus; dueDate: string | null; daysLeft: number | null }

/** Today and the last day that is "due soon", for queue filters (the same rule as deadlineOf). */
export function bands(cal: WorkingCalendar, now: Date): { today: string; soon: string } {
  const today = cal.localDate(now);
  return { today, soon: cal.addWorkingDays(today, DUE_SOON_WORKING_DAYS) };
}

export function deadlineOf(cal: WorkingCalendar, c: { state: CaseState; dueDate: string | null; pausedDaysLeft: number | null }, now: Date): Deadline {
  if (c.state === 'closed') return { status: 'none', dueDate: null, daysLeft: null };
  if (c.state === 'with_applicant') return { status: 'paused', dueDate: null, daysLeft: c.pausedDaysLeft };
  if (!c.dueDate) return { status: 'none', dueDate: null, daysLeft: null };
  const { today, soon } = bands(cal, now);
  const daysLeft = cal.workingDaysBetween(today, c.dueDate);
  const status: DeadlineStatus = c.dueDate < today ? 'overdue' : c.dueDate <= soon ? 'due_soon' : 'on_time';
  return { status, dueDate: c.dueDate, daysLeft };
}

/** The due date of a step reached today. */
export const dueFor = (cal: WorkingCalendar, today: string, slaWorkingDays: number): string => cal.addWorkingDays(today, slaWorkingDays);
