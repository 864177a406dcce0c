/** What every casework use case receives, and who is acting. */
import type { AppContext } from '../../platform/context.ts';
import type { CalendarSource } from '../../platform/calendar/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { ApiClient, Principal, Role } from '../../platform/http/index.ts';
import type { Catalogue, ServiceVersion, WorkflowStep } from '../catalogue/index.ts';
import type { CasePanelProvider } from './panels.ts';

export interface Casework {
  ctx: AppContext;
  catalogue: Catalogue;
  calendar: CalendarSource;
  /** extra panels on the case page (payment, signature) from modules that have them */
  panels: CasePanelProvider[];
}

/** Who does something to a case: an officer, an agency system (API key acting as an officer role), the applicant, or Civitas itself. */
export interface Actor {
  type: 'officer' | 'api' | 'citizen' | 'system';
  id: string | null;
  agencyId: string | null;
  roles: Role[];
  /** for people: whether assignment rules apply (an agency system acts for its agency) */
  human: boolean;
  actingForUen?: string | null;
}

export const SYSTEM: Actor = { type: 'system', id: null, agencyId: null, roles: [], human: false };

export function actorOf(p: Principal): Actor {
  return { type: p.kind === 'officer' ? 'officer' : 'citizen', id: p.id, agencyId: p.agencyId, roles: p.roles, human: true, actingForUen: p.actingFor?.uen ?? null };
}

export function actorOfApi(c: ApiClient): Actor {
  return { type: 'api', id: c.keyId, agencyId: c.agencyId, roles: c.officerRole ? [c.officerRole as Role] : [], human: false };
}

export const isOfficerLike = (a: Actor): boolean => a.type === 'officer' || a.type === 'api';

/** The definition version a case was submitted on (versions never change, so this is cached). */
export async function serviceOf(cw: Casework, serviceId: string, version: number): Promise<ServiceVersion> {
  const s = await cw.catalogue.getVersion(serviceId, version);
  if (!s) throw new AppError('gone', 'applications.errors.unknownVersion', { version });
  return s;
}

export const stepsOf = (s: ServiceVersion): WorkflowStep[] => s.definition.workflow.steps;
