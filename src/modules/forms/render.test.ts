import { describe, expect, it } from 'vitest';
import { Messages } from '../../platform/i18n/index.ts';
import { createViews } from '../../platform/views/index.ts';
import { validatePageForm } from './flow.ts';
import { renderPage, summarize, translator, type RenderedQuestion } from './render.ts';
import type { Answers, Form, Page } from './schema.ts';

const messages = new Messages();
const tr = translator('en', (lang, key, params) => messages.t(lang, key, params));
const ctx = { today: '2026-06-15' };
const opts = (...values: string[]) => values.map((value) => ({ value, label: value[0]!.toUpperCase() + value.slice(1) }));

const EARLIER: Page = {
  id: 'earlier', title: 'Earlier',
  questions: [{ id: 'married', type: 'yesno', label: 'Are you married?' }],
};
const PAGE: Page = {
  id: 'details', title: 'Your details',
  questions: [
    { id: 'name', type: 'text', label: 'Full name', errorName: 'your full name' },
    { id: 'employment', type: 'choice', label: 'Work', options: opts('employed', 'self-employed', 'unemployed') },
    { id: 'employer', type: 'text', label: 'Employer', showIf: { question: 'employment', equals: 'employed' } },
    { id: 'income', type: 'number', label: 'Income', showIf: { question: 'employment', in: ['employed', 'self-employed'] } },
    // not a single option: shown, and decided when the page is sent
    { id: 'notes', type: 'textarea', label: 'Notes', required: false, showIf: { question: 'employment', notEquals: 'unemployed' } },
    { id: 'hasPet', type: 'yesno', label: 'Do you have a pet?' },
    { id: 'petName', type: 'text', label: 'Pet name', showIf: { question: 'hasPet', equals: true } },
    { id: 'benefits', type: 'multichoice', label: 'Benefits', required: false, options: opts('housing', 'childcare') },
    { id: 'centre', type: 'text', label: 'Centre', showIf: { question: 'benefits', includes: 'childcare' } },
    // depends on an earlier page: shown or not, never nested
    { id: 'spouseName', type: 'text', label: 'Spouse', showIf: { question: 'married', equals: true } },
    { id: 'dob', type: 'date', label: 'Date of birth', past: true },
    { id: 'home', type: 'address', label: 'Home address' },
  ],
};
const FORM: Form = { pages: [EARLIER, PAGE] };

const ids = (qs: RenderedQuestion[]) => qs.map((q) => q.id);
const nestedIds = (q: RenderedQuestion | undefined) => Object.fromEntries(Object.entries(q?.conditional ?? {}).map(([v, qs]) => [v, ids(qs)]));
const byId = (qs: RenderedQuestion[], id: string) => qs.find((q) => q.id === id);

