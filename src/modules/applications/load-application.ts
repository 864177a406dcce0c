/** An applicant's own application with the exact definition version it started on. */
import type { AppContext } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { can, type Principal } from '../../platform/http/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { businessOwner, findApplication, type Application } from './repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function loadOwnApplication(ctx: AppContext, catalogue: Catalogue, principal: Principal, id: string): Promise<{ app: Application; service: ServiceVersion }> {
  // Someone else's application is "not found", never "forbidden": its existence is not revealed.
  if (!UUID.test(id)) throw notFound('applications.errors.unknownApplication');
  const app = await findApplication(ctx.db, ctx.keys, id);
  if (!app || app.status === 'withdrawn' || !canSee(principal, app)) throw notFound('applications.errors.unknownApplication');
  const service = await catalogue.getVersion(app.serviceId, app.serviceVersion);
  if (!service) throw new AppError('gone', 'applications.errors.unknownVersion', { version: app.serviceVersion });
  return { app, service };
}

export function requireDraft(app: Application): void {
  if (app.status !== 'draft') throw new AppError('conflict', 'applications.errors.alreadySubmitted', { reference: app.reference ?? '' });
}

/**
 * Who sees an application on the applicant's side. The officer who recorded it
 * at a counter or from paper (while it is a draft, only that officer: the
 * applicant sees it once it is sent). Otherwise the policy decides: one's own,
 * or the business's when acting for it (also one an agency system sent with only
 * a UEN); a draft only for those who may apply.
 */
export function canSee(principal: Principal, app: Application): boolean {
  if (app.recordedBy) {
    const recorder = app.recordedBy === principal.id && principal.kind === 'officer' && principal.agencyId === app.agencyId;
    if (recorder || app.status === 'draft') return recorder;
  }
  // an application an agency system sent with only a UEN belongs to the business's placeholder owner (businessOwner)
  const uen = app.actingForUen ?? (app.applicantId.startsWith(businessOwner('')) ? app.applicantId.slice(businessOwner('').length) : null);
  return can(principal, app.status === 'draft' ? 'application.apply' : 'application.view', { ownerId: app.applicantId, uen });
}
