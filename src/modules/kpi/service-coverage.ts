/**
 * What a service's definition says about the Blueprint's coverage KPIs. Read
 * defensively: `prefill` is an optional top-level field of newer definitions
 * (`prefill: { purpose, items: [{ item, question }] }`), absent in older ones.
 */
import type { ServiceDefinition, ServiceVersion } from '../catalogue/index.ts';

/** The government-verified items a service fills in for the applicant (none when the definition has no prefill). */
export function prefillItems(definition: ServiceDefinition): { item: string; question?: string }[] {
  const prefill = (definition as unknown as { prefill?: unknown }).prefill;
  if (!prefill || typeof prefill !== 'object') return [];
  const items = (prefill as { items?: unknown }).items;
  if (!Array.isArray(items)) return [];
  return items.filter((i): i is { item: string; question?: string } => !!i && typeof i === 'object' && typeof (i as { item?: unknown }).item === 'string' && (i as { item: string }).item !== '');
}

/**
 * A fee-charging service offers e-payment unless its definition lists no
 * electronic method: `paymentMethods` absent means the platform's electronic
 * methods (card, PayNow); an empty list means none.
 */
export function offersEPayment(s: ServiceVersion): boolean {
  const methods = s.definition.paymentMethods;
  return methods === undefined || methods.some((m) => m === 'card' || m === 'paynow');
}

/**
 * A service that needs a signature offers digital signing: the catalogue
 * publishes one only when the signing journey step is registered, and that
 * step is the only way its applications are submitted.
 */
export function offersDigitalSigning(s: ServiceVersion): boolean {
  return s.definition.signatureRequired;
}

/** What an application's fact starts with, from the definition it is made on. */
export function factDefaults(definition: ServiceDefinition): { signatureRequired: boolean; feeExpected: boolean; outputExpected: boolean } {
  return {
    signatureRequired: definition.signatureRequired,
    feeExpected: definition.fee.type !== 'none',
    outputExpected: !!definition.output && definition.output.type !== 'none',
  };
}
