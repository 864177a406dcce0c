/**
 * Singapore identifiers with their published check-character rules:
 * NRIC/FIN (S, T, F, G and M series), UEN (businesses, local companies,
 * other entities), postal codes and phone numbers.
 */

const NRIC_WEIGHTS = [2, 7, 6, 5, 4, 3, 2];
const NRIC_TABLES: Record<string, { offset: number; table: string; reverse?: boolean }> = {
  S: { offset: 0, table: 'JZIHGFEDCBA' },
  T: { offset: 4, table: 'JZIHGFEDCBA' },
  F: { offset: 0, table: 'XWUTRQPNMLK' },
  G: { offset: 4, table: 'XWUTRQPNMLK' },
  // M series (from 2022): weight 3 added, table read from the end
  M: { offset: 3, table: 'KLJNPQRTUWX', reverse: true },
};

export function normaliseId(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

export function nricCheckLetter(prefix: string, digits: string): string | null {
  const rule = NRIC_TABLES[prefix];
  if (!rule || !/^\d{7}$/.test(digits)) return null;
  const sum = rule.offset + [...digits].reduce((acc, d, i) => acc + Number(d) * NRIC_WEIGHTS[i]!, 0);
  const r = sum % 11;
  return rule.table[rule.reverse ? 10 - r : r]!;
}

export function isValidNric(value: string): boolean {
  const v = normaliseId(value);
  const m = /^([STFGM])(\d{7})([A-Z])$/.exec(v);
  return !!m && nricCheckLetter(m[1]!, m[2]!) === m[3];
}

/** Mask for display: S****567D */
export function maskNric(value: string): string {
  const v = normaliseId(value);
  return v.length === 9 ? `${v[0]}****${v.slice(5)}` : '*********';
}

const UEN_OTHER_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWX0123456789';
const UEN_ENTITY_TYPES = new Set(['CC', 'CD', 'CH', 'CL', 'CM', 'CP', 'CS', 'CX', 'DP', 'FB', 'FC', 'FM', 'FN', 'GA', 'GB', 'GS', 'HC', 'HS', 'LL', 'LP', 'MB', 'MC', 'MD', 'MH', 'MM', 'MQ', 'NB', 'NR', 'PA', 'PB', 'PF', 'RF', 'RP', 'SM', 'SS', 'TC', 'TU', 'VH', 'XL']);

function weighted(chars: string, weights: number[], valueOf: (c: string) => number): number {
  return [...chars].reduce((acc, c, i) => acc + valueOf(c) * weights[i]!, 0);
}

export function uenCheckCharacter(body: string): string | null {
  if (/^\d{8}$/.test(body)) {
    // business registered with ACRA (ROB): 8 digits + check letter
    return 'XMKECAWLJDB'[weighted(body, [10, 4, 9, 3, 8, 2, 7, 1], Number) % 11]!;
  }
  if (/^\d{9}$/.test(body)) {
    // local company (ROC): year of registration + 5 digits + check letter
    return 'ZKCMDNERGWH'[weighted(body, [10, 8, 6, 4, 9, 7, 5, 3, 1], Number) % 11]!;
  }
  if (/^[RST]\d{2}[A-Z]{2}\d{4}$/.test(body) && UEN_ENTITY_TYPES.has(body.slice(3, 5))) {
    // other entities: R/S/T + year + entity type + 4 digits + check character
    const sum = weighted(body, [4, 3, 5, 3, 10, 2, 2, 5, 7], (c) => UEN_OTHER_ALPHABET.indexOf(c));
    return UEN_OTHER_ALPHABET[(((sum - 5) % 11) + 11) % 11]!;
  }
  return null;
}

export function isValidUen(value: string, now: Date = new Date()): boolean {
  const v = normaliseId(value);
  if (v.length < 9 || v.length > 10) return false;
  const body = v.slice(0, -1);
  if (/^\d{9}$/.test(body) && Number(body.slice(0, 4)) > now.getUTCFullYear()) return false;
  if (/^T\d{2}/.test(body) && Number(body.slice(1, 3)) > now.getUTCFullYear() % 100) return false;
  return uenCheckCharacter(body) === v.slice(-1);
}

export const isValidPostalCode = (value: string): boolean => /^\d{6}$/.test(value.trim());

/** Singapore phone numbers: 8 digits starting 3, 6, 8 or 9, optionally with +65. Returns +65XXXXXXXX or null. */
export function normaliseSgPhone(value: string): string | null {
  const v = value.replace(/[\s()-]/g, '');
  const m = /^(?:\+65|0065|65(?=\d{8}$))?([3689]\d{7})$/.exec(v);
  return m ? `+65${m[1]}` : null;
}
