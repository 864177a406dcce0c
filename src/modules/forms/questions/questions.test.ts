/**
 * Property tests for every question type's `read` and `validate`: whatever
 * arrives (from an HTML form, the API or a stored draft) a validator never
 * throws, answers with a value or an error (never both), and a value it
 * accepts respects the question's limits and is accepted again unchanged,
 * also after being stored as JSON (submission re-validates stored answers).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidNric, isValidUen, nricCheckLetter, uenCheckCharacter } from '../../../platform/identifiers/index.ts';
import { QUESTION_TYPES, type AddressValue, type FileValue, type Option, type Question, type QuestionTypeName } from '../schema.ts';
import { ADDRESS_PARTS } from './address.ts';
import { isRealDate } from './date.ts';
import { maxBytes } from './file.ts';
import { QUESTION_TYPE_IMPLS } from './index.ts';
import type { Validation } from './types.ts';
import { DEFAULT_MAX } from './text.ts';

const RUNS = { numRuns: 300 };
const ADDRESS_MAX = { block: 10, street: 100, building: 100, floor: 3, unit: 5, postalCode: 6 } as const;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

// ---------------------------------------------------------------- questions

const OPTION_VALUES = ['red', 'green', 'blue', 'yellow', 'other', 'none-of-these'];
const optionsArb: fc.Arbitrary<Option[]> = fc.uniqueArray(fc.constantFrom(...OPTION_VALUES), { minLength: 1, maxLength: OPTION_VALUES.length })
  .map((vs) => vs.map((value) => ({ value, label: value.toUpperCase() })));

const base = (type: QuestionTypeName) => fc.record({ required: fc.option(fc.boolean(), { nil: undefined }) })
  .map((r) => ({ id: 'answer', type, label: 'Answer', ...(r.required === undefined ? {} : { required: r.required }) }) as Question);

const lengths = (hardMax: number) => fc.tuple(fc.option(fc.nat({ max: 40 }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: hardMax }), { nil: undefined }))
  .map(([minLength, maxLength]) => (minLength !== undefined && maxLength !== undefined && minLength > maxLength ? { minLength: maxLength, maxLength } : { minLength, maxLength }));

const bound = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));

/** Questions of each type, with every combination of the limits the schema allows. */
const questionArb: Record<QuestionTypeName, fc.Arbitrary<Question>> = {
  text: fc.tuple(base('text'), lengths(300)).map(([q, l]) => ({ ...q, ...l })),
  textarea: fc.tuple(base('textarea'), lengths(20000)).map(([q, l]) => ({ ...q, ...l })),
  number: fc.tuple(base('number'), fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }), fc.option(fc.boolean(), { nil: undefined }), fc.option(fc.constantFrom('$', 'S$', 'RM'), { nil: undefined }))
    .map(([q, a, b, integer, prefix]) => {
      const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
      return { ...q, min, max, integer, prefix };
    }),
  email: base('email'),
  phone: base('phone'),
  date: fc.tuple(base('date'), fc.constantFrom({}, { past: true }, { future: true })).map(([q, d]) => ({ ...q, ...d })),
  nric: base('nric'),
  uen: base('uen'),
  address: base('address'),
  choice: fc.tuple(base('choice'), optionsArb).map(([q, options]) => ({ ...q, options })),
  multichoice: fc.tuple(base('multichoice'), optionsArb, fc.option(fc.nat({ max: 3 }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }))
    .map(([q, options, minSelected, maxSelected]) => ({
      ...q, options,
      ...(minSelected !== undefined && maxSelected !== undefined && minSelected > maxSelected ? { minSelected: maxSelected, maxSelected } : { minSelected, maxSelected }),
    })),
  yesno: base('yesno'),
  file: fc.tuple(base('file'), fc.option(fc.uniqueArray(fc.constantFrom('pdf' as const, 'jpg' as const, 'png' as const), { minLength: 1 }), { nil: undefined }), fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }))
    .map(([q, accept, maxSizeMb]) => ({ ...q, accept, maxSizeMb })),
};

const todayArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

// ---------------------------------------------------------------- hostile input

