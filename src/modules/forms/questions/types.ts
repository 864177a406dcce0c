/** What every question type provides: reading, validation, display and rendering. */
import type { Lang } from '../../../platform/i18n/index.ts';
import type { AnswerValue, Question } from '../schema.ts';

/** A submitted HTML form: repeated names arrive as arrays. */
export type FormBody = Record<string, unknown>;

export interface QuestionError {
  /** message key */
  key: string;
  params?: Record<string, string | number | undefined>;
  /** the element the error summary links to (defaults to the question id) */
  focus?: string;
}

export interface ValidateContext {
  /** today's date in the service's time zone, YYYY-MM-DD */
  today: string;
}

export type Validation = { value?: AnswerValue; error?: QuestionError };

export interface RenderState {
  value: AnswerValue | undefined;
  /** what the person typed, when the page is shown again with errors */
  raw: FormBody | undefined;
  /** the translated error message, if any */
  error: string | undefined;
  /** the question is the only one on its page: its label is the page heading */
  isPageHeading: boolean;
  lang: Lang;
  t: (key: string, params?: Record<string, string | number>) => string;
  localize: (text: unknown) => string;
  /** a verified value that the person cannot change */
  locked: boolean;
}

export interface Rendered {
  /** the govuk-frontend macro to call */
  macro: 'input' | 'textarea' | 'radios' | 'checkboxes' | 'dateInput' | 'fileUpload' | 'address';
  params: Record<string, unknown>;
}

export interface QuestionType {
  /** the candidate value from an HTML form; undefined when nothing was entered */
  read(q: Question, body: FormBody): unknown;
  /** validate and normalise a candidate from a form or the API */
  validate(q: Question, candidate: unknown, ctx: ValidateContext): Validation;
  /** the answer as text, for check-your-answers and case pages */
  display(q: Question, value: AnswerValue, r: Pick<RenderState, 't' | 'localize' | 'lang'>): string;
  render(q: Question, s: RenderState): Rendered;
  /** the default noun phrase for "Enter ..." / "Select ..." messages */
  defaultName: string;
}

export const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
export const isBlank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

export function required(q: Question): boolean {
  return q.required !== false;
}

/** Label, hint and error shared by the single-input components. */
export function commonParams(q: Question, s: RenderState) {
  return {
    id: q.id,
    name: q.id,
    label: { text: s.localize(q.label) + (required(q) ? '' : ` ${s.t('common.optional')}`), isPageHeading: s.isPageHeading, classes: s.isPageHeading ? 'govuk-label--l' : 'govuk-label--s' },
    hint: q.hint ? { text: s.localize(q.hint) } : undefined,
    errorMessage: s.error ? { text: s.error } : undefined,
  };
}

/** Fieldset legend for grouped components (radios, checkboxes, dates, addresses). */
export function legend(q: Question, s: RenderState) {
  return {
    legend: { text: s.localize(q.label) + (required(q) ? '' : ` ${s.t('common.optional')}`), isPageHeading: s.isPageHeading, classes: s.isPageHeading ? 'govuk-fieldset__legend--l' : 'govuk-fieldset__legend--s' },
  };
}

export function lockedAttributes(s: RenderState): Record<string, string> | undefined {
  return s.locked ? { readonly: 'readonly', 'aria-readonly': 'true' } : undefined;
}
