/**
 * The fee an application owes, from its service definition and answers:
 * none, fixed or by answer; a concession (a reduced fee, 0 waives it) when a
 * fact the concession needs is proven from the registry; GST where configured
 * (inclusive: the amount already holds it; exclusive: added on top). Money is
 * integer cents with a currency; GST is rounded half up to the cent.
 */
import type { LocalTextDef } from '../forms/index.ts';
import { evaluate, type Answers } from '../forms/index.ts';
import type { Fee, ServiceDefinition } from '../catalogue/index.ts';

export const CONCESSION_FACTS = ['senior', 'financial-assistance'] as const;
export type ConcessionFact = (typeof CONCESSION_FACTS)[number];

export interface FeeDue {
  currency: string;
  /** the fee by the rules, before any concession, GST-inclusive */
  standardCents: number;
  /** the concession applied, if any */
  concession: { id: string; name: LocalTextDef; savedCents: number } | null;
  /** what is to be paid, GST-inclusive */
  totalCents: number;
  /** the GST part of totalCents (0 when not configured) */
  gstCents: number;
  gstRate: number | null;
}

/** Does the service charge a fee at all (for some answers)? Services without one keep the journey as it was. */
export function chargesFee(def: Pick<ServiceDefinition, 'fee'>): boolean {
  const fee = def.fee;
  if (fee.type === 'none') return false;
  if (fee.type === 'fixed') return fee.amount > 0;
  return fee.otherwise > 0 || fee.rules.some((r) => r.amount > 0);
}

/** Does the service offer an electronic payment method (true for every published fee-charging service)? */
export function offersEPayment(def: Pick<ServiceDefinition, 'fee' | 'paymentMethods'>): boolean {
  return !chargesFee(def) || (def.paymentMethods ?? []).some((m) => m === 'card' || m === 'paynow');
}

const gstOf = (amount: number, rate: number): number => Math.floor((amount * rate) / (10_000 + rate) + 0.5);

function withGst(amount: number, fee: Exclude<Fee, { type: 'none' }>): { total: number; gst: number } {
  if (!fee.gst || amount === 0) return { total: amount, gst: 0 };
  if (fee.gst.inclusive) return { total: amount, gst: gstOf(amount, fee.gst.rate) };
  const gst = Math.floor((amount * fee.gst.rate) / 10_000 + 0.5);
  return { total: amount + gst, gst };
}

/** `proven`: the facts the registry proves about the applicant (see concessions.ts). */
export function feeDue(def: Pick<ServiceDefinition, 'fee'>, answers: Answers, proven: ReadonlySet<string> = new Set()): FeeDue {
  const fee = def.fee;
  if (fee.type === 'none') return { currency: 'SGD', standardCents: 0, concession: null, totalCents: 0, gstCents: 0, gstRate: null };
  const base = fee.type === 'fixed' ? fee.amount : (fee.rules.find((r) => evaluate(r.when, answers))?.amount ?? fee.otherwise);
  const standard = withGst(base, fee);
  // the most favourable concession the applicant has proven
  const applicable = (fee.concessions ?? []).filter((c) => proven.has(c.proof) && c.amount < base).sort((a, b) => a.amount - b.amount)[0];
  const charged = applicable ? withGst(applicable.amount, fee) : standard;
  return {
    currency: fee.currency, standardCents: standard.total,
    concession: applicable ? { id: applicable.id, name: applicable.name, savedCents: standard.total - charged.total } : null,
    totalCents: charged.total, gstCents: charged.gst, gstRate: fee.gst?.rate ?? null,
  };
}

/** The facts a service's concessions ask for (so the registry is only asked about those). */
export function factsNeeded(def: Pick<ServiceDefinition, 'fee'>): ConcessionFact[] {
  return def.fee.type === 'none' ? [] : [...new Set((def.fee.concessions ?? []).map((c) => c.proof))];
}