/** Any JS value at all, including the odd ones a JSON body or a bug could produce. */
const anyValue = fc.anything({
  withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
  withObjectString: true, withSparseArray: true, withTypedArray: true, stringUnit: 'binary', maxDepth: 3,
});
const oddNumber = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2, 1e21, -1e21), fc.double());
/** Long strings: up to about 24,000 code units, beyond every limit. */
const longString = fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 6000 })).map(([u, n]) => u.repeat(n));
const controlString = fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const unicodeString = fc.string({ unit: 'grapheme', maxLength: 40 });
const aroundLimits = fc.tuple(fc.constantFrom(1, 3, 5, 6, 10, 40, 100, 200, 254, 300, 5000, 20000), fc.integer({ min: -1, max: 1 }), fc.constantFrom('a', ' ', '\r\n', 'é', '\u0000', '漢'))
  .map(([n, d, c]) => c.repeat(Math.max(0, n + d)));
const anyString = fc.oneof(fc.string({ unit: 'binary' }), unicodeString, controlString, longString, aroundLimits,
  fc.constantFrom('', ' ', '\t\n', '\u00a0', '\u200b', '\ufeff', '\r', '\r\r\n', 'yes', 'no', 'true', 'null', 'undefined', 'NaN', '-0', '1e5', '0x10', '١٢٣'));
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

/** Values shaped almost like what each type expects, to get past the first checks. */
const nearValid: Record<QuestionTypeName, fc.Arbitrary<unknown>> = {
  text: anyString,
  textarea: fc.oneof(anyString, fc.array(fc.constantFrom('a', '\r', '\n', '\r\n', ' ', '\u0007')).map((a) => a.join(''))),
  number: fc.oneof(oddNumber, fc.integer().map(String), fc.double().map(String), fc.tuple(fc.constantFrom('', '$', 'S$', 'S$ ', 'RM', '$$', '-', '+'), fc.integer(), fc.constantFrom('', ',', ' ', '.5', '.')).map(([a, b, c]) => `${a}${b.toLocaleString('en-US')}${c}`), digits(20), digits(21)),
  email: fc.oneof(fc.emailAddress(), fc.tuple(fc.string({ unit: fc.constantFrom('a', 'B', '.', '@', ' ', 'İ', 'K', '\u212a'), maxLength: 300 }), fc.constantFrom('', '@x.sg', '@EXAMPLE.COM'))
    .map(([a, b]) => a + b), fc.tuple(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 260 })).map(([l, d]) => `${'a'.repeat(l)}@${'İ'.repeat(Math.ceil(d / 10))}${'b'.repeat(d)}.sg`)),
  phone: fc.oneof(fc.tuple(fc.constantFrom('', '+65', '+65 ', '0065', '65', '+1', '(65)'), fc.constantFrom('3', '6', '8', '9', '1', '0'), digits(7), fc.constantFrom('', ' ', '-', '1')).map((p) => p.join('')), anyString),
  date: fc.oneof(
    fc.record({ day: fc.oneof(anyValue, fc.integer({ min: -1, max: 32 }).map(String)), month: fc.oneof(anyValue, fc.integer({ min: -1, max: 13 }).map(String)), year: fc.oneof(anyValue, fc.integer({ min: 1800, max: 10000 }).map(String)) }, { requiredKeys: [] }),
    fc.tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
    fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
  ),
  nric: fc.oneof(fc.tuple(fc.constantFrom('S', 'T', 'F', 'G', 'M', 's', 'A', 'ſ'), digits(7), fc.constantFrom(...'ABCDEFGHIJKLMNPQRTUWXZ'), fc.constantFrom('', ' ', '-')).map(([a, b, c, d]) => `${d}${a}${b}${c}${d}`), anyString),
  uen: fc.oneof(fc.tuple(fc.oneof(digits(8), digits(9), fc.tuple(fc.constantFrom('R', 'S', 'T'), digits(2), fc.constantFrom('LL', 'LP', 'ZZ'), digits(4)).map((p) => p.join(''))), fc.constantFrom(...'ABCDEKLMWXZ0123456789')).map(([a, b]) => a + b), anyString),
  address: fc.record(Object.fromEntries(ADDRESS_PARTS.map((p) => [p, fc.oneof(anyString, oddNumber, anyValue, digits(6), fc.nat({ max: 999 }).map(String))])), { requiredKeys: [] }),
  choice: fc.oneof(fc.constantFrom(...OPTION_VALUES, 'RED', ' red', ''), anyValue),
  multichoice: fc.oneof(fc.array(fc.constantFrom(...OPTION_VALUES, 'RED', '')), fc.array(fc.oneof(fc.constantFrom(...OPTION_VALUES), anyValue)), anyValue),
  yesno: fc.oneof(fc.constantFrom('yes', 'no', true, false, 'Yes', 'YES', 1, 0, 'y', 'true'), anyValue),
  file: fc.oneof(
    fc.record({ fileId: fc.oneof(fc.uuid(), anyValue), name: fc.oneof(anyString, anyValue), size: fc.oneof(fc.nat({ max: 20 * 1024 * 1024 }), oddNumber, anyValue), type: fc.oneof(fc.constantFrom('application/pdf', 'image/png'), anyValue), extra: anyValue }, { requiredKeys: [] }),
    anyValue,
  ),
};

