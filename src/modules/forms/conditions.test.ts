import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate, operatorOf, referencedQuestions } from './conditions.ts';
import type { Answers, Condition } from './schema.ts';

const answers: Answers = {
  colour: 'red',
  count: 3,
  countText: '12',
  hasPet: 'yes',
  noPet: 'no',
  pets: ['cat', 'dog'],
  none: [],
  blank: '',
  address: { block: '1', street: 'Orchard Road', postalCode: '238801' },
};
const ev = (c: Condition, a: Answers = answers) => evaluate(c, a);

describe('comparisons', () => {
  it('equals and notEquals on text, numbers and choices', () => {
    expect(ev({ question: 'colour', equals: 'red' })).toBe(true);
    expect(ev({ question: 'colour', equals: 'blue' })).toBe(false);
    expect(ev({ question: 'colour', notEquals: 'blue' })).toBe(true);
    expect(ev({ question: 'colour', notEquals: 'red' })).toBe(false);
    expect(ev({ question: 'count', equals: 3 })).toBe(true);
    expect(ev({ question: 'count', equals: '3' })).toBe(true);
    expect(ev({ question: 'count', equals: 4 })).toBe(false);
  });

  it('yes/no answers equal the booleans and the words', () => {
    expect(ev({ question: 'hasPet', equals: true })).toBe(true);
    expect(ev({ question: 'hasPet', equals: 'yes' })).toBe(true);
    expect(ev({ question: 'hasPet', equals: false })).toBe(false);
    expect(ev({ question: 'noPet', equals: false })).toBe(true);
    expect(ev({ question: 'noPet', equals: 'no' })).toBe(true);
    expect(ev({ question: 'noPet', notEquals: true })).toBe(true);
    expect(ev({ question: 'hasPet', notEquals: true })).toBe(false);
    expect(ev({ question: 'hasPet', in: [true] })).toBe(true);
    expect(ev({ question: 'noPet', in: [true] })).toBe(false);
    // a stored boolean (from an older draft or the API) is also understood
    expect(ev({ question: 'flag', equals: true }, { flag: true as unknown as string })).toBe(true);
  });

  it('in', () => {
    expect(ev({ question: 'colour', in: ['blue', 'red'] })).toBe(true);
    expect(ev({ question: 'colour', in: ['blue', 'green'] })).toBe(false);
    expect(ev({ question: 'count', in: [1, 2, 3] })).toBe(true);
    expect(ev({ question: 'pets', in: ['fish', 'dog'] })).toBe(true);
  });

  it('includes and includesAny on multichoice answers', () => {
    expect(ev({ question: 'pets', includes: 'cat' })).toBe(true);
    expect(ev({ question: 'pets', includes: 'fish' })).toBe(false);
    expect(ev({ question: 'pets', includesAny: ['fish', 'dog'] })).toBe(true);
    expect(ev({ question: 'pets', includesAny: ['fish', 'bird'] })).toBe(false);
    // on a single answer they never hold
    expect(ev({ question: 'colour', includes: 'red' })).toBe(false);
    expect(ev({ question: 'colour', includesAny: ['red'] })).toBe(false);
    // equals on a multichoice answer: one of the chosen options
    expect(ev({ question: 'pets', equals: 'dog' })).toBe(true);
    expect(ev({ question: 'pets', notEquals: 'dog' })).toBe(false);
    expect(ev({ question: 'pets', notEquals: 'fish' })).toBe(true);
  });

  it('answered', () => {
    expect(ev({ question: 'colour', answered: true })).toBe(true);
    expect(ev({ question: 'colour', answered: false })).toBe(false);
    expect(ev({ question: 'address', answered: true })).toBe(true);
    for (const q of ['missing', 'blank', 'none']) {
      expect(ev({ question: q, answered: true }), q).toBe(false);
      expect(ev({ question: q, answered: false }), q).toBe(true);
    }
  });

  it('greaterThan, lessThan, atLeast, atMost, on numbers and numeric text', () => {
    expect(ev({ question: 'count', greaterThan: 2 })).toBe(true);
    expect(ev({ question: 'count', greaterThan: 3 })).toBe(false);
    expect(ev({ question: 'count', lessThan: 4 })).toBe(true);
    expect(ev({ question: 'count', lessThan: 3 })).toBe(false);
    expect(ev({ question: 'count', atLeast: 3 })).toBe(true);
    expect(ev({ question: 'count', atLeast: 4 })).toBe(false);
    expect(ev({ question: 'count', atMost: 3 })).toBe(true);
    expect(ev({ question: 'count', atMost: 2 })).toBe(false);
    expect(ev({ question: 'countText', greaterThan: 11 })).toBe(true);
    // not a number: no comparison holds
    for (const c of [{ greaterThan: 0 }, { lessThan: 1e9 }, { atLeast: -1e9 }, { atMost: 1e9 }]) expect(ev({ question: 'colour', ...c })).toBe(false);
  });

  it('an unanswered question equals nothing, so only notEquals and answered:false hold', () => {
    const empty: Answers = {};
    const holds: Condition[] = [{ question: 'q', notEquals: 'x' }, { question: 'q', notEquals: true }, { question: 'q', answered: false }];
    const fails: Condition[] = [
      { question: 'q', equals: 'x' }, { question: 'q', equals: false }, { question: 'q', equals: '' }, { question: 'q', in: ['x'] },
      { question: 'q', includes: 'x' }, { question: 'q', includesAny: ['x'] }, { question: 'q', answered: true },
      { question: 'q', greaterThan: -1 }, { question: 'q', lessThan: 1 }, { question: 'q', atLeast: 0 }, { question: 'q', atMost: 0 },
    ];
    for (const a of [empty, { q: '' }, { q: [] }, { q: undefined }] as Answers[]) {
      for (const c of holds) expect(ev(c, a), JSON.stringify([c, a])).toBe(true);
      for (const c of fails) expect(ev(c, a), JSON.stringify([c, a])).toBe(false);
    }
  });
});

