/**
 * Declarative access policy, in one place:
 *  - every route states who may call it in its config (`config: { access: ... }`),
 *    checked by authorize() before the handler;
 *  - POLICY (below) says which role may take which action within which scope
 *    (own records, the business acted for, the officer's agency); use cases call
 *    can() / assertCan() with the record, so ownership and agency scope are
 *    decided here too, never by ad-hoc checks.
 * Officers' roles count only in a session signed in with two factors.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.ts';

export type Role = 'citizen' | 'business_rep' | 'case_officer' | 'approver' | 'agency_admin' | 'auditor' | 'kpi_viewer' | 'data_owner' | 'platform_admin';
export const OFFICER_ROLES = ['case_officer', 'approver', 'agency_admin', 'auditor', 'kpi_viewer', 'data_owner'] as const;
export type OfficerRole = (typeof OFFICER_ROLES)[number];
/** Roles a business's administrator grants its representatives (Corppass-style). */
export const BUSINESS_ROLES = ['admin', 'applicant', 'approver', 'viewer'] as const;
export type BusinessRole = (typeof BUSINESS_ROLES)[number];

export type Action =
  /** start, fill in and submit an application (for oneself, or for the business acted for) */
  | 'application.apply'
  /** see one's own applications, or the business's */
  | 'application.view'
  /** officers: list and open the agency's submitted applications */
  | 'application.list-agency'
  | 'application.view-agency'
  /** officers: approve or reject */
  | 'application.decide'
  /** a business's administrator: grant and remove representatives' roles */
  | 'business.manage-representatives'
  /** an agency administrator: API keys and OAuth clients of the agency's systems */
  | 'agency.manage-api-access'
  /** an agency administrator: the agency's officers and their roles */
  | 'agency.manage-officers'
  /** an agency administrator: the notification templates of the agency's services */
  | 'agency.manage-notifications'
  | 'audit.read'
  | 'kpi.read'
  /** officers: see the agency's payments (case page, payment page) */
  | 'payment.view-agency'
  /** officers: refund a payment (with a reason; audited) */
  | 'payment.refund'
  /** an agency administrator: import bank statements, reconcile, export the ledger */
  | 'payment.reconcile'
  /** officers: ask another agency for data (a sharing request of the officer's agency) */
  | 'exchange.request'
  /** officers: see the agency's sharing requests, sent or received */
  | 'exchange.view-request'
  /** the data owner of the providing agency: approve, reject, ask questions, revoke */
  | 'exchange.decide';

export type Scope = 'own' | 'business' | 'agency';
export interface PolicyRule { who: Role | `business:${BusinessRole}`; action: Action; scope: Scope }

/** Who may do what, within which scope. Anything not here is refused. */
export const POLICY: readonly PolicyRule[] = [
  { who: 'citizen', action: 'application.apply', scope: 'own' },
  { who: 'citizen', action: 'application.view', scope: 'own' },
  { who: 'business:admin', action: 'application.apply', scope: 'business' },
  { who: 'business:applicant', action: 'application.apply', scope: 'business' },
  { who: 'business:admin', action: 'application.view', scope: 'business' },
  { who: 'business:applicant', action: 'application.view', scope: 'business' },
  { who: 'business:approver', action: 'application.view', scope: 'business' },
  { who: 'business:viewer', action: 'application.view', scope: 'business' },
  { who: 'business:admin', action: 'business.manage-representatives', scope: 'business' },
  { who: 'case_officer', action: 'application.list-agency', scope: 'agency' },
  { who: 'case_officer', action: 'application.view-agency', scope: 'agency' },
  { who: 'approver', action: 'application.list-agency', scope: 'agency' },
  { who: 'approver', action: 'application.view-agency', scope: 'agency' },
  { who: 'approver', action: 'application.decide', scope: 'agency' },
  { who: 'auditor', action: 'application.list-agency', scope: 'agency' },
  { who: 'auditor', action: 'application.view-agency', scope: 'agency' },
  { who: 'auditor', action: 'audit.read', scope: 'agency' },
  { who: 'agency_admin', action: 'agency.manage-api-access', scope: 'agency' },
  { who: 'agency_admin', action: 'agency.manage-officers', scope: 'agency' },
  { who: 'agency_admin', action: 'agency.manage-notifications', scope: 'agency' },
  { who: 'agency_admin', action: 'audit.read', scope: 'agency' },
  { who: 'kpi_viewer', action: 'kpi.read', scope: 'agency' },
  { who: 'case_officer', action: 'payment.view-agency', scope: 'agency' },
  { who: 'approver', action: 'payment.view-agency', scope: 'agency' },
  { who: 'auditor', action: 'payment.view-agency', scope: 'agency' },
  { who: 'agency_admin', action: 'payment.view-agency', scope: 'agency' },
  { who: 'approver', action: 'payment.refund', scope: 'agency' },
  { who: 'agency_admin', action: 'payment.refund', scope: 'agency' },
  { who: 'agency_admin', action: 'payment.reconcile', scope: 'agency' },
  { who: 'case_officer', action: 'exchange.request', scope: 'agency' },
  { who: 'approver', action: 'exchange.request', scope: 'agency' },
  { who: 'agency_admin', action: 'exchange.request', scope: 'agency' },
  { who: 'data_owner', action: 'exchange.request', scope: 'agency' },
  { who: 'case_officer', action: 'exchange.view-request', scope: 'agency' },
  { who: 'approver', action: 'exchange.view-request', scope: 'agency' },
  { who: 'agency_admin', action: 'exchange.view-request', scope: 'agency' },
  { who: 'auditor', action: 'exchange.view-request', scope: 'agency' },
  { who: 'data_owner', action: 'exchange.view-request', scope: 'agency' },
  { who: 'agency_admin', action: 'exchange.decide', scope: 'agency' },
  { who: 'data_owner', action: 'exchange.decide', scope: 'agency' },
];

