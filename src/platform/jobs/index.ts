/**
 * Background jobs with an outbox: enqueue() writes the job with the caller's
 * transaction handle, so a job exists if and only if the change that caused it
 * committed. Workers claim jobs with FOR UPDATE SKIP LOCKED on PostgreSQL (any
 * number of processes may run workers); SQLite serialises writers itself.
 * A job whose worker died is claimed again once its lock expires, so handlers
 * must be idempotent (at-least-once delivery, exactly-once effect).
 */
import os from 'node:os';
import { sql } from 'kysely';
import { dialectOf, fromJson, newId, nowIso, toJson, type Db } from '../db/index.ts';
import type { Logger } from '../log/index.ts';

export interface EnqueueOptions {
  runAt?: Date;
  maxAttempts?: number;
  /** at most one job per key, ever: a second enqueue with the same key is ignored */
  dedupeKey?: string;
}

export interface JobContext {
  db: Db;
  jobId: string;
  attempt: number;
  log: Logger;
}

export interface JobDefinition<P = any> {
  queue: string;
  handle(payload: P, ctx: JobContext): Promise<void>;
  /** delay before retry number `attempt` (1-based) in ms */
  backoffMs?: (attempt: number) => number;
  /** run the handler and the job's completion in one transaction */
  transactional?: boolean;
}

export interface PeriodicTask {
  name: string;
  queue: string;
  everyMs: number;
  payload?: unknown;
}

