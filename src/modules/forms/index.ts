/**
 * The form engine: question types, conditions, page flow, validation and the
 * view models that render questions with govuk-frontend. It owns no tables;
 * catalogue (definitions) and applications (answers) use it.
 */
export * from './schema.ts';
export { checkForm, allQuestions, type DefinitionProblem } from './check-form.ts';
export { evaluate, referencedQuestions } from './conditions.ts';
export * from './flow.ts';
export { renderPage, summarize, translator, errorMessage, type Translator, type SummarySection, type RenderedPage } from './render.ts';
export { QUESTION_TYPE_IMPLS, checkUpload, sniff, FILE_KINDS, formatAddress, normaliseEmail, type FormBody, type ValidateContext } from './questions/index.ts';

/** Today's date in Singapore (UTC+8), as YYYY-MM-DD. */
export function todayInSingapore(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