const candidateArb = (type: QuestionTypeName) => fc.oneof(anyValue, anyString, oddNumber, nearValid[type], nearValid[type]);

// ---------------------------------------------------------------- the properties

const ctxOf = (today: string) => ({ today });

/** A value the question accepted must be one it could have produced: its type and limits. */
function expectWithinLimits(q: Question, v: unknown, today: string): void {
  switch (q.type) {
    case 'text':
    case 'textarea': {
      expect(typeof v).toBe('string');
      const s = v as string;
      expect(s.length).toBeGreaterThan(0);
      expect(s.length).toBeLessThanOrEqual(q.maxLength ?? DEFAULT_MAX[q.type]);
      if (q.minLength) expect(s.length).toBeGreaterThanOrEqual(q.minLength);
      expect(s).toBe(s.trim());
      expect(s).not.toMatch(CONTROL);
      if (q.type === 'textarea') expect(s).not.toContain('\r');
      break;
    }
    case 'number': {
      expect(typeof v).toBe('number');
      const n = v as number;
      expect(Number.isFinite(n)).toBe(true);
      if (q.integer) expect(Number.isInteger(n)).toBe(true);
      if (q.min !== undefined) expect(n).toBeGreaterThanOrEqual(q.min);
      if (q.max !== undefined) expect(n).toBeLessThanOrEqual(q.max);
      break;
    }
    case 'email': {
      const s = v as string;
      expect(typeof s).toBe('string');
      expect(s.length).toBeLessThanOrEqual(254);
      expect(s).toMatch(/^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/);
      const domain = s.slice(s.lastIndexOf('@') + 1);
      expect(domain).toBe(domain.toLowerCase());
      break;
    }
    case 'phone':
      expect(v).toMatch(/^\+65[3689]\d{7}$/);
      break;
    case 'date': {
      expect(v).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const [y, m, d] = (v as string).split('-').map(Number) as [number, number, number];
      expect(isRealDate(y, m, d)).toBe(true);
      expect(y).toBeGreaterThanOrEqual(1850);
      if (q.past) expect((v as string) <= today).toBe(true);
      if (q.future) expect((v as string) >= today).toBe(true);
      break;
    }
    case 'nric':
      expect(v).toMatch(/^[STFGM]\d{7}[A-Z]$/);
      expect(isValidNric(v as string)).toBe(true);
      break;
    case 'uen':
      expect(v).toMatch(/^[0-9A-Z]{9,10}$/);
      expect(isValidUen(v as string)).toBe(true);
      break;
    case 'address': {
      const a = v as Record<string, unknown>;
      expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
      for (const k of Object.keys(a)) expect(ADDRESS_PARTS).toContain(k);
      for (const p of ['block', 'street', 'postalCode'] as const) expect(a[p]).toBeTruthy();
      for (const [k, s] of Object.entries(a)) {
        expect(typeof s).toBe('string');
        expect((s as string).length).toBeGreaterThan(0);
        expect((s as string).length).toBeLessThanOrEqual(ADDRESS_MAX[k as keyof typeof ADDRESS_MAX]);
        expect(s).toBe((s as string).trim());
        expect(s).not.toMatch(CONTROL);
      }
      expect(a.postalCode).toMatch(/^\d{6}$/);
      if (a.floor !== undefined) expect(a.floor).toMatch(/^\d{1,3}$/);
      break;
    }
    case 'choice':
      expect(q.options!.map((o) => o.value)).toContain(v);
      break;
    case 'multichoice': {
      const values = v as string[];
      const all = q.options!.map((o) => o.value);
      expect(Array.isArray(values)).toBe(true);
      expect(values.length).toBeGreaterThan(0);
      expect(new Set(values).size).toBe(values.length);
      // in the definition's order
      expect(values).toEqual(all.filter((o) => values.includes(o)));
      if (q.minSelected) expect(values.length).toBeGreaterThanOrEqual(q.minSelected);
      if (q.maxSelected) expect(values.length).toBeLessThanOrEqual(q.maxSelected);
      break;
    }
    case 'yesno':
      expect(['yes', 'no']).toContain(v);
      break;
    case 'file': {
      const f = v as FileValue;
      expect(Object.keys(f).sort()).toEqual(['fileId', 'name', 'size', 'type']);
      expect(typeof f.fileId).toBe('string');
      expect(typeof f.name).toBe('string');
      expect(typeof f.type).toBe('string');
      expect(Number.isFinite(f.size)).toBe(true);
      expect(f.size).toBeGreaterThanOrEqual(0);
      expect(f.size).toBeLessThanOrEqual(maxBytes(q));
      break;
    }
  }
}

