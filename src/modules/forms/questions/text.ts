import { commonParams, isBlank, lockedAttributes, required, str, type QuestionType } from './types.ts';

export const DEFAULT_MAX = { text: 200, textarea: 5000 } as const;

function checkLength(q: { minLength?: number; maxLength?: number }, v: string, fallbackMax: number) {
  const max = q.maxLength ?? fallbackMax;
  if (q.minLength && v.length < q.minLength) return { key: 'forms.errors.tooShort', params: { min: q.minLength } };
  if (v.length > max) return { key: 'forms.errors.tooLong', params: { max } };
  return undefined;
}

/** Strip control characters other than line breaks and tabs. */
export const clean = (v: string) => v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200D\uFEFF]/g, '');

export const text: QuestionType = {
  defaultName: 'forms.names.answer',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (candidate !== undefined && candidate !== null && typeof candidate !== 'string') return { error: { key: 'forms.errors.notText' } };
    const v = clean(String(candidate ?? '')).trim();
    if (isBlank(v)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    const err = checkLength(q, v, DEFAULT_MAX.text);
    return err ? { error: err } : { value: v };
  },
  display: (_q, v) => String(v),
  render: (q, s) => ({
    macro: 'input',
    params: { ...commonParams(q, s), value: s.raw ? str(s.raw[q.id]) : (s.value as string | undefined), spellcheck: false, attributes: lockedAttributes(s), classes: (q.maxLength ?? 200) <= 20 ? 'govuk-input--width-20' : undefined },
  }),
};

export const textarea: QuestionType = {
  defaultName: 'forms.names.answer',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (candidate !== undefined && candidate !== null && typeof candidate !== 'string') return { error: { key: 'forms.errors.notText' } };
    const v = clean(String(candidate ?? '')).replace(/\r\n?/g, '\n').trim();
    if (isBlank(v)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    const err = checkLength(q, v, DEFAULT_MAX.textarea);
    return err ? { error: err } : { value: v };
  },
  display: (_q, v) => String(v),
  render: (q, s) => ({
    macro: 'textarea',
    params: { ...commonParams(q, s), value: s.raw ? str(s.raw[q.id]) : (s.value as string | undefined), rows: 6, attributes: lockedAttributes(s) },
  }),
};
