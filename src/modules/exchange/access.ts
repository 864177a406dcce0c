/** Who may see and act on a sharing request (decided by the policy table). */
import { assertCan, can, type Principal } from '../../platform/http/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { SharingRequest } from './repository.ts';

/** The requesting agency's officers, and the providing agency's data owners. */
export const mayView = (p: Principal, r: SharingRequest): boolean =>
  can(p, 'exchange.view-request', { agencyId: r.requesterAgencyId }) || can(p, 'exchange.decide', { agencyId: r.providerAgencyId });

export function assertView(p: Principal | null, r: SharingRequest | null): asserts r is SharingRequest {
  if (!p) throw new AppError('unauthenticated', 'errors.signInRequired');
  if (!r || !mayView(p, r)) throw new AppError('not_found', 'exchange.errors.requestNotFound');
}

export const isOwner = (p: Principal, r: SharingRequest): boolean => can(p, 'exchange.decide', { agencyId: r.providerAgencyId });
export const isRequester = (p: Principal, r: SharingRequest): boolean => can(p, 'exchange.request', { agencyId: r.requesterAgencyId });

export function assertOwner(p: Principal, r: SharingRequest): void {
  assertView(p, r);
  assertCan(p, 'exchange.decide', { agencyId: r.providerAgencyId }, 'exchange.errors.requestNotFound');
}

export function assertRequester(p: Principal, r: SharingRequest): void {
  assertView(p, r);
  assertCan(p, 'exchange.request', { agencyId: r.requesterAgencyId }, 'exchange.errors.requestNotFound');
}
