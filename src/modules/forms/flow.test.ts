import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkForm } from './check-form.ts';
import {
  applyPage, findPage, firstIncompletePage, itemsOf, pageAfter, pageBefore, validateAnswers, validatePageForm, validateQuestions, visiblePages,
} from './flow.ts';
import type { Answers, Form, Page } from './schema.ts';

const ctx = { today: '2026-06-15' };
const opts = (...values: string[]) => values.map((value) => ({ value, label: value }));

/** A form with every kind of branching: hidden pages, same-page conditions, a repeating page. */
const FORM: Form = {
  pages: [
    {
      id: 'about', title: 'About you',
      questions: [
        { id: 'name', type: 'text', label: 'Full name', errorName: 'your full name' },
        { id: 'hasChildren', type: 'yesno', label: 'Do you have children?' },
        { id: 'employment', type: 'choice', label: 'Work', options: opts('employed', 'self-employed', 'unemployed') },
        { id: 'employer', type: 'text', label: 'Employer', showIf: { question: 'employment', equals: 'employed' } },
        { id: 'income', type: 'number', label: 'Monthly income', min: 0, showIf: { question: 'employment', in: ['employed', 'self-employed'] } },
        { id: 'notes', type: 'textarea', label: 'Notes', required: false, showIf: { question: 'employment', notEquals: 'unemployed' } },
      ],
    },
    {
      id: 'children', title: 'Your children', showIf: { question: 'hasChildren', equals: true },
      repeat: { itemName: 'child', itemNamePlural: 'children', min: 1, max: 3 },
      questions: [
        { id: 'childName', type: 'text', label: 'Name' },
        { id: 'childBirthDate', type: 'date', label: 'Date of birth', past: true },
        { id: 'inSchool', type: 'yesno', label: 'In school?' },
        { id: 'school', type: 'text', label: 'School', showIf: { question: 'inSchool', equals: 'yes' } },
      ],
    },
    {
      id: 'benefits', title: 'Benefits',
      questions: [
        { id: 'benefits', type: 'multichoice', label: 'Benefits you get', required: false, options: opts('housing', 'childcare', 'medical') },
        { id: 'childcareCentre', type: 'text', label: 'Centre', showIf: { question: 'benefits', includes: 'childcare' } },
      ],
    },
    {
      id: 'bank', title: 'Bank', showIf: { all: [{ question: 'income', greaterThan: 1000 }, { not: { question: 'benefits', includesAny: ['housing', 'medical'] } }] },
      questions: [{ id: 'bankName', type: 'text', label: 'Bank' }],
    },
    {
      id: 'contact', title: 'Contact',
      questions: [
        { id: 'email', type: 'email', label: 'Email' },
        { id: 'home', type: 'address', label: 'Address' },
        { id: 'moveDate', type: 'date', label: 'Move date', future: true, required: false },
      ],
    },
  ],
};
const page = (id: string): Page => findPage(FORM, id)!;

const ABOUT: Answers = { name: 'Tan Ah Kow', hasChildren: 'yes', employment: 'employed', employer: 'ACME', income: 5000 };
const CHILD = { childName: 'Mei', childBirthDate: '2020-01-02', inSchool: 'yes', school: 'Rosyth' };
const CONTACT: Answers = { email: 'a@b.sg', home: { block: '1', street: 'Orchard Road', postalCode: '238801' } };
const COMPLETE: Answers = { ...ABOUT, children: [CHILD] as unknown as Answers[string], benefits: ['childcare'], childcareCentre: 'Little Stars', bankName: 'DBS', ...CONTACT };

describe('the fixture is a valid form', () => {
  it('passes checkForm', () => expect(checkForm(FORM)).toEqual([]));
});

