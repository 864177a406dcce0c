/** An applicant's own application with the exact definition version it started on. */
import type { AppContext } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { can, type Principal } from '../../platform/http/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { findApplication, type Application } from './repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function loadOwnApplication(ctx: AppContext, catalogue: Catalogue, principal: Principal, id: string): Promise<{ app: Application; service: ServiceVersion }> {
  // Someone else's application is "not found", never "forbidden": its existence is not revealed.
  if (!UUID.test(id)) throw notFound('applications.errors.unknownApplication');
  const app = await findApplication(ctx.db, ctx.keys, id);
  if (!app || app.status === 'withdrawn') throw notFound('applications.errors.unknownApplication');
  // the policy decides: one's own, or the business's when acting for it; a draft only for those who may apply
  const resource = { ownerId: app.applicantId, uen: app.actingForUen };
  if (!can(principal, app.status === 'draft' ? 'application.apply' : 'application.view', resource)) throw notFound('applications.errors.unknownApplication');
  const service = await catalogue.getVersion(app.serviceId, app.serviceVersion);
  if (!service) throw new AppError('gone', 'applications.errors.unknownVersion', { version: app.serviceVersion });
  return { app, service };
}

export function requireDraft(app: Application): void {
  if (app.status !== 'draft') throw new AppError('conflict', 'applications.errors.alreadySubmitted', { reference: app.reference ?? '' });
}
