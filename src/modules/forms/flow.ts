/**
 * Which pages and questions apply given the answers so far, in what order, and
 * whether the answers are complete and valid. The same rules serve the web
 * journey (one page at a time) and whole submissions through the API.
 */
import { evaluate } from './conditions.ts';
import { QUESTION_TYPE_IMPLS, type FormBody, type QuestionError, type ValidateContext } from './questions/index.ts';
import type { AnswerValue, Answers, Form, Page, Question } from './schema.ts';

export type Item = Record<string, AnswerValue>;

export interface AnswerError extends QuestionError {
  pageId: string;
  questionId: string;
  /** which item of a repeating page */
  item?: number;
  /** the question's errorName, or its type's default noun phrase key */
  name: Question['errorName'] | undefined;
  defaultName: string;
}

export const isPageVisible = (page: Page, answers: Answers): boolean => !page.showIf || evaluate(page.showIf, answers);

export function visiblePages(form: Form, answers: Answers): Page[] {
  return form.pages.filter((p) => isPageVisible(p, answers));
}

export function findPage(form: Form, pageId: string): Page | undefined {
  return form.pages.find((p) => p.id === pageId);
}

export function pageAfter(form: Form, answers: Answers, pageId: string): Page | undefined {
  const i = form.pages.findIndex((p) => p.id === pageId);
  return form.pages.slice(i + 1).find((p) => isPageVisible(p, answers));
}

export function pageBefore(form: Form, answers: Answers, pageId: string): Page | undefined {
  const i = form.pages.findIndex((p) => p.id === pageId);
  return form.pages.slice(0, Math.max(i, 0)).reverse().find((p) => isPageVisible(p, answers));
}

export const itemsOf = (answers: Answers, page: Page): Item[] => (Array.isArray(answers[page.id]) ? (answers[page.id] as Item[]) : []);

function errorFor(page: Page, q: Question, e: QuestionError, item?: number): AnswerError {
  return { ...e, focus: e.focus ?? q.id, pageId: page.id, questionId: q.id, item, name: q.errorName, defaultName: QUESTION_TYPE_IMPLS[q.type].defaultName };
}

/**
 * Validate one page's questions. `read` gives each question's candidate value
 * (from an HTML form or a JSON object). Questions hidden by a condition are
 * skipped and get no value. `locked` values (verified data) replace whatever was sent.
 */
export function validateQuestions(
  page: Page, answers: Answers, read: (q: Question) => unknown, ctx: ValidateContext,
  opts: { item?: number; locked?: Record<string, AnswerValue> } = {},
): { values: Item; errors: AnswerError[] } {
  const values: Item = {};
  const errors: AnswerError[] = [];
  // what this page is answering now replaces what it held before
  const before: Answers = { ...answers };
  for (const q of page.questions) delete before[q.id];
  for (const q of page.questions) {
    const scope = page.repeat ? values : undefined;
    const context = page.repeat ? before : { ...before, ...values };
    if (q.showIf && !evaluate(q.showIf, context, scope)) continue;
    const locked = opts.locked?.[q.id];
    if (locked !== undefined) { values[q.id] = locked; continue; }
    const r = QUESTION_TYPE_IMPLS[q.type].validate(q, read(q), ctx);
    if (r.error) errors.push(errorFor(page, q, r.error, opts.item));
    else if (r.value !== undefined) values[q.id] = r.value;
  }
  return { values, errors };
}

/** Validate a page submitted from an HTML form. */
export function validatePageForm(page: Page, answers: Answers, body: FormBody, ctx: ValidateContext, opts: { item?: number; locked?: Record<string, AnswerValue> } = {}) {
  return validateQuestions(page, answers, (q) => QUESTION_TYPE_IMPLS[q.type].read(q, body), ctx, opts);
}

/** Merge a validated page into the answers (an item of a repeating page replaces or appends). */
export function applyPage(answers: Answers, page: Page, values: Item, item?: number): Answers {
  const next: Answers = { ...answers };
  if (page.repeat) {
    const items = [...itemsOf(answers, page)];
    items[item ?? items.length] = values;
    next[page.id] = items;
  } else {
    for (const q of page.questions) delete next[q.id];
    Object.assign(next, values);
  }
  return next;
}

export interface FormCheck {
  /** the answers with everything no longer asked removed */
  answers: Answers;
  errors: AnswerError[];
  /** repeating pages with too few or too many items */
  countErrors: { pageId: string; key: string; params: Record<string, number> }[];
}

/** Validate a whole set of answers as the journey would have asked them. */
export function validateAnswers(form: Form, input: Answers, ctx: ValidateContext, locked: Record<string, AnswerValue> = {}): FormCheck {
  let answers: Answers = {};
  const errors: AnswerError[] = [];
  const countErrors: FormCheck['countErrors'] = [];
  for (const page of form.pages) {
    if (!isPageVisible(page, answers)) continue;
    if (page.repeat) {
      const raw = Array.isArray(input[page.id]) ? (input[page.id] as unknown[]) : [];
      const min = page.repeat.min ?? 1;
      if (raw.length < min) countErrors.push({ pageId: page.id, key: 'forms.errors.repeatMin', params: { min } });
      if (raw.length > page.repeat.max) countErrors.push({ pageId: page.id, key: 'forms.errors.repeatMax', params: { max: page.repeat.max } });
      const items: Item[] = [];
      raw.slice(0, page.repeat.max).forEach((it, i) => {
        const obj = (it && typeof it === 'object' ? it : {}) as Record<string, unknown>;
        const r = validateQuestions(page, answers, (q) => obj[q.id], ctx, { item: i });
        errors.push(...r.errors);
        items.push(r.values);
      });
      if (items.length) answers = { ...answers, [page.id]: items };
    } else {
      const r = validateQuestions(page, answers, (q) => input[q.id], ctx, { locked });
      errors.push(...r.errors);
      answers = { ...answers, ...r.values };
    }
  }
  return { answers, errors, countErrors };
}

/** Where to resume: the first page that still needs an answer (undefined: ready to check). */
export function firstIncompletePage(form: Form, answers: Answers, ctx: ValidateContext): { pageId: string; item?: number } | undefined {
  const check = validateAnswers(form, answers, ctx);
  const firstError = form.pages.find((p) => check.errors.some((e) => e.pageId === p.id) || check.countErrors.some((e) => e.pageId === p.id));
  if (!firstError) return undefined;
  const e = check.errors.find((x) => x.pageId === firstError.id);
  return { pageId: firstError.id, item: e?.item };
}