describe('page visibility', () => {
  it('hides pages whose condition does not hold, and moves past them', () => {
    expect(visiblePages(FORM, COMPLETE).map((p) => p.id)).toEqual(['about', 'children', 'benefits', 'bank', 'contact']);
    const noKids = { ...COMPLETE, hasChildren: 'no' };
    expect(visiblePages(FORM, noKids).map((p) => p.id)).toEqual(['about', 'benefits', 'bank', 'contact']);
    expect(pageAfter(FORM, noKids, 'about')?.id).toBe('benefits');
    expect(pageBefore(FORM, noKids, 'benefits')?.id).toBe('about');
    const housing = { ...COMPLETE, benefits: ['housing'] };
    expect(pageAfter(FORM, housing, 'benefits')?.id).toBe('contact');
    expect(pageBefore(FORM, housing, 'contact')?.id).toBe('benefits');
    expect(pageAfter(FORM, { ...COMPLETE, income: 1000 }, 'benefits')?.id).toBe('contact');
    expect(pageAfter(FORM, COMPLETE, 'contact')).toBeUndefined();
    expect(pageBefore(FORM, COMPLETE, 'about')).toBeUndefined();
  });
});

describe('validateQuestions: question conditions on the same page', () => {
  const read = (a: Record<string, unknown>) => (q: { id: string }) => a[q.id];

  it('asks for the employer only when employed, and drops it otherwise', () => {
    let r = validateQuestions(page('about'), {}, read({ name: 'A', hasChildren: 'no', employment: 'employed' }), ctx);
    expect(r.errors.map((e) => e.questionId)).toEqual(['employer', 'income']);
    r = validateQuestions(page('about'), {}, read({ name: 'A', hasChildren: 'no', employment: 'unemployed', employer: 'ACME', income: '10', notes: 'x' }), ctx);
    expect(r.errors).toEqual([]);
    expect(r.values).toEqual({ name: 'A', hasChildren: 'no', employment: 'unemployed' });
    r = validateQuestions(page('about'), {}, read({ name: 'A', hasChildren: 'no', employment: 'self-employed', employer: 'ACME', income: '1,200' }), ctx);
    expect(r.values).toEqual({ name: 'A', hasChildren: 'no', employment: 'self-employed', income: 1200 });
  });

  it('decides by what is sent now, not by the answer the page held before', () => {
    const before: Answers = { ...ABOUT };
    const r = validateQuestions(page('about'), before, read({ name: 'A', hasChildren: 'no', employment: 'unemployed', employer: 'ACME' }), ctx);
    expect(r.values.employer).toBeUndefined();
    expect(r.errors).toEqual([]);
  });

  it('uses locked (verified) values instead of what was sent', () => {
    const r = validateQuestions(page('about'), {}, read({ name: 'Someone Else', hasChildren: 'no', employment: 'unemployed' }), ctx, { locked: { name: 'TAN AH KOW' } });
    expect(r.values.name).toBe('TAN AH KOW');
  });

  it('reports errors with the page, question, field to focus and name', () => {
    const r = validatePageForm(page('contact'), {}, { email: 'nope', 'home-block': '1', 'home-street': 'x', 'home-postalCode': '12', 'moveDate-day': '1', 'moveDate-month': '1', 'moveDate-year': '2020' }, ctx);
    expect(r.errors.map((e) => [e.questionId, e.key, e.focus, e.pageId])).toEqual([
      ['email', 'forms.errors.email', 'email', 'contact'],
      ['home', 'forms.errors.address.postalCode', 'home-postalCode', 'contact'],
      ['moveDate', 'forms.errors.dateFuture', 'moveDate-day', 'contact'],
    ]);
    expect(r.errors[0]!.defaultName).toBe('forms.names.email');
    const named = validatePageForm(page('about'), {}, {}, ctx).errors[0]!;
    expect([named.questionId, named.name]).toEqual(['name', 'your full name']);
  });

  it('in a repeating page, conditions look at the same item', () => {
    const p = page('children');
    let r = validateQuestions(p, COMPLETE, read({ childName: 'A', childBirthDate: '2021-01-01', inSchool: 'yes' }), ctx, { item: 1 });
    expect(r.errors.map((e) => [e.questionId, e.item])).toEqual([['school', 1]]);
    r = validateQuestions(p, COMPLETE, read({ childName: 'A', childBirthDate: '2021-01-01', inSchool: 'no', school: 'x' }), ctx, { item: 1 });
    expect(r.errors).toEqual([]);
    expect(r.values).toEqual({ childName: 'A', childBirthDate: '2021-01-01', inSchool: 'no' });
  });
});

