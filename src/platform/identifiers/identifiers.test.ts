import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidNric, isValidUen, maskNric, normaliseSgPhone, nricCheckLetter, uenCheckCharacter } from './index.ts';

describe('NRIC/FIN', () => {
  it('accepts known-good numbers of every series', () => {
    for (const v of ['S1234567D', 'T1234567J', 'F1234567N', 'G1234567X', 'M1234567K', 's1234567d', ' S1234567D ']) expect(isValidNric(v), v).toBe(true);
  });
  it('refuses wrong check letters and shapes', () => {
    for (const v of ['S1234567A', 'T1234567D', 'F1234567X', 'G1234567N', 'M1234567X', 'A1234567D', 'S123456D', '', 'S12345678D']) expect(isValidNric(v), v).toBe(false);
  });
  it('every 7-digit body has exactly one valid letter per series', () => {
    fc.assert(fc.property(fc.constantFrom('S', 'T', 'F', 'G', 'M'), fc.stringMatching(/^\d{7}$/), (p, d) => {
      const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').filter((l) => isValidNric(p + d + l));
      expect(letters).toEqual([nricCheckLetter(p, d)]);
    }));
  });
  it('masks for display', () => expect(maskNric('S1234567D')).toBe('S****567D'));
});

describe('UEN', () => {
  it('accepts valid numbers of the three formats', () => {
    const rob = '53012345' + uenCheckCharacter('53012345');
    const roc = '201912345' + uenCheckCharacter('201912345');
    const other = 'T09LL0001' + uenCheckCharacter('T09LL0001');
    for (const v of [rob, roc, other]) expect(isValidUen(v), v).toBe(true);
    expect(isValidUen('53012345D')).toBe(uenCheckCharacter('53012345') === 'D');
  });
  it('refuses wrong check characters, unknown entity types and future years', () => {
    expect(isValidUen('201912345' + (uenCheckCharacter('201912345') === 'A' ? 'B' : 'A'))).toBe(false);
    expect(isValidUen('T09ZZ0001A')).toBe(false);
    expect(isValidUen('209912345' + uenCheckCharacter('209912345'), new Date('2026-01-01'))).toBe(false);
    expect(isValidUen('')).toBe(false);
  });
});

describe('phone', () => {
  it('normalises Singapore numbers', () => {
    expect(normaliseSgPhone('9123 4567')).toBe('+6591234567');
    expect(normaliseSgPhone('+65 6123-4567')).toBe('+6561234567');
    expect(normaliseSgPhone('12345678')).toBeNull();
    expect(normaliseSgPhone('912345')).toBeNull();
  });
});
