/**
 * The satisfaction survey: the Blueprint's question after each completed
 * transaction (on the confirmation page, and in "My applications" once
 * decided), one answer per application, citizens and businesses kept apart.
 * Each answer updates the scorecard in its own transaction.
 */
export { answerSurvey, checkAnswer, findAnswer, mayAnswer, recentComments, audienceOf, RATINGS, SURVEY_STATUSES, type SurveyAnswer } from './answer-survey.ts';
export { registerSatisfactionRoutes, surveyPanel, surveyLinks } from './routes.ts';
export { SATISFACTION_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
