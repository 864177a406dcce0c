import { isValidNric, isValidUen, maskNric, normaliseId } from '../../../platform/identifiers/index.ts';
import { commonParams, isBlank, lockedAttributes, required, str, type QuestionType } from './types.ts';

export const nric: QuestionType = {
  defaultName: 'forms.names.nric',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    if (typeof candidate !== 'string' || !isValidNric(candidate)) return { error: { key: 'forms.errors.nric' } };
    return { value: normaliseId(candidate) };
  },
  display: (_q, v) => maskNric(String(v)),
  render: (q, s) => ({
    macro: 'input',
    params: { ...commonParams(q, s), classes: 'govuk-input--width-10', spellcheck: false, autocomplete: 'off', value: s.raw ? str(s.raw[q.id]) : (s.value as string | undefined), attributes: lockedAttributes(s) },
  }),
};

export const uen: QuestionType = {
  defaultName: 'forms.names.uen',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    if (typeof candidate !== 'string' || !isValidUen(candidate)) return { error: { key: 'forms.errors.uen' } };
    return { value: normaliseId(candidate) };
  },
  display: (_q, v) => String(v),
  render: (q, s) => ({
    macro: 'input',
    params: { ...commonParams(q, s), classes: 'govuk-input--width-10', spellcheck: false, autocomplete: 'off', value: s.raw ? str(s.raw[q.id]) : (s.value as string | undefined), attributes: lockedAttributes(s) },
  }),
};
