/** Show pages and questions depending on earlier answers: comparisons combined with all / any / not. */
import type { Answers, Condition } from './schema.ts';

const OPERATORS = ['equals', 'notEquals', 'in', 'includes', 'includesAny', 'answered', 'greaterThan', 'lessThan', 'atLeast', 'atMost'] as const;
export const COMBINATORS = ['all', 'any', 'not'] as const;

function same(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'boolean') return actual === (expected ? 'yes' : 'no') || actual === expected;
  if (typeof expected === 'number' && typeof actual === 'number') return actual === expected;
  return String(actual) === String(expected);
}

const isAnswered = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Evaluate a condition. `scope` holds the current repeat item's answers, checked before the form's. */
export function evaluate(c: Condition, answers: Answers, scope?: Record<string, unknown>): boolean {
  if (c.all) return c.all.every((x) => evaluate(x, answers, scope));
  if (c.any) return c.any.some((x) => evaluate(x, answers, scope));
  if (c.not) return !evaluate(c.not, answers, scope);
  const v = scope && c.question! in scope ? scope[c.question!] : answers[c.question!];
  if (c.answered !== undefined) return isAnswered(v) === c.answered;
  if (!isAnswered(v)) return c.notEquals !== undefined; // an unanswered question equals nothing
  if (c.equals !== undefined) return Array.isArray(v) ? v.some((x) => same(x, c.equals)) : same(v, c.equals);
  if (c.notEquals !== undefined) return Array.isArray(v) ? !v.some((x) => same(x, c.notEquals)) : !same(v, c.notEquals);
  if (c.in) return c.in.some((e) => (Array.isArray(v) ? v.some((x) => same(x, e)) : same(v, e)));
  if (c.includes !== undefined) return Array.isArray(v) && v.includes(c.includes);
  if (c.includesAny) return Array.isArray(v) && c.includesAny.some((x) => v.includes(x));
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) return false;
  if (c.greaterThan !== undefined) return n > c.greaterThan;
  if (c.lessThan !== undefined) return n < c.lessThan;
  if (c.atLeast !== undefined) return n >= c.atLeast;
  if (c.atMost !== undefined) return n <= c.atMost;
  return false;
}

/** The operator a leaf condition uses, or an error message if it has none or several. */
export function operatorOf(c: Condition): { op?: (typeof OPERATORS)[number]; combinator?: (typeof COMBINATORS)[number]; problem?: string } {
  const ops = OPERATORS.filter((o) => c[o] !== undefined);
  const combos = COMBINATORS.filter((o) => c[o] !== undefined);
  if (combos.length + ops.length !== 1) return { problem: `must have exactly one of ${[...OPERATORS, ...COMBINATORS].join(', ')} (found ${[...combos, ...ops].join(', ') || 'none'})` };
  if (combos.length) {
    if (c.question !== undefined) return { problem: `"${combos[0]}" combines conditions and takes no "question"` };
    return { combinator: combos[0] };
  }
  if (!c.question) return { problem: `"${ops[0]}" needs a "question"` };
  return { op: ops[0] };
}

/** Question ids a condition depends on. */
export function referencedQuestions(c: Condition): string[] {
  if (c.all) return c.all.flatMap(referencedQuestions);
  if (c.any) return c.any.flatMap(referencedQuestions);
  if (c.not) return referencedQuestions(c.not);
  return c.question ? [c.question] : [];
}
