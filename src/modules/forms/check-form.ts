/**
 * Rules a form must follow beyond its schema: unique ids, options where they
 * are needed, and conditions that only look back at questions already asked,
 * with an operator that suits the question's type.
 */
import { COMBINATORS, operatorOf } from './conditions.ts';
import type { Condition, Form, Question } from './schema.ts';

export interface DefinitionProblem { path: string; message: string }

/** "constructor", "toString"...: every plain object already has them, so an unanswered question would look answered. */
const isObjectMember = (id: string): boolean => Object.prototype.hasOwnProperty.call(Object.prototype, id);

export function checkForm(form: Form, base = 'form'): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const pageIds = new Set<string>();
  const repeatPages = new Set<string>();
  /** questions asked so far, with the page (if a repeat) they belong to */
  const seen = new Map<string, { q: Question; repeatPage?: string }>();

  const checkCondition = (c: Condition, path: string, repeatPage: string | undefined) => {
    const { op, combinator, problem } = operatorOf(c);
    if (problem) return problems.push({ path, message: problem });
    if (combinator) {
      const inner = c[combinator as (typeof COMBINATORS)[number]];
      if (Array.isArray(inner)) inner.forEach((x, i) => checkCondition(x, `${path}.${combinator}[${i}]`, repeatPage));
      else if (inner) checkCondition(inner, `${path}.not`, repeatPage);
      return;
    }
    const ref = seen.get(c.question!);
    if (!ref) return problems.push({ path: `${path}.question`, message: `refers to "${c.question}", which is not asked before this point` });
    if (ref.repeatPage && ref.repeatPage !== repeatPage) return problems.push({ path: `${path}.question`, message: `refers to "${c.question}", which is inside the repeating page "${ref.repeatPage}"` });
    const t = ref.q.type;
    if ((op === 'includes' || op === 'includesAny') && t !== 'multichoice') problems.push({ path, message: `"${op}" only applies to multichoice questions; "${c.question}" is ${t}` });
    if (['greaterThan', 'lessThan', 'atLeast', 'atMost'].includes(op!) && t !== 'number') problems.push({ path, message: `"${op}" only applies to number questions; "${c.question}" is ${t}` });
    const expected = [c.equals, c.notEquals, ...(c.in ?? []), c.includes, ...(c.includesAny ?? [])].filter((x) => x !== undefined);
    if ((t === 'choice' || t === 'multichoice') && ref.q.options) {
      for (const e of expected) if (!ref.q.options.some((o) => o.value === String(e))) problems.push({ path, message: `"${String(e)}" is not an option of "${c.question}" (options: ${ref.q.options.map((o) => o.value).join(', ')})` });
    }
    if (t === 'yesno') for (const e of expected) if (!['yes', 'no', true, false].includes(e as any)) problems.push({ path, message: `"${String(e)}" is not yes or no` });
  };

  form.pages.forEach((page, pi) => {
    const pPath = `${base}.pages[${pi}]`;
    if (pageIds.has(page.id)) problems.push({ path: `${pPath}.id`, message: `page id "${page.id}" is used twice` });
    pageIds.add(page.id);
    if (page.showIf) checkCondition(page.showIf, `${pPath}.showIf`, undefined);
    if (page.repeat) {
      // a repeating page stores its items under its own id, beside the question ids
      if (seen.has(page.id)) problems.push({ path: `${pPath}.id`, message: `repeating page id "${page.id}" is also a question id` });
      if (isObjectMember(page.id)) problems.push({ path: `${pPath}.id`, message: `"${page.id}" is reserved (answers are looked up by id): choose another id` });
      repeatPages.add(page.id);
      if ((page.repeat.min ?? 1) > page.repeat.max) problems.push({ path: `${pPath}.repeat`, message: 'min is larger than max' });
      if (page.questions.some((q) => q.type === 'file')) problems.push({ path: `${pPath}.repeat`, message: 'file questions cannot be inside a repeating page' });
    }
    page.questions.forEach((q, qi) => {
      const qPath = `${pPath}.questions[${qi}]`;
      if (seen.has(q.id) || repeatPages.has(q.id)) problems.push({ path: `${qPath}.id`, message: `question id "${q.id}" is used twice` });
      if (isObjectMember(q.id)) problems.push({ path: `${qPath}.id`, message: `"${q.id}" is reserved (answers are looked up by id): choose another id` });
      if (q.showIf) checkCondition(q.showIf, `${qPath}.showIf`, page.repeat ? page.id : undefined);
      const needsOptions = q.type === 'choice' || q.type === 'multichoice';
      if (needsOptions && !q.options) problems.push({ path: qPath, message: `a ${q.type} question needs "options"` });
      if (!needsOptions && q.options) problems.push({ path: `${qPath}.options`, message: `a ${q.type} question takes no options` });
      if (q.options) {
        const values = q.options.map((o) => o.value);
        const dup = values.find((v, i) => values.indexOf(v) !== i);
        if (dup) problems.push({ path: `${qPath}.options`, message: `option value "${dup}" is used twice` });
      }
      if (q.min !== undefined && q.max !== undefined && q.min > q.max) problems.push({ path: qPath, message: 'min is larger than max' });
      if (q.minLength !== undefined && q.maxLength !== undefined && q.minLength > q.maxLength) problems.push({ path: qPath, message: 'minLength is larger than maxLength' });
      if (q.past && q.future) problems.push({ path: qPath, message: 'a date cannot be both past and future' });
      const typeOnly: [keyof Question, Question['type'][]][] = [
        ['minLength', ['text', 'textarea']], ['maxLength', ['text', 'textarea']], ['min', ['number']], ['max', ['number']], ['integer', ['number']],
        ['prefix', ['number']], ['suffix', ['number']], ['past', ['date']], ['future', ['date']], ['minSelected', ['multichoice']], ['maxSelected', ['multichoice']],
        ['accept', ['file']], ['maxSizeMb', ['file']],
      ];
      for (const [key, types] of typeOnly) if (q[key] !== undefined && !types.includes(q.type)) problems.push({ path: `${qPath}.${key}`, message: `"${key}" does not apply to ${q.type} questions` });
      seen.set(q.id, { q, repeatPage: page.repeat ? page.id : undefined });
    });
  });
  return problems;
}

/** Every question of the form, with its page. */
export function allQuestions(form: Form): { page: Form['pages'][number]; question: Question }[] {
  return form.pages.flatMap((page) => page.questions.map((question) => ({ page, question })));
}
