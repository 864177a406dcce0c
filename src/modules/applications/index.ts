/**
 * Applications: drafts saved page by page, the journey pages, check your
 * answers, submission with a reference number, and "My applications".
 */
export { registerApplicationRoutes, type ApplicationPanel, type ApplicationLinks, type SubmitStep, type AfterStart } from './routes.ts';
export { startApplication, type RecordedFor } from './start-application.ts';
export { submitApplication, SUBMITTED_QUEUE } from './submit-application.ts';
export { createSubmittedApplication, InvalidAnswers, type WholeApplication } from './create-submitted-application.ts';
export { transitionApplication, type TransitionInput, type TransitionResult } from './transition-application.ts';
export { applicantContact, type ApplicantContact } from './applicant-contact.ts';
export { loadOwnApplication, canSee } from './load-application.ts';
export { updateDraft } from './save-answers.ts';
export { prefillDraft, unlockDraft, lockedAnswers, changedLockedAnswers, type VerifiedFill } from './prefill-draft.ts';
export {
  findApplication, listForApplicant, listSubmittedForAgency, listEvents, listHistory, listFiles, findFile, insertFile, businessOwner, countByChannel,
  type Application, type AgencyApplication, type AnswerSource, type HistoryEvent, type FileSummary, type ChannelCount,
} from './repository.ts';
export { newReference, isReference, formatReference, REFERENCE_ALPHABET } from './reference.ts';
export { TRANSITIONS, nextStatus, STATUS_TAG, type Status, type Transition } from './status.ts';
export { APPLICATION_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
