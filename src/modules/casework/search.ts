/**
 * Finding cases without decrypting answers (ADR 5): when a case opens, keyed
 * hashes of what identifies the applicant are stored beside it: each NRIC/FIN
 * and UEN in the answers (and given by the agency system or officer), and each
 * word of the names (the applicant's name, and answers to questions whose id
 * ends in "Name", e.g. businessName, shopName). A search is hashed the same
 * way; a name search matches cases that have every word searched for.
 * Chinese, Japanese and Korean names are indexed character by character too,
 * since they are written without spaces.
 */
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import { isValidNric, isValidUen, normaliseId } from '../../platform/identifiers/index.ts';
import { isReference } from '../applications/index.ts';
import type { Answers, Form } from '../forms/index.ts';

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** Index tokens: words of two or more characters, and each CJK character. */
export function nameTokens(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    if (w.length >= 2) out.add(w);
    for (const ch of w) if (CJK.test(ch)) out.add(ch);
  }
  return [...out];
}

/** Query tokens: words without CJK characters, and each CJK character. */
function queryTokens(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    if (CJK.test(w)) { for (const ch of w) if (CJK.test(ch)) out.add(ch); } else if (w.length >= 2) out.add(w);
  }
  return [...out];
}

const nameHash = (keys: KeyRing, token: string) => keys.blindIndex('case-name', token);
/** Same purpose as identity's accounts.nric_hash, so an account's NRIC hash is also a search term. */
export const nricHash = (keys: KeyRing, nric: string) => keys.blindIndex('nric', normaliseId(nric));
export const uenHash = (keys: KeyRing, uen: string) => keys.blindIndex('uen', normaliseId(uen));

export const isNameQuestion = (id: string): boolean => id === 'name' || /Name$/.test(id);

/** The applicant's name as they gave it: the answer pre-fillable from verified "name", else a top-level "fullName"/"name". */
export function applicantNameFrom(form: Form, answers: Answers): string | null {
  for (const page of form.pages) {
    if (page.repeat) continue;
    for (const q of page.questions) {
      if (q.type === 'text' && (q.verifiedItem === 'name' || q.id === 'fullName' || q.id === 'name') && typeof answers[q.id] === 'string') return answers[q.id] as string;
    }
  }
  return null;
}

export interface Identifiers { nrics: string[]; uens: string[]; names: string[] }

/** What identifies the applicant in a set of answers (top-level questions; a repeating page's items are the applicant's children, staff, etc.). */
export function identifiersIn(form: Form, answers: Answers): Identifiers {
  const out: Identifiers = { nrics: [], uens: [], names: [] };
  for (const page of form.pages) {
    if (page.repeat) continue;
    for (const q of page.questions) {
      const v = answers[q.id];
      if (typeof v !== 'string' || !v) continue;
      if (q.type === 'nric') out.nrics.push(v);
      else if (q.type === 'uen') out.uens.push(v);
      else if (q.type === 'text' && (isNameQuestion(q.id) || q.verifiedItem === 'name')) out.names.push(v);
    }
  }
  return out;
}

export function searchTerms(keys: KeyRing, ids: Identifiers): string[] {
  return [
    ...ids.nrics.map((n) => nricHash(keys, n)),
    ...ids.uens.map((u) => uenHash(keys, u)),
    ...ids.names.flatMap((n) => nameTokens(n).map((t) => nameHash(keys, t))),
  ];
}

export type ParsedSearch =
  | { kind: 'reference'; reference: string }
  | { kind: 'nric' | 'uen' | 'name'; hashes: string[] }
  | { kind: 'empty' };

export function parseSearch(keys: KeyRing, q: string): ParsedSearch {
  const compact = normaliseId(q.trim());
  if (!compact) return { kind: 'empty' };
  if (isReference(compact)) return { kind: 'reference', reference: compact };
  if (isValidNric(compact)) return { kind: 'nric', hashes: [nricHash(keys, compact)] };
  if (isValidUen(compact)) return { kind: 'uen', hashes: [uenHash(keys, compact)] };
  const tokens = queryTokens(q).slice(0, 8);
  if (!tokens.length) return { kind: 'empty' };
  return { kind: 'name', hashes: tokens.map((t) => nameHash(keys, t)) };
}
