/** Statuses against targets, coverage read from definitions (with and without the optional prefill field), and what a fact counts. */
import { describe, expect, it } from 'vitest';
import { kpiDefinition, statusOf } from './definitions.ts';
import { prefillItems } from './service-coverage.ts';
import { contribution, endToEndDigital, type Fact } from './facts.ts';
import type { ServiceDefinition } from '../catalogue/index.ts';

describe('status against the target', () => {
  it('is met, at risk or missed by the distance to the target, in the right direction', () => {
    const e2e = kpiDefinition('e2e_digital_transactions'); // >= 90%, at risk within 5 points
    expect([0.95, 0.9, 0.86, 0.85, 0.8, null].map((v) => statusOf(e2e, v))).toEqual(['met', 'met', 'at_risk', 'at_risk', 'missed', 'no_data']);
    const days = kpiDefinition('data_sharing_days'); // <= 7, at risk within 3
    expect([3, 7, 9, 10, 11].map((v) => statusOf(days, v))).toEqual(['met', 'met', 'at_risk', 'at_risk', 'missed']);
    expect(statusOf(kpiDefinition('digital_take_up'), 0.5)).toBe('no_target');
  });
});

describe('prefill read defensively', () => {
  const def = (extra: Record<string, unknown>) => ({ id: 'x', ...extra }) as unknown as ServiceDefinition;
  it('counts only a non-empty list of named items', () => {
    expect(prefillItems(def({}))).toEqual([]);
    expect(prefillItems(def({ prefill: null }))).toEqual([]);
    expect(prefillItems(def({ prefill: { purpose: 'x' } }))).toEqual([]);
    expect(prefillItems(def({ prefill: { purpose: 'x', items: [] } }))).toEqual([]);
    expect(prefillItems(def({ prefill: { purpose: 'x', items: [{ item: 'name', question: 'fullName' }, { item: '' }, 'junk'] } }))).toEqual([{ item: 'name', question: 'fullName' }]);
  });
});

describe('what a fact counts', () => {
  const base: Fact = {
    applicationId: 'a', agencyId: 'sfa', serviceId: 'food-shop-licence', channel: 'online', audience: 'business', startedAt: '2026-03-01T02:00:00Z', submittedAt: '2026-03-01T03:00:00Z',
    decidedAt: '2026-03-10T03:00:00Z', decision: 'approved', signatureRequired: true, signedDigitally: true, feeExpected: true, feeCharged: null, paidOnline: true,
    outputExpected: true, outputIssuedDigitally: true, completedAt: '2026-03-10T03:10:00Z', rating: 5, ratedAt: '2026-03-10T04:00:00Z',
  };
  it('is digital end to end only when every step was', () => {
    expect(endToEndDigital(base)).toBe(true);
    expect(endToEndDigital({ ...base, channel: 'counter' })).toBe(false);
    expect(endToEndDigital({ ...base, paidOnline: false })).toBe(false);
    expect(endToEndDigital({ ...base, paidOnline: false, feeCharged: 0 })).toBe(true); // waived: no fee applied
    expect(endToEndDigital({ ...base, signedDigitally: false })).toBe(false);
    expect(endToEndDigital({ ...base, decision: 'rejected', outputIssuedDigitally: false })).toBe(true);
  });
  it('counts each event on its day in Singapore, and a change as the difference', () => {
    const late = { ...base, submittedAt: '2026-03-01T16:30:00Z' }; // 00:30 on 2 March in Singapore
    const c = contribution(late);
    expect([...c.keys()].map((k) => k.split('\u0001')[0])).toEqual(['2026-03-01', '2026-03-02', '2026-03-10']);
    const delta = contribution({ ...late, rating: 2 }, 1, contribution(late, -1));
    const day = [...delta.entries()].find(([k]) => k.startsWith('2026-03-10'))![1];
    expect(day).toMatchObject({ rated: 0, satisfied: -1, rating_sum: -3, completed: 0 });
  });
});
