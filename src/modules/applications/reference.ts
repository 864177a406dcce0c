/**
 * Reference numbers people can read aloud over the phone: 8 characters from an
 * alphabet without I, O, Q, Z, 0 or 1 (easily confused), e.g. "K7WM-3XPA".
 */
import { randomInt } from 'node:crypto';

export const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXY23456789';

export function newReference(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return s;
}

export const isReference = (v: string): boolean => new RegExp(`^[${REFERENCE_ALPHABET}]{8}$`).test(v);

/** For display: two groups of four. */
export const formatReference = (r: string): string => `${r.slice(0, 4)}-${r.slice(4)}`;
