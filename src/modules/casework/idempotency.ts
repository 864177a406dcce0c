/**
 * Idempotency-Key for API creates and actions (DESIGN rule 6): the first
 * request with a key does the work and its response is kept, in the same
 * transaction as the work; a retry with the same key and the same request gets
 * that response again (and changes nothing); the same key with a different
 * request is refused. On PostgreSQL a retry that arrives while the first is
 * still running waits for it on the key's unique index, then replays its
 * answer. A request that fails (invalid input) keeps nothing, so a corrected
 * retry may use the same key. Keys are kept 24 hours.
 */
import { canonicalJson, sha256 } from '../../platform/crypto/index.ts';
import { fromJson, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export interface Replayable { status: number; body: unknown }

export function checkIdempotencyKey(key: unknown): string | null {
  if (key === undefined || key === null || key === '') return null;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) throw new AppError('bad_request', 'casework.api.errors.idempotencyKey');
  return key;
}

export const requestHash = (operation: string, body: unknown): string => sha256(`${operation}\n${canonicalJson(body ?? null)}`);

export async function withIdempotency(db: Db, opts: { clientId: string; key: string | null; operation: string; body: unknown; now: Date }, run: (trx: Db) => Promise<Replayable>): Promise<Replayable & { replayed: boolean }> {
  if (!opts.key) return { ...(await db.transaction().execute(run)), replayed: false };
  const hash = requestHash(opts.operation, opts.body);
  return db.transaction().execute(async (trx) => {
    const inserted = await trx.insertInto('api_idempotency').values({
      client_id: opts.clientId, key: opts.key, operation: opts.operation, request_hash: hash, status_code: null, response: null, created_at: nowIso(opts.now),
    }).onConflict((oc) => oc.columns(['client_id', 'key']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      const result = await run(trx);
      await trx.updateTable('api_idempotency').set({ status_code: result.status, response: toJson(result.body) })
        .where('client_id', '=', opts.clientId).where('key', '=', opts.key).execute();
      return { ...result, replayed: false };
    }
    const row: any = await trx.selectFrom('api_idempotency').selectAll().where('client_id', '=', opts.clientId).where('key', '=', opts.key).executeTakeFirstOrThrow();
    if (row.operation !== opts.operation || row.request_hash !== hash) throw new AppError('conflict', 'casework.api.errors.idempotencyMismatch');
    if (row.status_code === null) throw new AppError('conflict', 'casework.api.errors.idempotencyInProgress');
    return { status: Number(row.status_code), body: fromJson(row.response), replayed: true };
  });
}

export async function forgetOldKeys(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom('api_idempotency').where('created_at', '<', nowIso(new Date(now.getTime() - IDEMPOTENCY_TTL_MS))).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