/** The outcome of validating any candidate: never a throw, never both, and a value that is stable. */
function checkOutcome(q: Question, candidate: unknown, today: string): Validation {
  const impl = QUESTION_TYPE_IMPLS[q.type];
  const r = impl.validate(q, candidate, ctxOf(today));
  expect(r).toBeTypeOf('object');
  expect(Object.keys(r).every((k) => k === 'value' || k === 'error')).toBe(true);
  expect(r.value !== undefined && r.error !== undefined).toBe(false);
  if (r.error) {
    expect(r.error.key).toMatch(/^forms\.errors\.[a-zA-Z.]+$/);
    if (r.error.focus !== undefined) expect(r.error.focus.startsWith(q.id)).toBe(true);
  } else if (r.value === undefined) {
    // nothing given, and nothing needed
    expect(q.required).toBe(false);
  } else {
    expectWithinLimits(q, r.value, today);
    const again = impl.validate(q, r.value, ctxOf(today));
    expect(again.error).toBeUndefined();
    expect(again.value).toStrictEqual(r.value);
    // answers are stored as JSON and validated again on submission
    const stored = JSON.parse(JSON.stringify(r.value)) as unknown;
    const reloaded = impl.validate(q, stored, ctxOf(today));
    expect(reloaded.error).toBeUndefined();
    expect(reloaded.value).toEqual(stored);
  }
  return r;
}

describe('every question type survives any candidate value', () => {
  for (const type of QUESTION_TYPES) {
    it(`${type}: never throws, value xor error, accepted values are within limits and stable`, () => {
      fc.assert(fc.property(questionArb[type], candidateArb(type), todayArb, (q, c, today) => {
        checkOutcome(q, c, today);
      }), RUNS);
    });
  }

  it('a required question refuses every kind of blank; an optional one accepts it as unanswered', () => {
    const blanks = [undefined, '', '   ', '\t\n'];
    for (const type of QUESTION_TYPES) {
      fc.assert(fc.property(questionArb[type], fc.constantFrom(...blanks), (q, blank) => {
        const r = QUESTION_TYPE_IMPLS[q.type].validate(q, blank, { today: '2026-01-01' });
        if (q.required === false && !(q.type === 'multichoice' && (q.minSelected ?? 0) > 0)) expect(r, `${type} ${JSON.stringify(blank)}`).toEqual({});
        else expect(r.error, `${type} ${JSON.stringify(blank)}`).toBeDefined();
      }), { numRuns: 30 });
    }
  });
});

