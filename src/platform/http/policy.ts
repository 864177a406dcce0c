/**
 * Declarative access policy: every route states who may call it in its config
 * (`config: { access: ... }`); one check here enforces it. Ownership and agency
 * scope are then checked by the use case (which knows the record).
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.ts';

export type Role = 'citizen' | 'business_rep' | 'case_officer' | 'approver' | 'agency_admin' | 'auditor' | 'kpi_viewer' | 'platform_admin';

export type Access =
  | 'public'
  /** any signed-in person */
  | 'signedIn'
  /** signed in and holding at least one of these roles */
  | { roles: Role[] }
  /** an agency system with an API key holding this scope */
  | { apiScope: string }
  /** any agency system with a valid API key */
  | 'apiClient';

export interface Principal {
  /** the account id */
  id: string;
  kind: 'citizen' | 'officer';
  displayName: string;
  email: string | null;
  roles: Role[];
  agencyId: string | null;
  /** a business the person has chosen to act for */
  actingFor: { uen: string; name: string; role: string } | null;
  sessionId: string;
}

export interface ApiClient {
  keyId: string;
  agencyId: string;
  scopes: string[];
  /** the officer role the key acts as, for casework actions */
  officerRole: string | null;
}

export function describeAccess(a: Access): string {
  if (typeof a === 'string') return a;
  if ('roles' in a) return `roles:${a.roles.join('|')}`;
  return `api:${a.apiScope}`;
}

/** Throws unless the request may use a route with this access rule. */
export function authorize(request: FastifyRequest, access: Access): void {
  if (access === 'public') return;
  if (access === 'apiClient') {
    if (!request.apiClient) throw new AppError('unauthenticated', 'errors.apiKeyRequired');
    return;
  }
  if (typeof access === 'object' && 'apiScope' in access) {
    const client = request.apiClient;
    if (!client) throw new AppError('unauthenticated', 'errors.apiKeyRequired');
    if (!client.scopes.includes(access.apiScope)) throw new AppError('forbidden', 'errors.apiScopeMissing', { scope: access.apiScope });
    return;
  }
  const p = request.principal;
  if (!p) throw new AppError('unauthenticated', 'errors.signInRequired');
  if (access === 'signedIn') return;
  if (!access.roles.some((r) => p.roles.includes(r))) throw new AppError('forbidden', 'errors.forbidden');
}
