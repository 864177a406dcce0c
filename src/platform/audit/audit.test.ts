import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { appendAudit, auditTrail, verifyAudit } from './index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

describe('audit log', () => {
  it('chains entries per stream and detects changed, deleted and truncated entries', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(p.ctx.db, { stream: 'test:a', action: `step.${i}`, actorType: 'system', data: { i } });
    await appendAudit(p.ctx.db, { stream: 'test:b', action: 'other', actorType: 'system' });
    expect((await auditTrail(p.ctx.db, 'test:a')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const clean = await verifyAudit(p.ctx.db);
    expect(clean.problems).toEqual([]);

    // change one entry's data
    await p.ctx.db.updateTable('audit_log').set({ data: '{"i":99}' }).where('stream', '=', 'test:a').where('stream_seq', '=', 2).execute();
    let r = await verifyAudit(p.ctx.db);
    expect(r.problems).toContainEqual(expect.objectContaining({ stream: 'test:a', seq: 2, problem: expect.stringMatching(/changed/) }));

    // delete the newest entry of stream b
    await p.ctx.db.deleteFrom('audit_log').where('stream', '=', 'test:b').execute();
    r = await verifyAudit(p.ctx.db);
    expect(r.problems).toContainEqual(expect.objectContaining({ stream: 'test:b', problem: expect.stringMatching(/deleted/) }));

    // remove an entry in the middle
    await p.ctx.db.deleteFrom('audit_log').where('stream', '=', 'test:a').where('stream_seq', '=', 4).execute();
    r = await verifyAudit(p.ctx.db);
    expect(r.problems).toContainEqual(expect.objectContaining({ stream: 'test:a', seq: 5, problem: expect.stringMatching(/missing/) }));
  });

  it('keeps one unbroken chain when many writers append to the same stream at once', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => appendAudit(p.ctx.db, { stream: 'test:busy', action: 'x', actorType: 'system', data: { i } })));
    expect((await auditTrail(p.ctx.db, 'test:busy')).map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const r = await verifyAudit(p.ctx.db);
    expect(r.problems.filter((x) => x.stream === 'test:busy')).toEqual([]);
  });
});