// ---------------------------------------------------------------- valid inputs are accepted

describe('valid answers are always accepted', () => {
  const accept = (q: Question, candidate: unknown, today = '2026-06-15') => {
    const r = checkOutcome(q, candidate, today);
    expect(r.error, JSON.stringify({ q, candidate })).toBeUndefined();
    expect(r.value).toBeDefined();
    return r.value;
  };
  const req = (type: QuestionTypeName, extra: Partial<Question> = {}): Question => ({ id: 'answer', type, label: 'Answer', ...extra });

  it('text and textarea within their lengths (ASCII, Malay, Chinese, Tamil), trimmed', () => {
    const word = fc.constantFrom('Tan', 'Ah', 'Kow', 'Siti', 'binte', 'Ahmad', '陈', '亚', '狗', 'முருகன்', 'O\'Brien', 'José');
    fc.assert(fc.property(fc.constantFrom('text' as const, 'textarea' as const), fc.array(word, { minLength: 1, maxLength: 8 }), fc.constantFrom(' ', '  ', '\t'), (type, words, pad) => {
      const v = words.join(' ');
      expect(accept(req(type, { maxLength: 200 }), `${pad}${v}${pad}`)).toBe(v);
      expect(accept(req(type, { minLength: v.length, maxLength: v.length }), v)).toBe(v);
    }), RUNS);
  });

  it('textarea line breaks from any platform become \\n', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('line', 'two words'), { minLength: 1, maxLength: 5 }), fc.constantFrom('\r\n', '\n', '\r'), (lines, nl) => {
      expect(accept(req('textarea'), lines.join(nl))).toBe(lines.join('\n'));
    }), RUNS);
  });

  it('numbers between min and max, typed with commas, spaces or the prefix', () => {
    fc.assert(fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('$', 'S$'), (n, width, prefix) => {
      const q = req('number', { min: n - width, max: n + width, integer: true, prefix });
      expect(accept(q, n)).toBe(n);
      expect(accept(q, n.toLocaleString('en-US'))).toBe(n);
      if (n >= 0) expect(accept(q, `${prefix} ${n.toLocaleString('en-US')}`)).toBe(n);
      expect(accept(q, ` ${n} `)).toBe(n);
    }), RUNS);
  });

  it('decimals when the question allows them', () => {
    fc.assert(fc.property(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 1, max: 99 }), (whole, cents) => {
      const s = `${whole < 0 ? '-' : ''}${Math.abs(whole)}.${String(cents).padStart(2, '0')}`;
      expect(accept(req('number'), s)).toBe(Number(s));
    }), RUNS);
  });

  it('email addresses, with the domain lower-cased', () => {
    const label = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'), minLength: 1, maxLength: 20 });
    const local = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-'), minLength: 1, maxLength: 64 });
    fc.assert(fc.property(local, fc.array(label, { minLength: 2, maxLength: 4 }), (l, labels) => {
      const domain = labels.join('.');
      expect(accept(req('email'), ` ${l}@${domain} `)).toBe(`${l}@${domain.toLowerCase()}`);
    }), RUNS);
    expect(accept(req('email'), fc.sample(fc.emailAddress(), 1)[0])).toBeDefined();
  });

  it('Singapore phone numbers in every usual format', () => {
    fc.assert(fc.property(fc.constantFrom('3', '6', '8', '9'), digits(7), fc.constantFrom('', '+65', '+65 ', '0065', '65', '(+65) '), fc.boolean(), (first, rest, country, spaced) => {
      const body = spaced ? `${first}${rest.slice(0, 3)} ${rest.slice(3)}` : `${first}${rest}`;
      expect(accept(req('phone'), `${country}${body}`)).toBe(`+65${first}${rest}`);
    }), RUNS);
  });

  it('real dates, as day/month/year parts or ISO text, past or future of today', () => {
    const dateArb = fc.date({ min: new Date('1850-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(fc.property(dateArb, todayArb, (d, today) => {
      const iso = d.toISOString().slice(0, 10);
      const parts = { day: String(d.getUTCDate()), month: String(d.getUTCMonth() + 1), year: String(d.getUTCFullYear()) };
      expect(accept(req('date'), parts, today)).toBe(iso);
      expect(accept(req('date'), { day: ` ${parts.day.padStart(2, '0')} `, month: parts.month.padStart(2, '0'), year: parts.year }, today)).toBe(iso);
      expect(accept(req('date'), iso, today)).toBe(iso);
      const when = iso <= today ? { past: true } : { future: true };
      expect(accept(req('date', when), parts, today)).toBe(iso);
      expect(accept(req('date', { past: true }), today, today)).toBe(today);
      expect(accept(req('date', { future: true }), today, today)).toBe(today);
      // and the other side is refused
      if (iso < today) expect(QUESTION_TYPE_IMPLS.date.validate(req('date', { future: true }), iso, { today }).error?.key).toBe('forms.errors.dateFuture');
      if (iso > today) expect(QUESTION_TYPE_IMPLS.date.validate(req('date', { past: true }), iso, { today }).error?.key).toBe('forms.errors.datePast');
    }), RUNS);
  });

  it('NRIC and FIN numbers of every series, built with their check letter, in any case and spacing', () => {
    fc.assert(fc.property(fc.constantFrom('S', 'T', 'F', 'G', 'M'), digits(7), fc.boolean(), fc.constantFrom('', ' ', '-'), (prefix, body, lower, sep) => {
      const id = `${prefix}${body}${nricCheckLetter(prefix, body)}`;
      const typed = `${sep}${id.slice(0, 1)}${sep}${id.slice(1, 8)}${sep}${id.slice(8)}${sep}`;
      expect(accept(req('nric'), lower ? typed.toLowerCase() : typed)).toBe(id);
      // any other check letter is refused
      const wrong = 'ABCDEFGHIJKLMNPQRTUWXZ'.split('').find((l) => l !== id[8])!;
      expect(QUESTION_TYPE_IMPLS.nric.validate(req('nric'), id.slice(0, 8) + wrong, { today: '2026-01-01' }).error?.key).toBe('forms.errors.nric');
    }), RUNS);
  });

  it('UENs of the three formats, built with their check character', () => {
    const year = new Date().getUTCFullYear();
    const rob = digits(8);
    const roc = fc.tuple(fc.integer({ min: 1900, max: year }), digits(5)).map(([y, d]) => `${y}${d}`);
    const other = fc.tuple(fc.constantFrom('R', 'S', 'T'), fc.integer({ min: 0, max: 99 }), fc.constantFrom('LL', 'LP', 'SS', 'CC', 'FC', 'RF'), digits(4))
      .filter(([p, y]) => p !== 'T' || y <= year % 100)
      .map(([p, y, t, d]) => `${p}${String(y).padStart(2, '0')}${t}${d}`);
    fc.assert(fc.property(fc.oneof(rob, roc, other), fc.boolean(), (body, lower) => {
      const id = body + uenCheckCharacter(body)!;
      expect(accept(req('uen'), lower ? ` ${id.toLowerCase()} ` : id)).toBe(id);
    }), RUNS);
  });

  it('addresses with a 6-digit postal code; optional parts dropped when empty', () => {
    const part = (max: number) => fc.string({ unit: fc.constantFrom(...'ABCabc123 #-'), minLength: 1, maxLength: max }).filter((s) => s.trim() !== '');
    fc.assert(fc.property(part(10), part(100), fc.option(part(100), { nil: undefined }), fc.option(digits(2), { nil: undefined }), fc.option(part(5), { nil: undefined }), digits(6), (block, street, building, floor, unit, postalCode) => {
      const a = { block, street, building: building ?? '', floor: floor ?? '', unit, postalCode: ` ${postalCode} ` };
      const v = accept(req('address'), a) as AddressValue;
      expect(v).toEqual(Object.fromEntries(Object.entries({ block: block.trim(), street: street.trim(), building: building?.trim(), floor, unit: unit?.trim(), postalCode }).filter(([, x]) => x)));
    }), RUNS);
  });

  it('choices among the options; multichoice subsets within min and max, deduplicated, in definition order', () => {
    fc.assert(fc.property(optionsArb, fc.nat(), (options, pick) => {
      const o = options[pick % options.length]!.value;
      expect(accept(req('choice', { options }), o)).toBe(o);
    }), RUNS);
    fc.assert(fc.property(optionsArb.chain((options) => fc.tuple(fc.constant(options), fc.subarray(options.map((o) => o.value), { minLength: 1 }))), fc.boolean(), ([options, chosen], twice) => {
      const sent = [...chosen].reverse().concat(twice ? chosen : []);
      const q = req('multichoice', { options, minSelected: chosen.length, maxSelected: chosen.length });
      expect(accept(q, sent)).toEqual(options.map((x) => x.value).filter((v) => chosen.includes(v)));
    }), RUNS);
  });

  it('yes and no, as words or booleans', () => {
    expect(accept(req('yesno'), 'yes')).toBe('yes');
    expect(accept(req('yesno'), true)).toBe('yes');
    expect(accept(req('yesno'), 'no')).toBe('no');
    expect(accept(req('yesno'), false)).toBe('no');
  });

  it('stored files within the size limit', () => {
    fc.assert(fc.property(questionArb.file, fc.uuid(), fc.string({ minLength: 1 }), fc.constantFrom('application/pdf', 'image/png', 'image/jpeg'), fc.double({ min: 0, max: 1, noNaN: true }), (q, fileId, name, type, ratio) => {
      const size = Math.floor(maxBytes(q) * ratio);
      expect(accept({ ...q, required: true }, { fileId, name, size, type, ignored: 'x' })).toEqual({ fileId, name, size, type });
    }), RUNS);
  });
});

