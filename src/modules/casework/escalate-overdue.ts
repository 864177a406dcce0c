/**
 * Breached deadlines escalate: a periodic job finds cases past their step's
 * due date (working days, calendar time zone) that have not been escalated at
 * this step, records the escalation in the case's history, flags the case (it
 * shows in the "Escalated" queue), emails the step's supervisors and tells the applicant it is taking longer. Each case
 * is its own transaction; running the job twice escalates a case once.
 */
import { nowIso } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { JobDefinition } from '../../platform/jobs/index.ts';
import type { Role } from '../../platform/http/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import { transitionApplication } from '../applications/index.ts';
import { listAgencyOfficers } from '../identity/index.ts';
import { SYSTEM, serviceOf, stepsOf, type Casework } from './casework.ts';
import { emailOfficers, notifyApplicantOfDelay } from './notify.ts';
import { changeCase, findCase } from './repository.ts';
import { emitWebhook } from './webhooks.ts';
import { supervisorsOf } from './workflow.ts';

export const ESCALATION_QUEUE = 'casework.escalate';

export async function escalateOverdue(cw: Casework, opts: { batch?: number } = {}): Promise<number> {
  const { ctx } = cw;
  const batch = opts.batch ?? 200;
  const cal = await cw.calendar.get();
  let escalated = 0;
  const skipped = new Set<string>();
  for (;;) {
    const today = cal.localDate(ctx.clock());
    const ids = (await ctx.db.selectFrom('cases').select('application_id').where('escalated', '=', 0).where('state', 'in', ['queued', 'referred'])
      .where('due_date', '<', today).orderBy('due_date').limit(batch + skipped.size).execute()).map((r: any) => r.application_id as string).filter((id) => !skipped.has(id));
    if (!ids.length) return escalated;
    for (const id of ids.slice(0, batch)) {
      const done = await ctx.db.transaction().execute(async (trx) => {
        const c = await findCase(trx, ctx.keys, id);
        if (!c || c.escalated || !c.dueDate || c.dueDate >= today || (c.state !== 'queued' && c.state !== 'referred')) return false;
        const service = await serviceOf(cw, c.serviceId, c.serviceVersion);
        const step = stepsOf(service)[c.stepIndex]!;
        const roles = supervisorsOf(step);
        const now = nowIso(ctx.clock());
        if (!(await changeCase(trx, c.applicationId, c.version, { escalated: true }, now))) return false;
        const daysOverdue = -cal.workingDaysBetween(today, c.dueDate);
        const escalation = await transitionApplication(trx, ctx.keys, { applicationId: c.applicationId, type: 'case.escalated', statusEvent: null, actor: { type: SYSTEM.type }, stepId: step.id, at: now, data: { dueDate: c.dueDate, daysOverdue, supervisors: roles } });
        await appendAudit(trx, { stream: `application:${c.applicationId}`, action: 'casework.escalated', actorType: 'system', agencyId: c.agencyId, subjectType: 'application', subjectId: c.applicationId, at: now, data: { step: step.id, dueDate: c.dueDate, supervisors: roles } });
        await emitWebhook(trx, { agencyId: c.agencyId, type: 'case.escalated', applicationId: c.applicationId, at: now, data: { reference: c.reference, serviceId: c.serviceId, stepId: step.id, dueDate: c.dueDate, daysOverdue, sequence: escalation.seq } });
        const supervisors = (await listAgencyOfficers(trx, ctx.keys, c.agencyId)).filter((o) => o.roles.some((r) => roles.includes(r as Role)));
        await emailOfficers(cw, trx, supervisors, 'escalated', { reference: c.reference, applicationId: c.applicationId, service, step: step.name as LocalText, dueDate: c.dueDate });
        await notifyApplicantOfDelay(trx, c.applicationId, c.dueDate);
        return true;
      });
      if (done) escalated++;
      else skipped.add(id);
    }
  }
}

export function escalationJob(cw: Casework): JobDefinition {
  return { queue: ESCALATION_QUEUE, async handle() { await escalateOverdue(cw); } };
}
