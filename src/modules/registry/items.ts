/**
 * The data items Civitas knows, named and shaped as Myinfo names and shapes
 * them, so that a Myinfo response maps one to one: each item carries `source`
 * ('1' government-verified, '2' user-provided, '3' not applicable, '4'
 * Singpass-verified), `classification`, `lastupdated` and (when there is no
 * value) `unavailable`. This table says who owns each item, which question
 * types it may fill, how to turn it into an answer, and how long it is kept.
 */
import type { AddressValue, AnswerValue, QuestionTypeName } from '../forms/index.ts';

export type Source = '1' | '2' | '3' | '4';
export const SOURCES: readonly Source[] = ['1', '2', '3', '4'];

/** A Myinfo item: its value fields plus metadata. */
export type MyinfoItem = Record<string, unknown> & { source?: string; classification?: string; lastupdated?: string; unavailable?: boolean };

export interface ItemDefinition {
  name: string;
  kind: 'person' | 'business';
  /** the agency that owns (and updates) it */
  agency: string;
  /** question types this item may fill, with the answer it gives */
  fills: Partial<Record<QuestionTypeName, (item: MyinfoItem) => AnswerValue | undefined>>;
  /** check an incoming value (API, CSV): a message when wrong */
  check(item: MyinfoItem): string | null;
  /** days after its last update that the item is kept (scheduled deletion) */
  retentionDays: number;
  /** a list of records (childrenbirthrecords, appointments) */
  list?: boolean;
}

const val = (x: unknown): string | undefined => {
  const v = (x as { value?: unknown } | undefined)?.value;
  return typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
};
const desc = (x: unknown): string | undefined => {
  const d = (x as { desc?: unknown } | undefined)?.desc;
  return typeof d === 'string' && d.trim() ? d.trim() : undefined;
};
const need = (cond: boolean, message: string) => (cond ? null : message);
const isDate = (s: string | undefined) => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
const codeDesc = (i: MyinfoItem) => need(typeof i.code === 'string' && typeof i.desc === 'string', 'needs "code" and "desc"');
const plain = (i: MyinfoItem) => need(!!val(i), 'needs a "value"');

/** regadd -> the address question's answer */
export function addressOf(i: MyinfoItem): AddressValue | undefined {
  const postal = val(i.postal);
  const street = val(i.street);
  const block = val(i.block);
  if (!postal || !street || !block) return undefined;
  const a: AddressValue = { block, street, postalCode: postal };
  const building = val(i.building);
  const floor = val(i.floor)?.replace(/^0+(?=\d)/, '');
  const unit = val(i.unit);
  if (building) a.building = building;
  if (floor) a.floor = floor;
  if (unit) a.unit = unit;
  return a;
}

/** mobileno -> +65XXXXXXXX */
export function phoneOf(i: MyinfoItem): string | undefined {
  const nbr = val(i.nbr);
  if (!nbr) return undefined;
  const area = val(i.areacode) ?? '65';
  return `+${area}${nbr.replace(/\s+/g, '')}`;
}

const YEAR = 365;

const person = (name: string, agency: string, fills: ItemDefinition['fills'], check: ItemDefinition['check'], retentionDays = 10 * YEAR, list = false): ItemDefinition =>
  ({ name, kind: 'person', agency, fills, check, retentionDays, ...(list ? { list } : {}) });
const business = (name: string, fills: ItemDefinition['fills'], check: ItemDefinition['check'], list = false): ItemDefinition =>
  ({ name, kind: 'business', agency: 'acra', fills, check, retentionDays: 10 * YEAR, ...(list ? { list } : {}) });