// ---------------------------------------------------------------- known edge cases

describe('edge cases found by the properties', () => {
  const q = (type: QuestionTypeName, extra: Partial<Question> = {}): Question => ({ id: 'answer', type, label: 'Answer', ...extra });
  const today = { today: '2026-06-15' };

  it('textarea: a lone carriage return is a line break, so normalising twice changes nothing', () => {
    const first = QUESTION_TYPE_IMPLS.textarea.validate(q('textarea'), 'a\r\r\nb\rc', today);
    expect(first.value).toBe('a\n\nb\nc');
    expect(QUESTION_TYPE_IMPLS.textarea.validate(q('textarea'), first.value, today).value).toBe(first.value);
  });

  it('email: the 254-character limit applies after the domain is lower-cased', () => {
    // "İ" (U+0130) lower-cases to two code units
    const long = `a@İ${'b'.repeat(248)}.sg`;
    expect(long.length).toBe(254);
    expect(long.toLowerCase().length).toBe(255);
    expect(QUESTION_TYPE_IMPLS.email.validate(q('email'), long, today).error?.key).toBe('forms.errors.email');
    expect(QUESTION_TYPE_IMPLS.email.validate(q('email'), `a@İ${'b'.repeat(247)}.sg`, today).value).toBe(`a@i̇${'b'.repeat(247)}.sg`);
  });

  it('file: a size that is not a real number of bytes is refused', () => {
    for (const size of [NaN, -1, -Infinity, Infinity, 20 * 1024 * 1024]) {
      expect(QUESTION_TYPE_IMPLS.file.validate(q('file'), { fileId: 'f', name: 'a.pdf', size, type: 'application/pdf' }, today).error, String(size)).toBeDefined();
    }
  });

  it('number: NaN, Infinity and over-long digit strings are refused; -0 is zero', () => {
    for (const v of [NaN, Infinity, -Infinity, '1e5', '0x10', '12.', '.5', '1'.repeat(21), '١٢٣']) expect(QUESTION_TYPE_IMPLS.number.validate(q('number'), v, today).error?.key, String(v)).toBe('forms.errors.number');
    expect(QUESTION_TYPE_IMPLS.number.validate(q('number', { min: 0 }), '-0', today).error).toBeUndefined();
    expect(QUESTION_TYPE_IMPLS.number.validate(q('number', { integer: true }), '1.5', today).error?.key).toBe('forms.errors.wholeNumber');
  });

  it('errors point at the field the person must fix', () => {
    expect(QUESTION_TYPE_IMPLS.date.validate(q('date'), { day: '1', month: '', year: '2020' }, today).error?.focus).toBe('answer-month');
    expect(QUESTION_TYPE_IMPLS.date.validate(q('date'), { day: '31', month: '2', year: '2020' }, today).error?.focus).toBe('answer-day');
    expect(QUESTION_TYPE_IMPLS.address.validate(q('address'), { block: '1', street: 'x', postalCode: '12345' }, today).error?.focus).toBe('answer-postalCode');
    expect(QUESTION_TYPE_IMPLS.address.validate(q('address'), { block: '1', postalCode: '123456' }, today).error?.focus).toBe('answer-street');
    expect(QUESTION_TYPE_IMPLS.address.validate(q('address'), { block: '1', street: 's', postalCode: '123456', floor: 'G' }, today).error?.focus).toBe('answer-floor');
  });
});

