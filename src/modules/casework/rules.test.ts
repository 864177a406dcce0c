/** The small rules, without a database: transitions as data, deadlines, search words, webhook addresses. */
import { describe, expect, it } from 'vitest';
import { WorkingCalendar } from '../../platform/calendar/index.ts';
import { TRANSITIONS } from '../applications/index.ts';
import { deadlineOf } from './deadlines.ts';
import { nameTokens } from './search.ts';
import { checkWebhookUrl } from './webhooks.ts';
import { CASE_ACTIONS, CASE_STATES, CASE_TRANSITIONS, fourEyesConflict, transitionFor } from './workflow.ts';

const cal = new WorkingCalendar('t', 'Test', 'Asia/Singapore', ['saturday', 'sunday'], [{ date: '2026-08-10', name: 'National Day', kind: 'in-lieu' }], new Map([[2026, 'gazetted']]));

describe('transitions as data', () => {
  it('lists at most one move for each state and action, and every status event exists in the applications table', () => {
    for (const s of CASE_STATES) for (const a of CASE_ACTIONS) expect(CASE_TRANSITIONS.filter((t) => t.from === s && t.action === a).length).toBeLessThanOrEqual(1);
    for (const t of CASE_TRANSITIONS.filter((x) => x.statusEvent)) expect(TRANSITIONS.some((r) => r.event === t.statusEvent), t.statusEvent!).toBe(true);
    expect(transitionFor('closed', 'approve')).toBeUndefined();
    expect(transitionFor('with_applicant', 'complete_step')).toBeUndefined();
    expect(transitionFor('referred', 'answer_referral')?.to).toBe('queued');
  });

  it('four eyes looks only at decisions at earlier steps', () => {
    const steps = [{ id: 'a', fourEyes: false }, { id: 'b', fourEyes: true }] as any;
    expect(fourEyesConflict(steps, [{ type: 'case.step_completed', actorId: 'x', stepId: 'a' }], 1, 'x')).toBe(true);
    expect(fourEyesConflict(steps, [{ type: 'case.assigned', actorId: 'x', stepId: 'a' }], 1, 'x')).toBe(false);
    expect(fourEyesConflict(steps, [{ type: 'case.step_completed', actorId: 'x', stepId: 'a' }], 1, 'y')).toBe(false);
    expect(fourEyesConflict(steps, [{ type: 'case.returned', actorId: 'x', stepId: 'b' }], 1, 'x')).toBe(false);
  });
});

describe('deadline status', () => {
  const at = (iso: string) => new Date(iso);
  it('is overdue after the due date, due soon within 2 working days, paused with the applicant', () => {
    const c = (dueDate: string) => ({ state: 'queued' as const, dueDate, pausedDaysLeft: null });
    // Friday 7 August 2026, 10:00 in Singapore; Monday 10 August is a day off
    const now = at('2026-08-07T02:00:00Z');
    expect(deadlineOf(cal, c('2026-08-06'), now)).toEqual({ status: 'overdue', dueDate: '2026-08-06', daysLeft: -1 });
    expect(deadlineOf(cal, c('2026-08-07'), now).status).toBe('due_soon');
    expect(deadlineOf(cal, c('2026-08-12'), now)).toMatchObject({ status: 'due_soon', daysLeft: 2 });
    expect(deadlineOf(cal, c('2026-08-13'), now)).toMatchObject({ status: 'on_time', daysLeft: 3 });
    expect(deadlineOf(cal, { state: 'with_applicant', dueDate: null, pausedDaysLeft: 4 }, now)).toEqual({ status: 'paused', dueDate: null, daysLeft: 4 });
    expect(deadlineOf(cal, { state: 'closed', dueDate: null, pausedDaysLeft: null }, now).status).toBe('none');
  });
});

describe('search words', () => {
  it('indexes words of two letters or more, and Chinese names character by character', () => {
    expect(nameTokens('Tan Ah Kow')).toEqual(['tan', 'ah', 'kow']);
    expect(nameTokens('Rajesh Kumar s/o Muthu')).toEqual(['rajesh', 'kumar', 'muthu']);
    expect(nameTokens('黄丽华')).toEqual(['黄丽华', '黄', '丽', '华']);
    expect(nameTokens('ＴＡＮ')).toEqual(['tan']); // full-width letters are folded
  });
});

describe('webhook addresses', () => {
  it('must use https, except in demo mode', () => {
    expect(checkWebhookUrl('https://systems.example.gov.sg/hook', false)).toBeNull();
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', false)).toBe('casework.webhooks.errors.https');
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', true)).toBeNull();
    expect(checkWebhookUrl('not a url', true)).toBe('casework.webhooks.errors.url');
  });
});
