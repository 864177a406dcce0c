/** View models for question pages and check-your-answers, built from the definition and the answers. */
import { localize, type Lang } from '../../platform/i18n/index.ts';
import type { AnswerError, Item } from './flow.ts';
import { evaluate, referencedQuestions } from './conditions.ts';
import { itemsOf, visiblePages } from './flow.ts';
import { QUESTION_TYPE_IMPLS, type FormBody, type Rendered } from './questions/index.ts';
import type { AnswerValue, Answers, Condition, Form, Page, Question } from './schema.ts';

export interface Translator {
  lang: Lang;
  t: (key: string, params?: Record<string, string | number>) => string;
  localize: (text: unknown) => string;
}

export function translator(lang: Lang, t: (lang: Lang, key: string, params?: Record<string, string | number | undefined | null>) => string): Translator {
  return { lang, t: (k, p) => t(lang, k, p), localize: (text) => localize(text as any, lang) };
}

export function errorMessage(e: Pick<AnswerError, 'key' | 'params' | 'name' | 'defaultName'>, tr: Translator): string {
  const name = e.name ? tr.localize(e.name) : tr.t(e.defaultName);
  return tr.t(e.key, { ...(e.params ?? {}), name });
}

export type RenderedQuestion = Rendered & { id: string; conditional?: Record<string, RenderedQuestion[]> };

export interface RenderedPage {
  questions: RenderedQuestion[];
  /** for the error summary: text and the field it links to */
  errorList: { text: string; href: string }[];
}

/** A condition on a radio or checkbox answer of the same page: shown as a GOV.UK conditional reveal. */
function revealParent(c: Condition | undefined, page: Page): { parent: string; values: string[] } | undefined {
  if (!c?.question) return undefined;
  const parent = page.questions.find((p) => p.id === c.question);
  if (!parent || !['choice', 'yesno', 'multichoice'].includes(parent.type)) return undefined;
  const values = c.equals !== undefined ? [c.equals] : c.in ?? (c.includes !== undefined ? [c.includes] : undefined);
  if (!values) return undefined;
  return { parent: parent.id, values: values.map((v) => (v === true ? 'yes' : v === false ? 'no' : String(v))) };
}

export function renderPage(page: Page, opts: {
  answers: Answers; item?: number; raw?: FormBody; errors?: AnswerError[]; locked?: Record<string, AnswerValue>; tr: Translator;
}): RenderedPage {
  const { tr } = opts;
  const errors = opts.errors ?? [];
  const current: Item = page.repeat ? (itemsOf(opts.answers, page)[opts.item ?? -1] ?? {}) : (opts.answers as Item);
  const onThisPage = new Set(page.questions.map((q) => q.id));
  // Which questions appear, and where. A question that depends on an earlier page
  // is shown or not; one that depends on a radio or checkbox of this page is nested
  // under that option (revealed with JavaScript, always visible without); any other
  // same-page dependency is shown and decided when the page is sent.
  const top: Question[] = [];
  const nested = new Map<string, { q: Question; values: string[] }[]>();
  for (const q of page.questions) {
    if (!q.showIf) { top.push(q); continue; }
    if (referencedQuestions(q.showIf).some((id) => onThisPage.has(id))) {
      const reveal = revealParent(q.showIf, page);
      if (reveal) nested.set(reveal.parent, [...(nested.get(reveal.parent) ?? []), { q, values: reveal.values }]);
      else top.push(q);
    } else if (evaluate(q.showIf, opts.answers, page.repeat ? current : undefined)) top.push(q);
  }
  const single = top.length === 1 && !nested.size && !page.description;
  const render = (q: Question, isPageHeading: boolean): RenderedQuestion => {
    const err = errors.find((e) => e.questionId === q.id);
    const r: RenderedQuestion = {
      id: q.id,
      ...QUESTION_TYPE_IMPLS[q.type].render(q, {
        value: current[q.id], raw: opts.raw, error: err ? errorMessage(err, tr) : undefined, isPageHeading,
        lang: tr.lang, t: tr.t, localize: tr.localize, locked: opts.locked?.[q.id] !== undefined,
      }),
    };
    const children = nested.get(q.id);
    if (children) {
      r.conditional = {};
      for (const c of children) for (const v of c.values) (r.conditional[v] ??= []).push(render(c.q, false));
    }
    return r;
  };
  return {
    questions: top.map((q) => render(q, single)),
    errorList: errors.map((e) => ({ text: errorMessage(e, tr), href: `#${e.focus ?? e.questionId}` })),
  };
}

const capitalise = (s: string) => s.charAt(0).toLocaleUpperCase() + s.slice(1);

export interface SummarySection {
  pageId: string;
  title: string;
  /** a repeating page: one group of rows per item */
  items?: { heading: string; rows: SummaryRow[]; index: number }[];
  rows: SummaryRow[];
}
export interface SummaryRow { questionId: string; key: string; value: string; item?: number }

/** The answers as the person gave them, page by page, for check-your-answers and case pages. */
export function summarize(form: Form, answers: Answers, tr: Translator): SummarySection[] {
  return visiblePages(form, answers).map((page) => {
    const rowsFor = (values: Item, item?: number): SummaryRow[] => page.questions
      .filter((q) => !q.showIf || evaluate(q.showIf, answers, page.repeat ? values : undefined))
      .map((q) => ({
        questionId: q.id, item,
        key: tr.localize(q.label),
        value: values[q.id] === undefined ? tr.t('common.notProvided') : QUESTION_TYPE_IMPLS[q.type].display(q, values[q.id]!, tr),
      }));
    if (page.repeat) {
      const items = itemsOf(answers, page).map((it, i) => ({ index: i, heading: `${capitalise(tr.localize(page.repeat!.itemName))} ${i + 1}`, rows: rowsFor(it, i) }));
      return { pageId: page.id, title: tr.localize(page.title), items, rows: [] };
    }
    return { pageId: page.id, title: tr.localize(page.title), rows: rowsFor(answers as Item) };
  });
}
