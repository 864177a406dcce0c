/**
 * Applications: drafts saved page by page, the journey pages, check your
 * answers, submission with a reference number, and "My applications".
 */
export { registerApplicationRoutes, type ApplicationPanel } from './routes.ts';
export { startApplication } from './start-application.ts';
export { submitApplication } from './submit-application.ts';
export { updateDraft } from './save-answers.ts';
export { findApplication, listForApplicant, listSubmittedForAgency, listEvents, type Application, type AgencyApplication } from './repository.ts';
export { newReference, isReference, formatReference, REFERENCE_ALPHABET } from './reference.ts';
export { TRANSITIONS, nextStatus, type Status } from './status.ts';
export { loadOwnApplication } from './load-application.ts';