/** The record an action is about (what the use case knows). */
export interface Resource {
  /** the account that owns it (applicant) */
  ownerId?: string;
  /** the business it belongs to, or null for a person's own */
  uen?: string | null;
  agencyId?: string;
  /** for application.apply: who the service is for */
  audience?: readonly string[];
}

/** amr values (RFC 8176) that show a second factor; demo persona sessions count in demo mode only (they exist only there). */
const MFA_AMR = new Set(['otp', 'hwk', 'swk', 'mfa', 'sc', 'fpt', 'face', 'pin', 'demo']);
export const isMultiFactor = (amr: readonly string[] | undefined) => (amr ?? []).some((m) => MFA_AMR.has(m));

/** Roles that count in this session: an officer's need a second factor. */
function effectiveRoles(p: Principal): Role[] {
  if (p.kind === 'officer' && !isMultiFactor(p.authMethods)) return p.roles.filter((r) => !(OFFICER_ROLES as readonly string[]).includes(r));
  return p.roles;
}

function ruleAllows(p: Principal, rule: PolicyRule, r: Resource | undefined): boolean {
  if (rule.who.startsWith('business:')) {
    const role = rule.who.slice('business:'.length);
    if (!p.actingFor || !(p.actingFor.roles ?? [p.actingFor.role]).includes(role)) return false;
    if (!r) return true;
    if (r.uen !== undefined && r.uen !== p.actingFor.uen) return false;
    return !r.audience || r.audience.includes('business');
  }
  if (!effectiveRoles(p).includes(rule.who as Role)) return false;
  if (rule.scope === 'own') {
    // acting for a business, a person's own rights are set aside: they act as the business
    if (p.actingFor) return false;
    if (!r) return true;
    if (r.ownerId !== undefined && r.ownerId !== p.id) return false;
    if (r.uen) return false;
    return !r.audience || r.audience.includes('citizen');
  }
  if (rule.scope === 'agency') {
    if (!p.agencyId) return false;
    return !r || r.agencyId === undefined || r.agencyId === p.agencyId;
  }
  return false;
}

/** May this person take this action (on this record)? Without a record: on some record of theirs. */
export function can(p: Principal | null, action: Action, resource?: Resource): boolean {
  if (!p) return false;
  return POLICY.some((rule) => rule.action === action && ruleAllows(p, rule, resource));
}

/**
 * Why this person may not apply for a service meant for `audience`, as a
 * message key (null: they may). Business-only services need the person to act
 * for a business with the applicant (or admin) role; personal services are not
 * applied for while acting for a business.
 */
export function applyRefusal(p: Principal, audience: readonly string[]): string | null {
  if (can(p, 'application.apply', { audience, uen: p.actingFor?.uen ?? null, ownerId: p.id })) return null;
  if (p.actingFor) return audience.includes('business') ? 'errors.needsApplicantRole' : 'errors.personalService';
  if (audience.includes('business') && !audience.includes('citizen')) return 'errors.needsBusiness';
  return 'errors.forbidden';
}

/**
 * Refuse unless can(). A record out of the person's reach is "not found" (its
 * existence is not revealed); an action the person may never take is "forbidden".
 */
export function assertCan(p: Principal | null, action: Action, resource?: Resource, notFoundKey = 'errors.notFound'): void {
  if (!p) throw new AppError('unauthenticated', 'errors.signInRequired');
  if (can(p, action, resource)) return;
  if (resource && can(p, action)) throw new AppError('not_found', notFoundKey);
  throw new AppError('forbidden', 'errors.forbidden');
}

export type Access =
  | 'public'
  /** any signed-in person */
  | 'signedIn'
  /** signed in and holding at least one of these roles */
  | { roles: Role[] }
  /** signed in and allowed this action by POLICY on some record (the use case checks the record) */
  | { can: Action }
  /** an officer of an agency (any officer role), signed in with two factors */
  | 'officer'
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
  /** unread messages in the in-app inbox (people's page requests; set by the notifications module) */
  inboxUnread?: number;
  /** a business the person has chosen to act for, with the roles the business gave them */
  actingFor: { uen: string; name: string; role: string; roles?: string[] } | null;
  sessionId: string;
  /** how this session was authenticated (RFC 8176 values, e.g. ["pwd","otp"]); none: single factor */
  authMethods?: string[];
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
  if ('can' in a) return `can:${a.can}`;
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
  if (access === 'officer') {
    if (p.kind !== 'officer' || !p.agencyId) throw new AppError('forbidden', 'errors.forbidden');
    if (!isMultiFactor(p.authMethods)) throw new AppError('forbidden', 'errors.secondFactorRequired');
    return;
  }
  if ('can' in access) {
    if (!can(p, access.can)) throw new AppError('forbidden', p.kind === 'officer' && !isMultiFactor(p.authMethods) ? 'errors.secondFactorRequired' : 'errors.forbidden');
    return;
  }
  if (!access.roles.some((r) => effectiveRoles(p).includes(r))) throw new AppError('forbidden', 'errors.forbidden');
}
