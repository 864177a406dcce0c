/**
 * The template language of GOV.UK Notify: `((name))` is replaced by the value
 * of the personalisation field `name`; `((name??text))` shows `text` only when
 * `name` is given and not empty, "no" or "false" (text may itself hold
 * `((fields))`). Field names are compared without case, and spaces count as
 * underscores, so `((Due date))` and `((due_date))` are the same field.
 */

const CONDITIONAL = /\(\(([^()?]+)\?\?((?:[^()]|\((?!\()|\)(?!\))|\(\([^()]*\)\))*)\)\)/g;
const PLACEHOLDER = /\(\(([^()?]+)\)\)/g;

export const fieldName = (raw: string): string => raw.trim().toLowerCase().replace(/\s+/g, '_');

export type Personalisation = Record<string, string | number | boolean | null | undefined>;

/** Every field a template uses, conditions included. */
export function placeholdersOf(text: string): string[] {
  const found = new Set<string>();
  const rest = text.replace(CONDITIONAL, (_m, name: string, inner: string) => {
    found.add(fieldName(name));
    for (const n of placeholdersOf(inner)) found.add(n);
    return '';
  });
  for (const m of rest.matchAll(PLACEHOLDER)) found.add(fieldName(m[1]!));
  return [...found];
}

/** Text that looks like a placeholder but is not one (unbalanced brackets, nesting too deep). */
export function malformed(text: string): string | null {
  const rest = text.replace(CONDITIONAL, '').replace(PLACEHOLDER, '');
  const i = rest.search(/\(\(|\)\)/);
  return i < 0 ? null : rest.slice(Math.max(0, i - 10), i + 20);
}

const normalised = (values: Personalisation): Map<string, string> =>
  new Map(Object.entries(values).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [fieldName(k), String(v)]));

const truthy = (v: string | undefined): boolean => v !== undefined && v.trim() !== '' && !['no', 'false', '0'].includes(v.trim().toLowerCase());

/** Fill a template in. Fields with no value are left as `((name))`: check with missingFields() first. */
export function render(text: string, values: Personalisation): string {
  const v = normalised(values);
  const fill = (s: string) => s.replace(PLACEHOLDER, (m, name: string) => v.get(fieldName(name)) ?? m);
  return fill(text.replace(CONDITIONAL, (_m, name: string, inner: string) => (truthy(v.get(fieldName(name))) ? inner : '')))
    // an optional paragraph that was left out leaves no run of blank lines
    .replace(/\n{3,}/g, '\n\n').trim();
}

/** Fields a template needs that the personalisation does not give (conditions may be left out). */
export function missingFields(text: string, values: Personalisation): string[] {
  const v = normalised(values);
  const inner = [...text.matchAll(CONDITIONAL)].filter((m) => truthy(v.get(fieldName(m[1]!)))).flatMap((m) => placeholdersOf(m[2]!));
  const outer = placeholdersOf(text.replace(CONDITIONAL, ''));
  return [...new Set([...outer, ...inner])].filter((n) => !v.has(n));
}
