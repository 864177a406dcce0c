/**
 * Consent and prefill ("tell us once"): a service declares the data items it
 * needs and why; the person sees them with their source and agency, agrees or
 * declines; agreed items fill and lock their questions. Consents are recorded
 * with purpose and time, listed in the account and can be withdrawn.
 */
export { registerConsentRoutes, consentStep, type ConsentLabels } from './routes.ts';
export { planPrefill, agreeToPrefill, declinePrefill, fillsFrom, type Plan, type PlanItem, type Provider } from './prefill.ts';
export { listConsents, type Consent } from './repository.ts';