export interface JobRow {
  id: string; queue: string; payload: string; state: string; attempts: number; max_attempts: number;
  run_at: string; locked_by: string | null; locked_until: string | null; last_error: string | null;
  dedupe_key: string | null; created_at: string; updated_at: string;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Exponential back-off with jitter: 10 s, 20 s, 40 s ... capped at 1 hour. */
export function defaultBackoffMs(attempt: number): number {
  const base = Math.min(10_000 * 2 ** (attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export async function enqueue(db: Db, queue: string, payload: unknown, opts: EnqueueOptions = {}): Promise<string> {
  const id = newId();
  const now = nowIso();
  await db.insertInto('jobs').values({
    id, queue, payload: toJson(payload ?? null), state: 'pending', attempts: 0,
    max_attempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_at: nowIso(opts.runAt ?? new Date()), dedupe_key: opts.dedupeKey ?? null,
    created_at: now, updated_at: now,
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute();
  return id;
}

export class JobRegistry {
  readonly definitions = new Map<string, JobDefinition>();
  readonly periodic: PeriodicTask[] = [];
  define<P>(def: JobDefinition<P>): void {
    if (this.definitions.has(def.queue)) throw new Error(`job queue ${def.queue} defined twice`);
    this.definitions.set(def.queue, def as JobDefinition);
  }
  every(task: PeriodicTask): void {
    this.periodic.push(task);
  }
}

export interface WorkerOptions {
  concurrency?: number;
  pollMs?: number;
  lockMs?: number;
  clock?: () => Date;
  onJobFinished?: (queue: string, outcome: 'done' | 'retry' | 'failed') => void;
}

export class Worker {
  readonly id = `${os.hostname()}:${process.pid}:${newId().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private active: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db, private readonly registry: JobRegistry, private readonly log: Logger, private readonly opts: WorkerOptions = {}) {}

  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      try {
        this.active = this.tick();
        await this.active;
      } catch (err) {
        this.log.error({ err }, 'worker tick failed');
      }
      if (this.running) this.timer = setTimeout(loop, this.opts.pollMs ?? 500);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.active.catch(() => undefined);
  }

  /** One round: schedule due periodic tasks, then claim and run jobs until none are due. Returns jobs run. */
  async tick(): Promise<number> {
    await this.schedulePeriodic();
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) return total;
    }
  }

  async schedulePeriodic(): Promise<void> {
    const now = this.now().getTime();
    for (const task of this.registry.periodic) {
      const slot = Math.floor(now / task.everyMs);
      await enqueue(this.db, task.queue, task.payload ?? {}, { dedupeKey: `periodic:${task.name}:${slot}`, maxAttempts: 3 });
    }
  }

  /** Claim up to `concurrency` due jobs and run them. Returns how many ran. */
  async runOnce(): Promise<number> {
    const queues = [...this.registry.definitions.keys()];
    if (queues.length === 0) return 0;
    const jobs = await this.claim(queues, this.opts.concurrency ?? 4);
    await Promise.all(jobs.map((j) => this.run(j)));
    return jobs.length;
  }

  private async claim(queues: string[], limit: number): Promise<JobRow[]> {
    const now = nowIso(this.now());
    const lockedUntil = nowIso(new Date(this.now().getTime() + (this.opts.lockMs ?? 5 * 60_000)));
    const pg = dialectOf(this.db) === 'postgres';
    const due = sql`(
      (state = 'pending' and run_at <= ${now}) or (state = 'running' and locked_until < ${now})
    ) and queue in (${sql.join(queues)})`;
    const pick = pg
      ? sql`select id from jobs where ${due} order by run_at limit ${limit} for update skip locked`
      : sql`select id from jobs where ${due} order by run_at limit ${limit}`;
    const result = await sql<JobRow>`
      update jobs set state = 'running', attempts = attempts + 1, locked_by = ${this.id},
        locked_until = ${lockedUntil}, updated_at = ${now}
      where id in (${pick}) returning *`.execute(this.db);
    return result.rows.map((r) => ({ ...r, attempts: Number(r.attempts), max_attempts: Number(r.max_attempts) }));
  }

  private async run(job: JobRow): Promise<void> {
    const def = this.registry.definitions.get(job.queue)!;
    const log = this.log.child({ job: job.id, queue: job.queue, attempt: job.attempts });
    const payload = fromJson(job.payload);
    const finish = (db: Db) => db.updateTable('jobs')
      .set({ state: 'done', locked_by: null, locked_until: null, last_error: null, updated_at: nowIso(this.now()) })
      .where('id', '=', job.id).where('locked_by', '=', this.id).execute();
    try {
      if (def.transactional) {
        await this.db.transaction().execute(async (trx) => {
          await def.handle(payload, { db: trx, jobId: job.id, attempt: job.attempts, log });
          await finish(trx);
        });
      } else {
        await def.handle(payload, { db: this.db, jobId: job.id, attempt: job.attempts, log });
        await finish(this.db);
      }
      this.opts.onJobFinished?.(job.queue, 'done');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const final = job.attempts >= job.max_attempts;
      const delay = (def.backoffMs ?? defaultBackoffMs)(job.attempts);
      await this.db.updateTable('jobs').set({
        state: final ? 'failed' : 'pending',
        run_at: nowIso(new Date(this.now().getTime() + delay)),
        locked_by: null, locked_until: null, last_error: message.slice(0, 2000), updated_at: nowIso(this.now()),
      }).where('id', '=', job.id).where('locked_by', '=', this.id).execute();
      log[final ? 'error' : 'warn']({ err: message }, final ? 'job failed permanently' : 'job failed, will retry');
      this.opts.onJobFinished?.(job.queue, final ? 'failed' : 'retry');
    }
  }
}

export interface QueueStats { queue: string; state: string; count: number }

export async function queueStats(db: Db): Promise<QueueStats[]> {
  const rows = await db.selectFrom('jobs').select(['queue', 'state', (eb) => eb.fn.countAll().as('count')])
    .where('state', '!=', 'done').groupBy(['queue', 'state']).execute();
  return rows.map((r: any) => ({ queue: r.queue, state: r.state, count: Number(r.count) }));
}

export async function recentFailures(db: Db, limit = 20): Promise<JobRow[]> {
  return db.selectFrom('jobs').selectAll().where('state', '=', 'failed').orderBy('updated_at', 'desc').limit(limit).execute() as Promise<JobRow[]>;
}

/** Remove finished jobs older than the retention period (failed ones stay for operators). */
export async function pruneFinishedJobs(db: Db, olderThan: Date): Promise<number> {
  const r = await db.deleteFrom('jobs').where('state', '=', 'done').where('updated_at', '<', nowIso(olderThan)).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