export const ITEMS: readonly ItemDefinition[] = [
  person('uinfin', 'ica', { nric: val, text: val }, (i) => need(/^[STFGM]\d{7}[A-Z]$/.test(val(i) ?? ''), 'needs a "value" that is an NRIC or FIN')),
  person('name', 'ica', { text: val }, plain),
  person('sex', 'ica', { text: desc }, codeDesc),
  person('race', 'ica', { text: desc }, codeDesc),
  person('dob', 'ica', { date: (i) => (isDate(val(i)) ? val(i) : undefined), text: val }, (i) => need(isDate(val(i)), 'needs a "value" that is a date (YYYY-MM-DD)')),
  person('nationality', 'ica', { text: desc }, codeDesc),
  person('regadd', 'ica', { address: addressOf, text: (i) => { const a = addressOf(i); return a ? [a.block, a.street, a.building, a.floor && a.unit ? `#${a.floor}-${a.unit}` : undefined, `SINGAPORE ${a.postalCode}`].filter(Boolean).join(' ') : undefined; } },
    (i) => need(/^\d{6}$/.test(addressOf(i)?.postalCode ?? ''), 'needs "block", "street" and a 6-digit "postal" (each { "value": ... })')),
  person('mobileno', 'ica', { phone: phoneOf, text: phoneOf }, (i) => need(/^\d{8}$/.test(val(i.nbr) ?? ''), 'needs "nbr" ({ "value": 8 digits })'), 2 * YEAR),
  person('email', 'ica', { email: val, text: val }, (i) => need(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(val(i) ?? ''), 'needs a "value" that is an email address'), 2 * YEAR),
  person('marital', 'ica', { text: desc }, codeDesc),
  person('hdbtype', 'hdb', { text: desc }, codeDesc),
  person('housingtype', 'hdb', { text: desc }, codeDesc),
  person('occupation', 'mom', { text: (i) => desc(i) ?? val(i) }, (i) => need(!!(desc(i) ?? val(i)), 'needs "desc" or "value"'), 5 * YEAR),
  person('childrenbirthrecords', 'ica', {}, (i) => {
    const list = (i as any).list;
    if (!Array.isArray(list)) return 'needs "list": a list of birth records';
    for (const r of list) if (!val(r?.name) || !isDate(val(r?.dob)) || !val(r?.birthcertno)) return 'each birth record needs "name", "dob" (YYYY-MM-DD) and "birthcertno"';
    return null;
  }, 25 * YEAR, true),
  person('noa-basic', 'iras', { number: (i) => { const n = Number(val(i.amount)); return Number.isFinite(n) ? n : undefined; } },
    (i) => need(Number.isFinite(Number(val(i.amount))) && /^\d{4}$/.test(val(i.yearofassessment) ?? ''), 'needs "amount" and "yearofassessment"'), 7 * YEAR),
  business('uen', { uen: val, text: val }, plain),
  business('entity-name', { text: val }, plain),
  business('entity-type', { text: (i) => desc(i) ?? val(i) }, (i) => need(!!(desc(i) ?? val(i)), 'needs "desc" or "value"')),
  business('entity-status', { text: (i) => desc(i) ?? val(i) }, (i) => need(!!(desc(i) ?? val(i)), 'needs "desc" or "value"')),
  business('addresses', { address: (i) => addressOf(((i as any).list ?? [])[0] ?? {}) }, (i) => need(Array.isArray((i as any).list) && (i as any).list.every((a: MyinfoItem) => !!addressOf(a)), 'needs "list": addresses with "block", "street" and "postal"'), true),
  business('appointments', {}, (i) => need(Array.isArray((i as any).list) && (i as any).list.every((a: any) => val(a?.['person-reference']?.['person-name']) && (desc(a?.position) ?? val(a?.position))), 'needs "list": appointments with "person-reference"."person-name" and "position"'), true),
];

const BY_NAME = new Map(ITEMS.map((i) => [i.name, i]));
export const itemDefinition = (name: string): ItemDefinition | undefined => BY_NAME.get(name);
export const PERSON_ITEMS = ITEMS.filter((i) => i.kind === 'person').map((i) => i.name);
export const BUSINESS_ITEMS = ITEMS.filter((i) => i.kind === 'business').map((i) => i.name);

/** Can `item` fill a question of this type? (the catalogue checks service definitions with it) */
export function fillsQuestionType(item: string, type: QuestionTypeName): boolean {
  return !!itemDefinition(item)?.fills[type];
}

/** The answer an item gives a question of this type (undefined: unavailable, ask the question). */
export function answerFrom(item: string, type: QuestionTypeName, value: MyinfoItem | undefined): AnswerValue | undefined {
  if (!value || value.unavailable) return undefined;
  return itemDefinition(item)?.fills[type]?.(value);
}

/** Split a Myinfo item into its value fields and its metadata. */
export function splitItem(i: MyinfoItem): { value: Record<string, unknown>; source: string; classification: string; lastupdated: string } {
  const { source, classification, lastupdated, unavailable: _u, ...value } = i;
  return { value, source: String(source ?? '1'), classification: String(classification ?? 'C'), lastupdated: String(lastupdated ?? '') };
}
