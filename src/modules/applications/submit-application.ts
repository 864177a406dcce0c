/**
 * Submit a draft: validate every answer exactly as the journey would have,
 * give it a reference number, and record the event, the audit entry and the
 * confirmation email in one transaction. Submitting twice is harmless: the
 * second time returns the first reference.
 */
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { todayInSingapore, validateAnswers, type FormCheck } from '../forms/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { notify } from '../notifications/index.ts';
import { newReference } from './reference.ts';
import { appendEvent, findApplication, referenceExists, updateApplication } from './repository.ts';
import { nextStatus } from './status.ts';
import { changedLockedAnswers } from './prefill-draft.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { factDefaults, recordTransactionFact } from '../kpi/index.ts';

/** Outbox queue of "an application was sent": casework opens the case (any channel). */
export const SUBMITTED_QUEUE = 'applications.submitted';

export type SubmitResult = { ok: true; reference: string; already: boolean } | { ok: false; check: FormCheck };

/**
 * A service with signatureRequired is submitted only together with the
 * applicant's signature: the signatures module calls this with `signatureId`
 * and its own transaction (`trx`), so the signature and the submission commit together.
 */
export async function submitApplication(ctx: AppContext, service: ServiceVersion, input: { applicationId: string; by: Principal; requestId?: string; trx?: Db; signatureId?: string }): Promise<SubmitResult> {
  return inTransaction(input.trx ?? ctx.db, async (trx) => {
    const app = await findApplication(trx, ctx.keys, input.applicationId);
    if (!app) throw new AppError('not_found', 'applications.errors.unknownApplication');
    if (app.status !== 'draft' && app.reference) return { ok: true, reference: app.reference, already: true };
    const to = nextStatus(app.status, 'submit');
    // verified answers are locked: one changed since it was filled is refused (keyed hash check)
    if (changedLockedAnswers(ctx.keys, app).length) throw new AppError('conflict', 'applications.errors.lockedChanged');
    if (service.definition.signatureRequired && !input.signatureId) throw new AppError('conflict', 'signatures.errors.signatureRequired');
    const check = validateAnswers(service.definition.form, app.answers, { today: todayInSingapore(ctx.clock()) });
    if (check.errors.length || check.countErrors.length) return { ok: false, check };

    let reference = newReference();
    while (await referenceExists(trx, reference)) reference = newReference();
    const now = nowIso(ctx.clock());
    if (!(await updateApplication(trx, ctx.keys, app.id, app.rev, { status: to, reference, answers: check.answers, submittedAt: now }, now))) {
      throw new AppError('conflict', 'applications.errors.busy');
    }
    await appendEvent(trx, { applicationId: app.id, type: 'submitted', from: app.status, to, actorType: input.by.kind, actorId: input.by.id, actorAgencyId: input.by.agencyId, at: now, data: { reference, channel: app.channel, ...(input.signatureId ? { signatureId: input.signatureId } : {}) } });
    await appendAudit(trx, {
      stream: `application:${app.id}`, action: 'application.submitted', actorType: input.by.kind, actorId: input.by.id, onBehalfOf: app.recordedBy ? app.applicantId : app.actingForUen,
      agencyId: app.agencyId, subjectType: 'application', subjectId: app.id, requestId: input.requestId, data: { reference, service: app.serviceId, version: app.serviceVersion, channel: app.channel },
    });
    await recordTransactionFact(trx, app.id, {
      agencyId: app.agencyId, serviceId: app.serviceId, channel: app.channel, audience: app.actingForUen ? 'business' : 'citizen', ...factDefaults(service.definition),
      submittedAt: now, ...(input.signatureId ? { signedDigitally: true } : {}),
    });
    await enqueue(trx, SUBMITTED_QUEUE, { applicationId: app.id }, { dedupeKey: `${SUBMITTED_QUEUE}:${app.id}` });
    // the applicant hears (inbox, and email or SMS as they chose), not an officer recording it for them
    await notify(trx, { event: 'submitted', applicationId: app.id });
    return { ok: true, reference, already: false };
  });
}
