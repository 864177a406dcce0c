import { normaliseSgPhone } from '../../../platform/identifiers/index.ts';
import { commonParams, isBlank, lockedAttributes, required, str, type QuestionType } from './types.ts';

export const phone: QuestionType = {
  defaultName: 'forms.names.phone',
  read: (q, body) => str(body[q.id]),
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter' } } : {};
    const v = typeof candidate === 'string' ? normaliseSgPhone(candidate) : null;
    return v ? { value: v } : { error: { key: 'forms.errors.phone' } };
  },
  display: (_q, v) => String(v).replace(/^\+65(\d{4})(\d{4})$/, '+65 $1 $2'),
  /* a stored +65XXXXXXXX is shown in the box as people type it: XXXX XXXX */
  render: (q, s) => ({
    macro: 'input',
    params: { ...commonParams(q, s), type: 'tel', autocomplete: 'tel', classes: 'govuk-input--width-20', value: s.raw ? str(s.raw[q.id]) : typeof s.value === 'string' ? s.value.replace(/^\+65(\d{4})(\d{4})$/, '$1 $2') : undefined, attributes: lockedAttributes(s) },
  }),
};
