import { commonParams, isBlank, lockedAttributes, required, str, type QuestionType } from './types.ts';

export const number: QuestionType = {
  defaultName: 'forms.names.number',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    let n: number;
    if (typeof candidate === 'number') n = candidate;
    else if (typeof candidate === 'string') {
      const s = candidate.replace(/[\s,]/g, '');
      if (q.prefix && s.startsWith(q.prefix)) return number.validate(q, s.slice(q.prefix.length), { today: '' });
      if (!/^-?\d+(\.\d+)?$/.test(s) || s.length > 20) return { error: { key: 'forms.errors.number' } };
      n = Number(s);
    } else return { error: { key: 'forms.errors.number' } };
    if (!Number.isFinite(n)) return { error: { key: 'forms.errors.number' } };
    if (q.integer && !Number.isInteger(n)) return { error: { key: 'forms.errors.wholeNumber' } };
    if (q.min !== undefined && n < q.min) return { error: { key: 'forms.errors.numberMin', params: { min: q.min } } };
    if (q.max !== undefined && n > q.max) return { error: { key: 'forms.errors.numberMax', params: { max: q.max } } };
    return { value: n };
  },
  display: (q, v) => `${q.prefix ?? ''}${String(v)}${q.suffix ? ` ${q.suffix}` : ''}`,
  render: (q, s) => ({
    macro: 'input',
    params: {
      ...commonParams(q, s),
      value: s.raw ? str(s.raw[q.id]) : s.value === undefined ? undefined : String(s.value),
      inputmode: q.integer ? 'numeric' : 'decimal', spellcheck: false, classes: 'govuk-input--width-10',
      prefix: q.prefix ? { text: q.prefix } : undefined, suffix: q.suffix ? { text: q.suffix } : undefined,
      attributes: lockedAttributes(s),
    },
  }),
};