// ---------------------------------------------------------------- reading an HTML form body

describe('read from an HTML form body', () => {
  /** the names each type reads */
  const namesOf = (q: Question) => (q.type === 'date' ? ['day', 'month', 'year'].map((p) => `${q.id}-${p}`) : q.type === 'address' ? ADDRESS_PARTS.map((p) => `${q.id}-${p}`) : [q.id]);
  const fieldValue = fc.oneof(anyString, fc.array(anyString, { maxLength: 4 }));

  for (const type of QUESTION_TYPES) {
    it(`${type}: any strings or repeated fields read and validate without throwing`, () => {
      fc.assert(fc.property(questionArb[type], fc.array(fc.tuple(fc.oneof(fc.constantFrom(...namesOf({ id: 'answer', type } as Question)), fc.string()), fieldValue), { maxLength: 8 }), todayArb, (q, entries, today) => {
        const body = Object.fromEntries(entries) as Record<string, unknown>;
        const candidate = QUESTION_TYPE_IMPLS[type].read(q, body);
        checkOutcome(q, candidate, today);
      }), RUNS);
    });
  }

  it('any value at all in the body never makes read throw', () => {
    fc.assert(fc.property(fc.constantFrom(...QUESTION_TYPES), fc.dictionary(fc.oneof(fc.constantFrom('answer', 'answer-day', 'answer-postalCode', 'answer-block'), fc.string()), anyValue), (type, body) => {
      const q = { id: 'answer', type, label: 'A', options: [{ value: 'red', label: 'Red' }] } as Question;
      QUESTION_TYPE_IMPLS[type].read(q, body);
    }), RUNS);
  });

  it('reads what a browser sends', () => {
    const q = (type: QuestionTypeName): Question => ({ id: 'a', type, label: 'A', options: type === 'multichoice' ? [{ value: 'x', label: 'X' }, { value: 'y', label: 'Y' }] : undefined });
    expect(QUESTION_TYPE_IMPLS.text.read(q('text'), { a: ['first', 'second'] })).toBe('first');
    expect(QUESTION_TYPE_IMPLS.multichoice.read(q('multichoice'), { a: 'x' })).toEqual(['x']);
    expect(QUESTION_TYPE_IMPLS.multichoice.read(q('multichoice'), { a: ['x', '', 'y'] })).toEqual(['x', 'y']);
    expect(QUESTION_TYPE_IMPLS.multichoice.read(q('multichoice'), {})).toBeUndefined();
    expect(QUESTION_TYPE_IMPLS.date.read(q('date'), { 'a-day': ' 3 ', 'a-month': '10', 'a-year': '2026' })).toEqual({ day: '3', month: '10', year: '2026' });
    expect(QUESTION_TYPE_IMPLS.date.read(q('date'), { 'a-day': '', 'a-month': ' ', 'a-year': '' })).toBeUndefined();
    expect(QUESTION_TYPE_IMPLS.address.read(q('address'), { 'a-block': '', 'a-street': '' })).toBeUndefined();
    expect(QUESTION_TYPE_IMPLS.address.read(q('address'), { 'a-block': ' 123 ', 'a-postalCode': '560123' })).toEqual({ block: '123', street: '', building: '', floor: '', unit: '', postalCode: '560123' });
  });
});