describe('validateAnswers', () => {
  it('accepts a complete set and keeps it as it is', () => {
    const r = validateAnswers(FORM, COMPLETE, ctx);
    expect(r.errors).toEqual([]);
    expect(r.countErrors).toEqual([]);
    expect(r.answers).toEqual(COMPLETE);
  });

  it('prunes answers to hidden pages and hidden questions, and unknown keys', () => {
    const input: Answers = { ...COMPLETE, hasChildren: 'no', employment: 'unemployed', benefits: ['housing'], stray: 'x' };
    const r = validateAnswers(FORM, input, ctx);
    expect(r.errors).toEqual([]);
    expect(r.answers).toEqual({ name: 'Tan Ah Kow', hasChildren: 'no', employment: 'unemployed', benefits: ['housing'], ...CONTACT });
  });

  it('skips the questions of hidden pages even when their answers are invalid', () => {
    const r = validateAnswers(FORM, { ...COMPLETE, hasChildren: 'no', children: [{ childName: '' }] as unknown as Answers[string], income: 10, bankName: '' }, ctx);
    expect(r.errors).toEqual([]);
    expect(r.answers.children).toBeUndefined();
    expect(r.answers.bankName).toBeUndefined();
  });

  it('counts the items of a repeating page against min and max', () => {
    const tooFew = validateAnswers(FORM, { ...COMPLETE, children: [] as unknown as Answers[string] }, ctx);
    expect(tooFew.countErrors).toEqual([{ pageId: 'children', key: 'forms.errors.repeatMin', params: { min: 1 } }]);
    const four = [CHILD, CHILD, CHILD, { childName: '' }];
    const tooMany = validateAnswers(FORM, { ...COMPLETE, children: four as unknown as Answers[string] }, ctx);
    expect(tooMany.countErrors).toEqual([{ pageId: 'children', key: 'forms.errors.repeatMax', params: { max: 3 } }]);
    // items beyond the maximum are neither validated nor kept
    expect(tooMany.errors).toEqual([]);
    expect(itemsOf(tooMany.answers, page('children'))).toHaveLength(3);
    const notAList = validateAnswers(FORM, { ...COMPLETE, children: 'two' as unknown as Answers[string] }, ctx);
    expect(notAList.countErrors.map((e) => e.key)).toEqual(['forms.errors.repeatMin']);
  });

  it('validates each item and says which one is wrong', () => {
    const r = validateAnswers(FORM, { ...COMPLETE, children: [CHILD, { ...CHILD, childBirthDate: '2030-01-01' }, 'junk'] as unknown as Answers[string] }, ctx);
    expect(r.errors.map((e) => [e.pageId, e.questionId, e.item, e.key])).toEqual([
      ['children', 'childBirthDate', 1, 'forms.errors.datePast'],
      ['children', 'childName', 2, 'forms.errors.enter'],
      ['children', 'childBirthDate', 2, 'forms.errors.enter'],
      ['children', 'inSchool', 2, 'forms.errors.select'],
    ]);
  });

  it('never throws and only keeps what the form asks, whatever the input', () => {
    const small = { maxDepth: 2, maxKeys: 4 };
    const anyAnswers = fc.dictionary(fc.constantFrom('name', 'hasChildren', 'employment', 'employer', 'income', 'children', 'benefits', 'childcareCentre', 'bankName', 'email', 'home', 'moveDate', 'other'),
      fc.oneof(fc.anything(small), fc.constantFrom('yes', 'no', 'employed', 'unemployed', 5000, ['childcare'], ['housing']),
        fc.array(fc.dictionary(fc.constantFrom('childName', 'childBirthDate', 'inSchool', 'school'), fc.oneof(fc.anything(small), fc.constantFrom('yes', 'no', 'Ann', '2020-01-01'))), { maxLength: 4 })));
    const ids = new Set(FORM.pages.flatMap((p) => (p.repeat ? [p.id] : p.questions.map((q) => q.id))));
    fc.assert(fc.property(anyAnswers, (input) => {
      const r = validateAnswers(FORM, input as Answers, ctx);
      for (const k of Object.keys(r.answers)) expect(ids.has(k)).toBe(true);
      // what it returns is itself accepted, unchanged
      const again = validateAnswers(FORM, r.answers, ctx);
      expect(again.answers).toEqual(r.answers);
      expect(again.errors.length).toBeLessThanOrEqual(r.errors.length);
    }), { numRuns: 200 });
  });
});

