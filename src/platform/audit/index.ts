/**
 * Append-only, tamper-evident audit log. Each stream (usually one record, e.g.
 * "application:<id>", or one actor's sign-in history) is its own hash chain, so
 * writers on different records never wait on each other. Entries are written
 * with the caller's transaction handle: the change and its audit entry commit
 * together or not at all.
 */
import { sql } from 'kysely';
import { canonicalJson, sha256 } from '../crypto/index.ts';
import { dialectOf, fromJson, nowIso, toJson, type Db } from '../db/index.ts';

export interface AuditEntry {
  stream: string;
  action: string;
  actorType: 'citizen' | 'officer' | 'system' | 'api' | 'anonymous';
  actorId?: string | null;
  onBehalfOf?: string | null;
  agencyId?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
  requestId?: string | null;
  data?: Record<string, unknown>;
  at?: string;
}

export const GENESIS = '0'.repeat(64);

function entryHash(prev: string, seq: number, e: Required<Omit<AuditEntry, 'data'>> & { data: Record<string, unknown> }): string {
  return sha256(prev + canonicalJson({ ...e, seq }));
}

export async function appendAudit(db: Db, entry: AuditEntry): Promise<void> {
  const at = entry.at ?? nowIso();
  const full = {
    stream: entry.stream, action: entry.action, actorType: entry.actorType, actorId: entry.actorId ?? null,
    onBehalfOf: entry.onBehalfOf ?? null, agencyId: entry.agencyId ?? null, subjectType: entry.subjectType ?? null,
    subjectId: entry.subjectId ?? null, requestId: entry.requestId ?? null, data: entry.data ?? {}, at,
  };
  const write = async (trx: Db) => {
    // Lock the stream's head so that concurrent appends to one stream queue up (PostgreSQL);
    // SQLite serialises write transactions already.
    await trx.insertInto('audit_heads').values({ stream: full.stream, last_seq: 0, last_hash: GENESIS })
      .onConflict((oc) => oc.column('stream').doNothing()).execute();
    const headQuery = sql<{ last_seq: number; last_hash: string }>`select last_seq, last_hash from audit_heads where stream = ${full.stream} ${dialectOf(trx) === 'postgres' ? sql`for update` : sql``}`;
    const head = (await headQuery.execute(trx)).rows[0]!;
    const seq = Number(head.last_seq) + 1;
    const hash = entryHash(head.last_hash, seq, full);
    await trx.insertInto('audit_log').values({
      stream: full.stream, stream_seq: seq, at, action: full.action, actor_type: full.actorType, actor_id: full.actorId,
      on_behalf_of: full.onBehalfOf, agency_id: full.agencyId, subject_type: full.subjectType, subject_id: full.subjectId,
      request_id: full.requestId, data: toJson(full.data), prev_hash: head.last_hash, hash,
    }).execute();
    await trx.updateTable('audit_heads').set({ last_seq: seq, last_hash: hash }).where('stream', '=', full.stream).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export interface AuditProblem { stream: string; seq: number; problem: string }

/** Re-compute every chain; report each entry whose hash or link does not match. */
export async function verifyAudit(db: Db, onProgress?: (checked: number) => void): Promise<{ checked: number; problems: AuditProblem[] }> {
  const problems: AuditProblem[] = [];
  const heads = new Map<string, { seq: number; hash: string }>();
  let checked = 0;
  let lastId = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    for (const r of rows as any[]) {
      lastId = Number(r.id);
      const prev = heads.get(r.stream) ?? { seq: 0, hash: GENESIS };
      const seq = Number(r.stream_seq);
      if (seq !== prev.seq + 1) problems.push({ stream: r.stream, seq, problem: `entry ${seq} follows ${prev.seq}: entries are missing or reordered` });
      if (r.prev_hash !== prev.hash) problems.push({ stream: r.stream, seq, problem: 'link to the previous entry is broken' });
      const expected = entryHash(r.prev_hash, seq, {
        stream: r.stream, action: r.action, actorType: r.actor_type, actorId: r.actor_id, onBehalfOf: r.on_behalf_of,
        agencyId: r.agency_id, subjectType: r.subject_type, subjectId: r.subject_id, requestId: r.request_id,
        data: fromJson(r.data), at: r.at,
      });
      if (expected !== r.hash) problems.push({ stream: r.stream, seq, problem: 'entry was changed after it was written' });
      heads.set(r.stream, { seq, hash: r.hash });
      checked++;
    }
    onProgress?.(checked);
  }
  const storedHeads = await db.selectFrom('audit_heads').selectAll().execute();
  for (const h of storedHeads as any[]) {
    const seen = heads.get(h.stream);
    if (Number(h.last_seq) > 0 && (!seen || seen.seq !== Number(h.last_seq) || seen.hash !== h.last_hash)) {
      problems.push({ stream: h.stream, seq: Number(h.last_seq), problem: 'the newest entries of this stream were deleted' });
    }
  }
  return { checked, problems };
}

export async function auditTrail(db: Db, stream: string) {
  const rows = await db.selectFrom('audit_log').selectAll().where('stream', '=', stream).orderBy('stream_seq').execute();
  return rows.map((r: any) => ({ seq: Number(r.stream_seq), at: r.at as string, action: r.action as string, actorType: r.actor_type as string, actorId: r.actor_id as string | null, onBehalfOf: r.on_behalf_of as string | null, data: fromJson<Record<string, unknown>>(r.data) }));
}
