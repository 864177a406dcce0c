/** Start a draft application on the current version of a service. */
import { nowIso } from '../../platform/db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { applyRefusal, assertCan, type Principal } from '../../platform/http/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { appendEvent, insertApplication } from './repository.ts';
import { factDefaults, recordTransactionFact } from '../kpi/index.ts';

/** An application an officer records for someone at a counter or from a paper form. */
export interface RecordedFor {
  channel: 'counter' | 'paper';
  /** the applicant's account (found or created by NRIC/FIN) */
  applicantId: string;
  actingForUen: string | null;
  contactEmail: string | null;
}

export async function startApplication(ctx: AppContext, catalogue: Catalogue, input: { serviceId: string; applicant: Principal; lang: Lang; requestId?: string; recordedFor?: RecordedFor }): Promise<{ id: string; firstPageId: string }> {
  const service = catalogue.get(input.serviceId);
  if (!service) throw notFound('catalogue.errors.unknownService');
  const rec = input.recordedFor;
  if (rec) {
    // an officer records only for their own agency's services (anything else is "not found")
    if (input.applicant.kind !== 'officer' || input.applicant.agencyId !== service.definition.agency) throw notFound('catalogue.errors.unknownService');
  } else {
    // who may apply: the person for themselves, or a representative with the applicant role for the business they act for
    const refusal = applyRefusal(input.applicant, service.definition.audience);
    if (refusal) throw new AppError('forbidden', refusal);
    assertCan(input.applicant, 'application.apply', { audience: service.definition.audience, uen: input.applicant.actingFor?.uen ?? null, ownerId: input.applicant.id });
  }
  const now = nowIso(ctx.clock());
  const id = await ctx.db.transaction().execute(async (trx) => {
    const id = await insertApplication(trx, ctx.keys, {
      serviceId: service.id, serviceVersion: service.version, agencyId: service.definition.agency,
      applicantId: rec ? rec.applicantId : input.applicant.id,
      actingForUen: rec ? rec.actingForUen : input.applicant.actingFor?.uen ?? null,
      channel: rec ? rec.channel : 'online', status: 'draft', answers: {}, lang: input.lang,
      recordedBy: rec ? input.applicant.id : null, contactEmail: rec?.contactEmail ?? null,
    }, now);
    await appendEvent(trx, { applicationId: id, type: 'started', to: 'draft', actorType: input.applicant.kind, actorId: input.applicant.id, actorAgencyId: input.applicant.agencyId, at: now, data: { version: service.version, ...(rec ? { channel: rec.channel } : {}) } });
    await recordTransactionFact(trx, id, {
      agencyId: service.definition.agency, serviceId: service.id, channel: rec ? rec.channel : 'online',
      audience: (rec ? rec.actingForUen : input.applicant.actingFor?.uen) ? 'business' : 'citizen', startedAt: now, ...factDefaults(service.definition),
    });
    await appendAudit(trx, { stream: `application:${id}`, action: 'application.started', actorType: input.applicant.kind, actorId: input.applicant.id, onBehalfOf: rec ? rec.applicantId : input.applicant.actingFor?.uen, agencyId: service.definition.agency, subjectType: 'application', subjectId: id, requestId: input.requestId, data: { service: service.id, version: service.version, ...(rec ? { channel: rec.channel, recordedBy: input.applicant.id } : {}) } });
    return id;
  });
  return { id, firstPageId: service.definition.form.pages[0]!.id };
}
