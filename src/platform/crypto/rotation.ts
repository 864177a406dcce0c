/**
 * Data-key rotation without downtime. `civitas keys rotate` adds a new data
 * key that seals nothing yet; every process reloads its keys every 30 s, so
 * after the publishing delay all of them can open values sealed with it. A
 * background job then activates it (new values are sealed with it from the
 * next reload) and re-encrypts, in batches, every column the modules declare
 * as personal data, recording its progress; a last sweep after the settling
 * delay catches values a process sealed with the old key before it reloaded.
 * Each value is re-encrypted only if it is still the one read (compare and
 * swap), so concurrent writes are never lost. Old keys stay to open anything
 * not (yet) re-encrypted.
 */
import { enqueue, type JobDefinition } from '../jobs/index.ts';
import { newId, nowIso, sql, type Db } from '../db/index.ts';
import type { KeyRing } from './keyring.ts';

/** A column holding values sealed by the keyring, with the context (AAD) each row's value was sealed with. */
export interface EncryptedColumn {
  table: string;
  /** the primary-key columns */
  key: string[];
  column: string;
  context: (row: Record<string, any>) => string;
}

export const ROTATION_QUEUE = 'platform.data-key-rotation';

export interface RotationOptions {
  /** how long a new key is published before it seals anything (every process reloads keys every 30 s) */
  publishDelayMs?: number;
  /** how long after activation the last sweep runs */
  settleMs?: number;
  /** rows per batch, and batches per job run */
  batchSize?: number;
  batchesPerRun?: number;
}

export interface RotationStatus {
  id: string;
  toVersion: number;
  state: 'publishing' | 'running' | 'done';
  startedAt: string;
  finishedAt: string | null;
  columns: Record<string, { reencrypted: number; remaining: number }>;
}

const DEFAULTS = { publishDelayMs: 60_000, settleMs: 60_000, batchSize: 500, batchesPerRun: 20 };

export async function startDataKeyRotation(db: Db, keys: KeyRing, opts: RotationOptions = {}, now: Date = new Date()): Promise<{ id: string; version: number }> {
  const o = { ...DEFAULTS, ...opts };
  return db.transaction().execute(async (trx) => {
    const version = await keys.addDataKey(trx);
    const id = newId();
    await trx.insertInto('key_rotations').values({ id, to_version: version, state: 'publishing', progress: JSON.stringify({ columns: {} }), started_at: nowIso(now), finished_at: null }).execute();
    await enqueue(trx, ROTATION_QUEUE, { rotationId: id }, { runAt: new Date(now.getTime() + o.publishDelayMs) });
    return { id, version };
  });
}

export async function rotationStatus(db: Db, limit = 5): Promise<RotationStatus[]> {
  const rows = await db.selectFrom('key_rotations').selectAll().orderBy('started_at', 'desc').limit(limit).execute() as any[];
  return rows.map((r) => ({ id: r.id, toVersion: Number(r.to_version), state: r.state, startedAt: String(r.started_at), finishedAt: r.finished_at ?? null, columns: JSON.parse(r.progress).columns ?? {} }));
}

const name = (c: EncryptedColumn) => `${c.table}.${c.column}`;

async function remaining(db: Db, c: EncryptedColumn, version: number): Promise<number> {
  const r = await db.selectFrom(c.table).select((eb) => eb.fn.countAll().as('n')).where(c.column, 'is not', null).where(c.column, 'not like', `v${version}:%`).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** One batch of one column: re-seal values not yet under `version`. Returns how many were rewritten and whether the batch was full. */
async function reencryptBatch(db: Db, keys: KeyRing, c: EncryptedColumn, version: number, size: number, skip: Set<string>): Promise<{ done: number; full: boolean }> {
  let q = db.selectFrom(c.table).selectAll().where(c.column, 'is not', null).where(c.column, 'not like', `v${version}:%`);
  if (skip.size) q = q.where(sql<boolean>`(${sql.join(c.key.map((k) => sql.ref(k)), sql`||'\u0001'||`)}) not in (${sql.join([...skip])})`);
  const rows = await q.limit(size).execute() as Record<string, any>[];
  let done = 0;
  for (const row of rows) {
    const old = row[c.column] as string;
    let fresh: string;
    try {
      const ctx = c.context(row);
      fresh = keys.encrypt(keys.decrypt(old, ctx), ctx);
    } catch {
      skip.add(c.key.map((k) => String(row[k])).join('\u0001')); // unreadable: left as it is, reported as remaining
      continue;
    }
    let u = db.updateTable(c.table).set({ [c.column]: fresh }).where(c.column, '=', old);
    for (const k of c.key) u = u.where(k, '=', row[k]);
    const r = await u.executeTakeFirst();
    done += Number(r.numUpdatedRows);
  }
  return { done, full: rows.length === size };
}

export function dataKeyRotationJob(keys: KeyRing, columns: () => EncryptedColumn[], opts: RotationOptions = {}, clock: () => Date = () => new Date()): JobDefinition<{ rotationId: string }> {
  const o = { ...DEFAULTS, ...opts };
  return {
    queue: ROTATION_QUEUE,
    async handle({ rotationId }, { db }) {
      const r = await db.selectFrom('key_rotations').selectAll().where('id', '=', rotationId).executeTakeFirst() as any;
      if (!r || r.state === 'done') return;
      const version = Number(r.to_version);
      const progress = JSON.parse(r.progress) as { activatedAt?: string; columns: RotationStatus['columns'] };
      if (r.state === 'publishing') {
        await db.updateTable('data_keys').set({ active: 0 }).where('purpose', '=', 'field').where('version', '!=', version).execute();
        await db.updateTable('data_keys').set({ active: 1 }).where('purpose', '=', 'field').where('version', '=', version).execute();
        progress.activatedAt = nowIso(clock());
        await db.updateTable('key_rotations').set({ state: 'running', progress: JSON.stringify(progress) }).where('id', '=', rotationId).execute();
      }
      await keys.reload(db);
      let more = false;
      let batches = 0;
      for (const c of columns()) {
        const entry = (progress.columns[name(c)] ??= { reencrypted: 0, remaining: 0 });
        const skip = new Set<string>();
        for (;;) {
          if (batches >= o.batchesPerRun) { more = true; break; }
          const b = await reencryptBatch(db, keys, c, version, o.batchSize, skip);
          if (b.full) batches++; // a column with nothing (left) to do costs nothing
          entry.reencrypted += b.done;
          if (!b.full) break;
        }
        entry.remaining = await remaining(db, c, version);
        await db.updateTable('key_rotations').set({ progress: JSON.stringify(progress) }).where('id', '=', rotationId).execute();
        if (more) break;
      }
      const now = clock();
      const settleAt = new Date(Date.parse(progress.activatedAt ?? nowIso(now)) + o.settleMs);
      if (more) await enqueue(db, ROTATION_QUEUE, { rotationId });
      else if (now < settleAt) await enqueue(db, ROTATION_QUEUE, { rotationId }, { runAt: settleAt });
      else await db.updateTable('key_rotations').set({ state: 'done', finished_at: nowIso(now), progress: JSON.stringify(progress) }).where('id', '=', rotationId).execute();
    },
  };
}
