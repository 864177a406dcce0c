/**
 * The 7-working-day mark: a periodic job reminds the providing agency's data
 * owners of a request still undecided after 5 working days, and escalates one
 * past 7 (to the data owners and the agency's administrators, flagged on the
 * inbox and the request's history). Each request is its own transaction;
 * running the job twice reminds and escalates once.
 */
import { nowIso } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import type { Exchange } from './exchange.ts';
import { REMIND_AFTER_WORKING_DAYS, TARGET_WORKING_DAYS } from './exchange.ts';
import { appendEvent, changeRequest, findRequest, listRequests } from './repository.ts';
import { OPEN_STATES } from './status.ts';
import { emailDataOwners } from './notify.ts';
import { decisionDue, workingDaysBetweenInstants } from './working-days.ts';

export const DEADLINE_QUEUE = 'exchange.deadlines';

export async function remindDataOwners(ex: Exchange): Promise<{ reminded: number; escalated: number }> {
  const { ctx } = ex;
  const cal = await ex.calendar.get();
  const now = ctx.clock();
  const at = nowIso(now);
  let reminded = 0;
  let escalated = 0;
  for (const r of await listRequests(ctx.db, { states: [...OPEN_STATES] }, 5000)) {
    const days = workingDaysBetweenInstants(cal, r.submittedAt, at);
    const escalate = days > TARGET_WORKING_DAYS && !r.escalated;
    const remind = days >= REMIND_AFTER_WORKING_DAYS && !r.reminded && !escalate;
    if (!escalate && !remind) continue;
    const done = await ctx.db.transaction().execute(async (trx) => {
      const cur = await findRequest(trx, r.id);
      if (!cur || !OPEN_STATES.includes(cur.state)) return false;
      if (!(await changeRequest(trx, cur.id, cur.version, escalate ? { escalated: 1, reminded: 1 } : { reminded: 1 }, at))) return false;
      const due = decisionDue(cal, cur.submittedAt, TARGET_WORKING_DAYS);
      const type = escalate ? 'escalated' : 'reminder_sent';
      await appendEvent(trx, cur.id, { type, actorType: 'system', at, data: { workingDays: days, due } });
      await appendAudit(trx, { stream: `exchange-request:${cur.id}`, action: `exchange.request_${type}`, actorType: 'system', agencyId: cur.providerAgencyId, subjectType: 'exchange_request', subjectId: cur.id, at, data: { workingDays: days, due } });
      await emailDataOwners(ex, trx, cur.providerAgencyId, escalate ? 'escalated' : 'reminder', { id: cur.id, reference: cur.reference, project: cur.project, requesterAgencyId: cur.requesterAgencyId, due });
      return true;
    });
    if (done && escalate) escalated++;
    else if (done) reminded++;
  }
  return { reminded, escalated };
}

export function deadlineJob(ex: Exchange): JobDefinition {
  return { queue: DEADLINE_QUEUE, async handle() { await remindDataOwners(ex); } };
}