describe('renderPage: conditional reveal', () => {
  it('nests a question under the radio or checkbox option its condition names', () => {
    const r = renderPage(PAGE, { answers: { married: 'no' }, tr });
    expect(ids(r.questions)).toEqual(['name', 'employment', 'notes', 'hasPet', 'benefits', 'dob', 'home']);
    expect(nestedIds(byId(r.questions, 'employment'))).toEqual({ employed: ['employer', 'income'], 'self-employed': ['income'] });
    // equals: true on a yes/no question reveals under "yes"
    expect(nestedIds(byId(r.questions, 'hasPet'))).toEqual({ yes: ['petName'] });
    expect(nestedIds(byId(r.questions, 'benefits'))).toEqual({ childcare: ['centre'] });
    expect(byId(r.questions, 'name')?.conditional).toBeUndefined();
    // nested questions are not page headings
    const employer = byId(r.questions, 'employment')!.conditional!.employed![0]!;
    expect((employer.params.label as { isPageHeading: boolean }).isPageHeading).toBe(false);
  });

  it('shows a question that depends on an earlier page only when its condition holds', () => {
    expect(ids(renderPage(PAGE, { answers: { married: 'yes' }, tr }).questions)).toContain('spouseName');
    expect(ids(renderPage(PAGE, { answers: { married: 'no' }, tr }).questions)).not.toContain('spouseName');
    expect(ids(renderPage(PAGE, { answers: {}, tr }).questions)).not.toContain('spouseName');
  });

  it('renders the nested questions inside the option\'s conditional block (works without JavaScript)', () => {
    const r = renderPage(PAGE, { answers: { employment: 'employed', employer: 'ACME' }, tr });
    const html = createViews().renderString('{% from "modules/forms/views/question.njk" import question %}{% for q in qs %}{{ question(q, "Error") }}{% endfor %}', { qs: r.questions });
    expect(html).toContain('govuk-radios__conditional');
    expect(html).toContain('govuk-checkboxes__conditional');
    const block = /<div class="govuk-radios__conditional[^"]*" id="([^"]+)">([\s\S]*?)<\/div>\s*<\/div>\s*<div class="govuk-radios__item">/.exec(html);
    expect(block?.[2]).toContain('id="employer"');
    expect(html).toMatch(/<input[^>]*id="employer"[^>]*value="ACME"|<input[^>]*value="ACME"[^>]*id="employer"/);
    expect(html).toMatch(/data-aria-controls="conditional-employment"/);
  });

  it('makes the label the page heading only when the page asks one question', () => {
    const single: Page = { id: 's', title: 'S', questions: [{ id: 'only', type: 'text', label: 'Only' }] };
    expect((renderPage(single, { answers: {}, tr }).questions[0]!.params.label as { isPageHeading: boolean }).isPageHeading).toBe(true);
    expect((renderPage(PAGE, { answers: {}, tr }).questions[0]!.params.label as { isPageHeading: boolean }).isPageHeading).toBe(false);
  });
});

describe('renderPage: errors', () => {
  const send = (body: Record<string, unknown>, answers: Answers = {}) => {
    const { errors } = validatePageForm(PAGE, answers, body, ctx);
    return { errors, page: renderPage(PAGE, { answers, raw: body, errors, tr }) };
  };

  it('lists every error first, each linked to the field to fix', () => {
    const { page } = send({ employment: 'employed', 'dob-day': '1', 'dob-year': '1990' });
    expect(page.errorList).toEqual([
      { text: 'Enter your full name', href: '#name' },
      { text: expect.stringMatching(/^Enter /), href: '#employer' },
      { text: expect.stringMatching(/^Enter /), href: '#income' },
      { text: expect.stringMatching(/^Select /), href: '#hasPet' },
      { text: 'The date must include a month', href: '#dob-month' },
      { text: expect.stringMatching(/^Enter /), href: '#home-postalCode' },
    ]);
  });

  it('links date errors to the day and address errors to the part that is wrong', () => {
    const { page } = send({ name: 'A', employment: 'unemployed', hasPet: 'no', 'dob-day': '31', 'dob-month': '2', 'dob-year': '1990', 'home-block': '1', 'home-street': 'Orchard Road', 'home-postalCode': '2388' });
    expect(page.errorList).toEqual([
      { text: 'Enter a real date, like 27 3 2007', href: '#dob-day' },
      { text: 'Enter a postal code of 6 digits, like 560123', href: '#home-postalCode' },
    ]);
    const street = send({ name: 'A', employment: 'unemployed', hasPet: 'no', 'dob-day': '1', 'dob-month': '2', 'dob-year': '1990', 'home-block': '1', 'home-postalCode': '238801' });
    expect(street.page.errorList).toEqual([{ text: 'Enter the street name', href: '#home-street' }]);
    const future = send({ name: 'A', employment: 'unemployed', hasPet: 'no', 'dob-day': '1', 'dob-month': '2', 'dob-year': '2090', 'home-block': '1', 'home-street': 'x', 'home-postalCode': '238801' });
    expect(future.page.errorList).toEqual([{ text: 'The date must be today or in the past', href: '#dob-day' }]);
  });

  it('shows each error beside its question, nested ones included, and keeps what was typed', () => {
    const { page } = send({ name: '  Tan  ', employment: 'employed', income: 'lots', hasPet: 'yes' });
    const employment = byId(page.questions, 'employment')!;
    const income = employment.conditional!.employed!.find((q) => q.id === 'income')!;
    expect(income.params.errorMessage).toEqual({ text: 'Enter a number, like 12 or 12.5' });
    expect(income.params.value).toBe('lots');
    const petName = byId(page.questions, 'hasPet')!.conditional!.yes![0]!;
    expect((petName.params.errorMessage as { text: string }).text).toMatch(/^Enter /);
    expect(byId(page.questions, 'name')!.params.value).toBe('  Tan  ');
    expect(byId(page.questions, 'name')!.params.errorMessage).toBeUndefined();
    const dob = byId(page.questions, 'dob')!;
    expect(dob.macro).toBe('dateInput');
    expect((dob.params.errorMessage as { text: string }).text).toMatch(/^Enter /);
  });

  it('a valid page has no errors', () => {
    const { errors, page } = send({ name: 'A', employment: 'self-employed', income: '100', hasPet: 'no', benefits: ['housing'], 'dob-day': '1', 'dob-month': '2', 'dob-year': '1990', 'home-block': '1', 'home-street': 'x', 'home-postalCode': '238801' });
    expect(errors).toEqual([]);
    expect(page.errorList).toEqual([]);
  });
});

describe('summarize', () => {
  it('lists the visible pages and questions with their answers as text', () => {
    const answers: Answers = { married: 'yes', name: 'Tan', employment: 'unemployed', hasPet: 'yes', petName: 'Rex', dob: '1990-02-01', home: { block: '1', street: 'Orchard Road', postalCode: '238801' }, spouseName: 'Lee' };
    const s = summarize(FORM, answers, tr);
    expect(s.map((x) => x.pageId)).toEqual(['earlier', 'details']);
    const rows = Object.fromEntries(s[1]!.rows.map((r) => [r.questionId, r.value]));
    expect(Object.keys(rows)).toEqual(['name', 'employment', 'hasPet', 'petName', 'benefits', 'spouseName', 'dob', 'home']);
    expect(rows.employment).toBe('Unemployed');
    expect(rows.hasPet).toBe('Yes');
    expect(rows.dob).toMatch(/1 February 1990/);
    expect(rows.home).toBe('1 Orchard Road, Singapore 238801');
    expect(rows.benefits).toBe(tr.t('common.notProvided'));
  });
});
