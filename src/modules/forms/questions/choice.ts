import type { Option } from '../schema.ts';
import { isBlank, legend, required, str, type QuestionType } from './types.ts';

const options = (q: { options?: Option[] }) => q.options ?? [];

export const choice: QuestionType = {
  defaultName: 'forms.names.option',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.select' } } : {};
    if (typeof candidate !== 'string' || !options(q).some((o) => o.value === candidate)) return { error: { key: 'forms.errors.notAnOption' } };
    return { value: candidate };
  },
  display: (q, v, r) => r.localize(options(q).find((o) => o.value === v)?.label ?? String(v)),
  render(q, s) {
    const selected = s.raw ? str(s.raw[q.id]) : (s.value as string | undefined);
    return {
      macro: 'radios',
      params: {
        name: q.id, idPrefix: q.id, fieldset: legend(q, s),
        hint: q.hint ? { text: s.localize(q.hint) } : undefined,
        errorMessage: s.error ? { text: s.error } : undefined,
        items: options(q).map((o) => ({ value: o.value, text: s.localize(o.label), hint: o.hint ? { text: s.localize(o.hint) } : undefined, checked: o.value === selected, disabled: s.locked && o.value !== selected })),
      },
    };
  },
};

export const yesno: QuestionType = {
  defaultName: 'forms.names.yesno',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.select' } } : {};
    if (candidate === true || candidate === 'yes') return { value: 'yes' };
    if (candidate === false || candidate === 'no') return { value: 'no' };
    return { error: { key: 'forms.errors.notAnOption' } };
  },
  display: (_q, v, r) => r.t(v === 'yes' ? 'common.yes' : 'common.no'),
  render(q, s) {
    const selected = s.raw ? str(s.raw[q.id]) : (s.value as string | undefined);
    return {
      macro: 'radios',
      params: {
        name: q.id, idPrefix: q.id, fieldset: legend(q, s), classes: 'govuk-radios--inline',
        hint: q.hint ? { text: s.localize(q.hint) } : undefined,
        errorMessage: s.error ? { text: s.error } : undefined,
        items: [
          { value: 'yes', text: s.t('common.yes'), checked: selected === 'yes', disabled: s.locked && selected !== 'yes' },
          { value: 'no', text: s.t('common.no'), checked: selected === 'no', disabled: s.locked && selected !== 'no' },
        ],
      },
    };
  },
};

export const multichoice: QuestionType = {
  defaultName: 'forms.names.options',
  read(q, body) {
    const v = body[q.id];
    if (v === undefined) return undefined;
    return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string' && x !== '');
  },
  validate(q, candidate) {
    if (isBlank(candidate)) {
      if (required(q) || (q.minSelected ?? 0) > 0) return { error: { key: 'forms.errors.select' } };
      return {};
    }
    if (!Array.isArray(candidate) || candidate.some((c) => typeof c !== 'string')) return { error: { key: 'forms.errors.notAnOption' } };
    const values = [...new Set(candidate as string[])];
    if (values.some((v) => !options(q).some((o) => o.value === v))) return { error: { key: 'forms.errors.notAnOption' } };
    if (q.minSelected && values.length < q.minSelected) return { error: { key: 'forms.errors.selectAtLeast', params: { min: q.minSelected } } };
    if (q.maxSelected && values.length > q.maxSelected) return { error: { key: 'forms.errors.selectAtMost', params: { max: q.maxSelected } } };
    // keep the definition's order
    return { value: options(q).map((o) => o.value).filter((v) => values.includes(v)) };
  },
  display: (q, v, r) => (v as string[]).map((x) => r.localize(options(q).find((o) => o.value === x)?.label ?? x)).join(', '),
  render(q, s) {
    const raw = s.raw ? s.raw[q.id] : undefined;
    const selected = s.raw ? (Array.isArray(raw) ? raw : raw ? [raw] : []) : ((s.value as string[] | undefined) ?? []);
    return {
      macro: 'checkboxes',
      params: {
        name: q.id, idPrefix: q.id, fieldset: legend(q, s),
        hint: { text: q.hint ? s.localize(q.hint) : s.t('forms.selectAllThatApply') },
        errorMessage: s.error ? { text: s.error } : undefined,
        items: options(q).map((o) => ({ value: o.value, text: s.localize(o.label), hint: o.hint ? { text: s.localize(o.hint) } : undefined, checked: selected.includes(o.value), disabled: s.locked })),
      },
    };
  },
};
