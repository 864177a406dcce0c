/**
 * Concessions are proven, never claimed: the registry answers which facts
 * (senior, recipient of financial assistance) hold for the applicant. The
 * built-in registry proves "financial-assistance" from Civitas's own records
 * (an approved ComCare application); a deployment plugs in its population or
 * scheme registries through the same interface.
 */
import type { Db } from '../../platform/db/index.ts';
import { listForApplicant, type Application } from '../applications/index.ts';
import type { ConcessionFact } from './fees.ts';

export interface ConcessionRegistry {
  proven(db: Db, application: Pick<Application, 'applicantId' | 'actingForUen'>, facts: readonly ConcessionFact[]): Promise<Set<ConcessionFact>>;
}

/** Services whose approval proves a fact. */
export const PROVEN_BY_APPROVAL: Record<ConcessionFact, string[]> = {
  'financial-assistance': ['comcare-assistance'],
  senior: [],
};

export const recordsRegistry: ConcessionRegistry = {
  async proven(db, application, facts) {
    const out = new Set<ConcessionFact>();
    // a concession is a person's: not for a business's application
    if (!facts.length || application.actingForUen) return out;
    const approved = new Set((await listForApplicant(db, application.applicantId, { uen: null })).filter((a) => a.status === 'approved').map((a) => a.serviceId));
    for (const f of facts) if (PROVEN_BY_APPROVAL[f].some((s) => approved.has(s))) out.add(f);
    return out;
  },
};
