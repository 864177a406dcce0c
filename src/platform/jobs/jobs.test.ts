import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createLogger } from '../log/index.ts';
import { enqueue, JobRegistry, queueStats, Worker } from './index.ts';
import { openDatabase } from '../db/index.ts';

let p: TestPlatform;
beforeAll(async () => { p = await createTestPlatform(); });
afterAll(async () => { await p?.close(); });

const log = createLogger('silent');

describe('background jobs', () => {
  it('commits a job only with the change that caused it (outbox)', async () => {
    await expect(p.ctx.db.transaction().execute(async (trx) => {
      await enqueue(trx, 'test.outbox', { n: 1 });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', 'test.outbox').execute()).toHaveLength(0);
    await p.ctx.db.transaction().execute((trx) => enqueue(trx, 'test.outbox', { n: 2 }));
    expect(await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', 'test.outbox').execute()).toHaveLength(1);
  });

  it('retries with back-off, then marks the job failed and visible to operators', async () => {
    const registry = new JobRegistry();
    let calls = 0;
    registry.define({ queue: 'test.flaky', backoffMs: () => 0, async handle() { calls++; throw new Error(`attempt ${calls} broke`); } });
    await enqueue(p.ctx.db, 'test.flaky', {}, { maxAttempts: 3 });
    const worker = new Worker(p.ctx.db, registry, log);
    for (let i = 0; i < 5; i++) await worker.runOnce();
    expect(calls).toBe(3);
    const row = await p.ctx.db.selectFrom('jobs').selectAll().where('queue', '=', 'test.flaky').executeTakeFirstOrThrow();
    expect(row.state).toBe('failed');
    expect(row.last_error).toBe('attempt 3 broke');
    expect(await queueStats(p.ctx.db)).toContainEqual({ queue: 'test.flaky', state: 'failed', count: 1 });
  });

  it('waits for the back-off before retrying', async () => {
    const registry = new JobRegistry();
    let calls = 0;
    registry.define({ queue: 'test.later', backoffMs: () => 60_000, async handle() { calls++; if (calls === 1) throw new Error('once'); } });
    await enqueue(p.ctx.db, 'test.later', {});
    let now = new Date();
    const worker = new Worker(p.ctx.db, registry, log, { clock: () => now });
    await worker.runOnce();
    await worker.runOnce();
    expect(calls).toBe(1);
    now = new Date(now.getTime() + 61_000);
    await worker.runOnce();
    expect(calls).toBe(2);
  });

  it('reclaims a job whose worker died after its lock expired', async () => {
    const registry = new JobRegistry();
    const seen: string[] = [];
    registry.define({ queue: 'test.crash', async handle(_p, { jobId }) { seen.push(jobId); } });
    const id = await enqueue(p.ctx.db, 'test.crash', {});
    // a worker claimed it and died: running, lock in the past
    await p.ctx.db.updateTable('jobs').set({ state: 'running', locked_by: 'dead', locked_until: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
    await new Worker(p.ctx.db, registry, log).runOnce();
    expect(seen).toEqual([id]);
  });

  it('runs each job once when several workers (and processes, on PostgreSQL) compete', async () => {
    const total = 60;
    for (let i = 0; i < total; i++) await enqueue(p.ctx.db, 'test.many', { i });
    const counts = new Map<number, number>();
    const registry = new JobRegistry();
    registry.define({ queue: 'test.many', async handle(payload: { i: number }) { counts.set(payload.i, (counts.get(payload.i) ?? 0) + 1); await new Promise((r) => setTimeout(r, 2)); } });
    // on PostgreSQL, a second connection pool stands for a second Civitas process
    const other = p.ctx.dialect === 'postgres' ? await openDatabase(p.config.database) : null;
    const workers = [new Worker(p.ctx.db, registry, log, { concurrency: 3 }), new Worker((other ?? p.database).db, registry, log, { concurrency: 3 }), new Worker(p.ctx.db, registry, log, { concurrency: 2 })];
    await Promise.all(workers.map((w) => w.tick()));
    await other?.close();
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it('schedules a periodic task once per period, whichever worker gets there', async () => {
    const registry = new JobRegistry();
    let runs = 0;
    registry.define({ queue: 'test.periodic', async handle() { runs++; } });
    registry.every({ name: 'tick', queue: 'test.periodic', everyMs: 3600_000 });
    const a = new Worker(p.ctx.db, registry, log);
    const b = new Worker(p.ctx.db, registry, log);
    await a.tick();
    await b.tick();
    expect(runs).toBe(1);
  });
});
