import { formatDate } from '../../../platform/views/index.ts';
import { legend, isBlank, required, str, type QuestionType, type Validation } from './types.ts';

const PARTS = ['day', 'month', 'year'] as const;

export function isRealDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export const date: QuestionType = {
  defaultName: 'forms.names.date',
  read(q, body) {
    const parts = Object.fromEntries(PARTS.map((p) => [p, str(body[`${q.id}-${p}`]).trim()]));
    return PARTS.every((p) => parts[p] === '') ? undefined : parts;
  },
  validate(q, candidate, ctx): Validation {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter', focus: `${q.id}-day` } } : {};
    let day: string, month: string, year: string;
    if (typeof candidate === 'string') {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(candidate);
      if (!m) return { error: { key: 'forms.errors.dateReal', focus: `${q.id}-day` } };
      [year, month, day] = [m[1]!, m[2]!, m[3]!];
    } else if (candidate && typeof candidate === 'object') {
      const c = candidate as Record<string, unknown>;
      const part = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) ? String(x) : str(x).trim());
      [day, month, year] = [part(c.day), part(c.month), part(c.year)];
      const missing = PARTS.find((p) => ({ day, month, year })[p] === '');
      if (missing) return { error: { key: `forms.errors.dateMissing.${missing}`, focus: `${q.id}-${missing}` } };
    } else return { error: { key: 'forms.errors.dateReal', focus: `${q.id}-day` } };
    if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return { error: { key: 'forms.errors.dateReal', focus: `${q.id}-day` } };
    const [y, m, d] = [Number(year), Number(month), Number(day)];
    if (!isRealDate(y, m, d) || y < 1850) return { error: { key: 'forms.errors.dateReal', focus: `${q.id}-day` } };
    const iso = `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (q.past && iso > ctx.today) return { error: { key: 'forms.errors.datePast', focus: `${q.id}-day` } };
    if (q.future && iso < ctx.today) return { error: { key: 'forms.errors.dateFuture', focus: `${q.id}-day` } };
    return { value: iso };
  },
  display: (_q, v, r) => formatDate(String(v), r.lang),
  render(q, s) {
    const iso = typeof s.value === 'string' ? s.value.split('-') : [];
    const values = s.raw
      ? { day: str(s.raw[`${q.id}-day`]), month: str(s.raw[`${q.id}-month`]), year: str(s.raw[`${q.id}-year`]) }
      : { day: iso[2] ? String(Number(iso[2])) : '', month: iso[1] ? String(Number(iso[1])) : '', year: iso[0] ?? '' };
    const err = s.error ? ' govuk-input--error' : '';
    return {
      macro: 'dateInput',
      params: {
        id: q.id, namePrefix: q.id,
        fieldset: legend(q, s),
        hint: { text: q.hint ? s.localize(q.hint) : s.t('forms.dateHint') },
        errorMessage: s.error ? { text: s.error } : undefined,
        items: [
          { name: 'day', label: s.t('forms.day'), classes: `govuk-input--width-2${err}`, value: values.day, inputmode: 'numeric', attributes: s.locked ? { readonly: 'readonly' } : undefined },
          { name: 'month', label: s.t('forms.month'), classes: `govuk-input--width-2${err}`, value: values.month, inputmode: 'numeric', attributes: s.locked ? { readonly: 'readonly' } : undefined },
          { name: 'year', label: s.t('forms.year'), classes: `govuk-input--width-4${err}`, value: values.year, inputmode: 'numeric', attributes: s.locked ? { readonly: 'readonly' } : undefined },
        ],
      },
    };
  },
};
