import { isValidPostalCode } from '../../../platform/identifiers/index.ts';
import type { AddressValue } from '../schema.ts';
import { clean } from './text.ts';
import { isBlank, legend, required, str, type QuestionType, type Validation } from './types.ts';

export const ADDRESS_PARTS = ['block', 'street', 'building', 'floor', 'unit', 'postalCode'] as const;
// in the order the fields are shown, so the first error links to the first field
const REQUIRED_PARTS = ['postalCode', 'block', 'street'] as const;
const MAX = { block: 10, street: 100, building: 100, floor: 3, unit: 5, postalCode: 6 } as const;

/** "Blk 123 Ang Mo Kio Ave 3, #12-34, Building, Singapore 560123" */
export function formatAddress(a: AddressValue): string {
  const unit = a.floor || a.unit ? `#${a.floor ?? ''}${a.unit ? `-${a.unit}` : ''}` : '';
  return [`${a.block} ${a.street}`, unit, a.building, `Singapore ${a.postalCode}`].filter(Boolean).join(', ');
}

export const address: QuestionType = {
  defaultName: 'forms.names.address',
  read(q, body) {
    const parts = Object.fromEntries(ADDRESS_PARTS.map((p) => [p, str(body[`${q.id}-${p}`]).trim()]));
    return ADDRESS_PARTS.every((p) => parts[p] === '') ? undefined : parts;
  },
  validate(q, candidate): Validation {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.enter', focus: `${q.id}-postalCode` } } : {};
    if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return { error: { key: 'forms.errors.address.block', focus: `${q.id}-block` } };
    const c = candidate as Record<string, unknown>;
    const v: Record<string, string> = {};
    for (const p of ADDRESS_PARTS) {
      const s = clean(typeof c[p] === 'string' ? (c[p] as string) : typeof c[p] === 'number' ? String(c[p]) : '').trim();
      if (s.length > MAX[p]) return { error: { key: 'forms.errors.tooLong', params: { max: MAX[p] }, focus: `${q.id}-${p}` } };
      if (s) v[p] = s;
    }
    for (const p of REQUIRED_PARTS) if (!v[p]) return { error: { key: `forms.errors.address.${p}`, focus: `${q.id}-${p}` } };
    if (!isValidPostalCode(v.postalCode!)) return { error: { key: 'forms.errors.address.postalCode', focus: `${q.id}-postalCode` } };
    if (v.floor && !/^\d{1,3}$/.test(v.floor)) return { error: { key: 'forms.errors.address.floor', focus: `${q.id}-floor` } };
    return { value: v as unknown as AddressValue };
  },
  display: (_q, v) => formatAddress(v as AddressValue),
  render(q, s) {
    const current = (s.value ?? {}) as Partial<AddressValue>;
    const value = (p: (typeof ADDRESS_PARTS)[number]) => (s.raw ? str(s.raw[`${q.id}-${p}`]) : current[p] ?? '');
    const field = (p: (typeof ADDRESS_PARTS)[number], width: string, autocomplete?: string) => ({
      id: `${q.id}-${p}`, name: `${q.id}-${p}`, value: value(p), classes: width, autocomplete,
      label: { text: s.t(`forms.address.${p}`) + (REQUIRED_PARTS.includes(p as any) ? '' : ` ${s.t('common.optional')}`) },
      attributes: s.locked ? { readonly: 'readonly' } : undefined,
    });
    return {
      macro: 'address',
      params: {
        fieldset: legend(q, s),
        hint: q.hint ? s.localize(q.hint) : undefined,
        error: s.error,
        errorId: `${q.id}-error`,
        fields: [
          field('postalCode', 'govuk-input--width-10', 'postal-code'),
          field('block', 'govuk-input--width-10'),
          field('street', '', 'address-line1'),
          field('building', '', 'address-line2'),
          field('floor', 'govuk-input--width-4'),
          field('unit', 'govuk-input--width-5'),
        ],
        required: required(q),
      },
    };
  },
};