describe('all, any and not', () => {
  const T: Condition = { question: 'colour', equals: 'red' };
  const F: Condition = { question: 'colour', equals: 'blue' };

  it('combine as boolean logic', () => {
    expect(ev({ all: [T, T] })).toBe(true);
    expect(ev({ all: [T, F] })).toBe(false);
    expect(ev({ any: [F, T] })).toBe(true);
    expect(ev({ any: [F, F] })).toBe(false);
    expect(ev({ not: T })).toBe(false);
    expect(ev({ not: F })).toBe(true);
    expect(ev({ all: [{ question: 'hasPet', equals: true }, { any: [{ question: 'pets', includes: 'fish' }, { not: { question: 'count', lessThan: 3 } }] }] })).toBe(true);
    expect(ev({ not: { question: 'missing', answered: true } })).toBe(true);
  });

  it('agree with the boolean logic of their parts, at any depth', () => {
    type Tree = { c: Condition; value: boolean };
    const leaf: fc.Arbitrary<Tree> = fc.constantFrom<Tree>(
      { c: T, value: true }, { c: F, value: false },
      { c: { question: 'pets', includes: 'dog' }, value: true }, { c: { question: 'count', atMost: 2 }, value: false },
      { c: { question: 'missing', equals: 'x' }, value: false }, { c: { question: 'missing', notEquals: 'x' }, value: true },
    );
    const { tree } = fc.letrec<{ tree: Tree }>((rec) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(rec('tree'), { minLength: 1, maxLength: 4 }).map((xs) => ({ c: { all: xs.map((x) => x.c) }, value: xs.every((x) => x.value) })),
        fc.array(rec('tree'), { minLength: 1, maxLength: 4 }).map((xs) => ({ c: { any: xs.map((x) => x.c) }, value: xs.some((x) => x.value) })),
        rec('tree').map((x) => ({ c: { not: x.c }, value: !x.value })),
      ),
    }));
    fc.assert(fc.property(tree, ({ c, value }) => {
      expect(ev(c)).toBe(value);
    }), { numRuns: 300 });
  });

  it('never throw on any answers', () => {
    const cond = fc.record({
      question: fc.constantFrom('a', 'b', 'toString', '__proto__', 'constructor'),
      op: fc.constantFrom('equals', 'notEquals', 'in', 'includes', 'includesAny', 'answered', 'greaterThan', 'lessThan', 'atLeast', 'atMost'),
      v: fc.oneof(fc.string(), fc.double(), fc.boolean()),
    }).map(({ question, op, v }) => ({ question, [op]: op === 'in' || op === 'includesAny' ? [v] : op === 'answered' ? Boolean(v) : v }) as Condition);
    fc.assert(fc.property(cond, fc.dictionary(fc.constantFrom('a', 'b'), fc.anything()), fc.option(fc.dictionary(fc.constantFrom('a', 'b'), fc.anything()), { nil: undefined }), (c, a, scope) => {
      expect(typeof evaluate(c, a as Answers, scope)).toBe('boolean');
    }), { numRuns: 300 });
  });
});

describe('scope (the item of a repeating page)', () => {
  it('looks at the item first, then the form', () => {
    const form: Answers = { colour: 'red' };
    expect(evaluate({ question: 'inSchool', equals: true }, form, { inSchool: 'yes' })).toBe(true);
    expect(evaluate({ question: 'inSchool', equals: true }, form, { inSchool: 'no' })).toBe(false);
    expect(evaluate({ question: 'colour', equals: 'red' }, form, { inSchool: 'yes' })).toBe(true);
    expect(evaluate({ question: 'inSchool', answered: false }, form, {})).toBe(true);
  });
});

describe('operatorOf and referencedQuestions', () => {
  it('need exactly one operator, with a question for comparisons only', () => {
    expect(operatorOf({ question: 'a', equals: 1 })).toEqual({ op: 'equals' });
    expect(operatorOf({ all: [{ question: 'a', answered: true }] })).toEqual({ combinator: 'all' });
    expect(operatorOf({ question: 'a' }).problem).toMatch(/exactly one of .*found none/);
    expect(operatorOf({ question: 'a', equals: 1, in: [1] }).problem).toMatch(/found equals, in/);
    expect(operatorOf({ equals: 1 }).problem).toMatch(/"equals" needs a "question"/);
    expect(operatorOf({ question: 'a', not: { question: 'b', answered: true } }).problem).toMatch(/takes no "question"/);
  });

  it('lists every question a condition depends on', () => {
    expect(referencedQuestions({ all: [{ question: 'a', equals: 1 }, { any: [{ question: 'b', answered: true }, { not: { question: 'c', in: [1] } }] }] })).toEqual(['a', 'b', 'c']);
  });
});