describe('firstIncompletePage', () => {
  it('is the first page with a missing or wrong answer, and the item of a repeating page', () => {
    expect(firstIncompletePage(FORM, {}, ctx)).toEqual({ pageId: 'about', item: undefined });
    expect(firstIncompletePage(FORM, ABOUT, ctx)).toEqual({ pageId: 'children', item: undefined });
    expect(firstIncompletePage(FORM, { ...ABOUT, children: [CHILD, { childName: 'B' }] as unknown as Answers[string] }, ctx)).toEqual({ pageId: 'children', item: 1 });
    // benefits is optional: the next page that needs an answer is the bank
    expect(firstIncompletePage(FORM, { ...ABOUT, hasChildren: 'no' }, ctx)).toEqual({ pageId: 'bank', item: undefined });
    expect(firstIncompletePage(FORM, { ...ABOUT, hasChildren: 'no', income: 100 }, ctx)).toEqual({ pageId: 'contact', item: undefined });
    // benefits is optional, but choosing childcare asks for the centre
    expect(firstIncompletePage(FORM, { ...COMPLETE, childcareCentre: undefined }, ctx)).toEqual({ pageId: 'benefits', item: undefined });
    expect(firstIncompletePage(FORM, { ...COMPLETE, bankName: undefined }, ctx)).toEqual({ pageId: 'bank', item: undefined });
    expect(firstIncompletePage(FORM, { ...COMPLETE, bankName: undefined, income: 500 }, ctx)).toBeUndefined();
    expect(firstIncompletePage(FORM, COMPLETE, ctx)).toBeUndefined();
  });
});

describe('applyPage', () => {
  it('replaces the page\'s answers, dropping those no longer given', () => {
    const next = applyPage(COMPLETE, page('about'), { name: 'B', hasChildren: 'yes', employment: 'unemployed' });
    expect(next.employer).toBeUndefined();
    expect(next.income).toBeUndefined();
    expect(next.name).toBe('B');
    expect(next.email).toBe(COMPLETE.email);
    expect(COMPLETE.employer).toBe('ACME'); // not mutated
  });

  it('appends an item, or replaces the one being changed', () => {
    const p = page('children');
    let a = applyPage({}, p, CHILD);
    expect(itemsOf(a, p)).toEqual([CHILD]);
    a = applyPage(a, p, { ...CHILD, childName: 'Second' });
    expect(itemsOf(a, p).map((x) => x.childName)).toEqual(['Mei', 'Second']);
    const before = a;
    a = applyPage(a, p, { ...CHILD, childName: 'First' }, 0);
    expect(itemsOf(a, p).map((x) => x.childName)).toEqual(['First', 'Second']);
    expect(itemsOf(before, p).map((x) => x.childName)).toEqual(['Mei', 'Second']); // not mutated
    a = applyPage(a, p, { ...CHILD, childName: 'Third' }, 2);
    expect(itemsOf(a, p)).toHaveLength(3);
  });
});

describe('ids that are names of Object members', () => {
  it('are refused by checkForm, since answers are plain objects', () => {
    const form: Form = { pages: [{ id: 'p', title: 'P', questions: [{ id: 'constructor', type: 'text', label: 'A', required: false }, { id: 'toString', type: 'yesno', label: 'B' }] }] };
    expect(checkForm(form).map((p) => p.path)).toEqual(['form.pages[0].questions[0].id', 'form.pages[0].questions[1].id']);
  });
});
