import { commonParams, isBlank, lockedAttributes, required, str, type QuestionType } from './types.ts';

// Deliberately permissive (RFC 5322 is wider than anyone types), but one @, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

export function normaliseEmail(v: string): string | null {
  const e = v.trim();
  if (e.length > 254 || !EMAIL.test(e)) return null;
  const at = e.lastIndexOf('@');
  // lower-casing can lengthen the domain ("İ" becomes two code units): check the limit on the result
  const normalised = e.slice(0, at) + '@' + e.slice(at + 1).toLowerCase();
  return normalised.length > 254 ? null : normalised;
}

export const email: QuestionType = {
  defaultName: 'forms.names.email',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    const v = typeof candidate === 'string' ? normaliseEmail(candidate) : null;
    return v ? { value: v } : { error: { key: 'forms.errors.email' } };
  },
  display: (_q, v) => String(v),
  render: (q, s) => ({
    macro: 'input',
    params: { ...commonParams(q, s), type: 'email', autocomplete: 'email', spellcheck: false, value: s.raw ? str(s.raw[q.id]) : (s.value as string | undefined), attributes: lockedAttributes(s) },
  }),
};
