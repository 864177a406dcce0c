/** Queries on the exchange's own tables; rows normalised for both databases. */
import { fromJson, nowIso, toBool, toJson, type Db } from '../../platform/db/index.ts';
import type { RequestState } from './status.ts';

export interface SharingRequest {
  id: string;
  reference: string;
  requesterAgencyId: string;
  providerAgencyId: string;
  project: string;
  purpose: string;
  legalBasis: string;
  retention: string;
  users: string;
  items: string[];
  approvedItems: string[] | null;
  conditions: string | null;
  deidentify: boolean;
  state: RequestState;
  requestedBy: string;
  submittedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  accessExpiresAt: string | null;
  apiKeyId: string | null;
  firstCallAt: string | null;
  approvalWorkingDays: number | null;
  firstCallWorkingDays: number | null;
  reminded: boolean;
  escalated: boolean;
  extractFormat: 'csv' | 'jsonl' | null;
  extractEveryDays: number | null;
  version: number;
  updatedAt: string;
}

export function toRequest(r: any): SharingRequest {
  return {
    id: r.id, reference: r.reference, requesterAgencyId: r.requester_agency_id, providerAgencyId: r.provider_agency_id, project: r.project, purpose: r.purpose,
    legalBasis: r.legal_basis, retention: r.retention, users: r.users, items: fromJson<string[]>(r.items), approvedItems: r.approved_items ? fromJson<string[]>(r.approved_items) : null,
    conditions: r.conditions ?? null, deidentify: toBool(r.deidentify), state: r.state, requestedBy: r.requested_by, submittedAt: r.submitted_at,
    decidedAt: r.decided_at ?? null, decidedBy: r.decided_by ?? null, accessExpiresAt: r.access_expires_at ?? null, apiKeyId: r.api_key_id ?? null,
    firstCallAt: r.first_call_at ?? null, approvalWorkingDays: r.approval_working_days === null || r.approval_working_days === undefined ? null : Number(r.approval_working_days),
    firstCallWorkingDays: r.first_call_working_days === null || r.first_call_working_days === undefined ? null : Number(r.first_call_working_days),
    reminded: toBool(r.reminded), escalated: toBool(r.escalated), extractFormat: r.extract_format ?? null,
    extractEveryDays: r.extract_every_days === null || r.extract_every_days === undefined ? null : Number(r.extract_every_days), version: Number(r.version), updatedAt: r.updated_at,
  };
}

export async function findRequest(db: Db, id: string): Promise<SharingRequest | null> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  const r = await db.selectFrom('exchange_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toRequest(r) : null;
}

export async function findRequestByKey(db: Db, apiKeyId: string): Promise<SharingRequest | null> {
  const r = await db.selectFrom('exchange_requests').selectAll().where('api_key_id', '=', apiKeyId).executeTakeFirst();
  return r ? toRequest(r) : null;
}

export async function listRequests(db: Db, where: { requesterAgencyId?: string; providerAgencyId?: string; states?: RequestState[] }, limit = 200): Promise<SharingRequest[]> {
  let q = db.selectFrom('exchange_requests').selectAll();
  if (where.requesterAgencyId) q = q.where('requester_agency_id', '=', where.requesterAgencyId);
  if (where.providerAgencyId) q = q.where('provider_agency_id', '=', where.providerAgencyId);
  if (where.states?.length) q = q.where('state', 'in', where.states);
  return (await q.orderBy('submitted_at', 'desc').limit(limit).execute()).map(toRequest);
}

/** Change a request if it is still at the version the caller read (optimistic concurrency). */
export async function changeRequest(db: Db, id: string, version: number, set: Record<string, unknown>, at: string): Promise<boolean> {
  const r = await db.updateTable('exchange_requests').set({ ...set, version: version + 1, updated_at: at }).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface RequestEventRow { seq: number; type: string; actorType: string; actorId: string | null; actorAgencyId: string | null; at: string; message: string | null; data: Record<string, unknown> }

export async function appendEvent(db: Db, requestId: string, e: { type: string; actorType: 'officer' | 'system' | 'api'; actorId?: string | null; actorAgencyId?: string | null; at?: string; message?: string | null; data?: Record<string, unknown> }): Promise<number> {
  const last = await db.selectFrom('exchange_request_events').select((eb) => eb.fn.max('seq').as('seq')).where('request_id', '=', requestId).executeTakeFirst();
  const seq = Number((last as any)?.seq ?? 0) + 1;
  await db.insertInto('exchange_request_events').values({
    request_id: requestId, seq, type: e.type, actor_type: e.actorType, actor_id: e.actorId ?? null, actor_agency_id: e.actorAgencyId ?? null,
    at: e.at ?? nowIso(), message: e.message ?? null, data: toJson(e.data ?? {}),
  }).execute();
  return seq;
}

export async function listEvents(db: Db, requestId: string): Promise<RequestEventRow[]> {
  const rows = await db.selectFrom('exchange_request_events').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
  return rows.map((r: any) => ({ seq: Number(r.seq), type: r.type, actorType: r.actor_type, actorId: r.actor_id, actorAgencyId: r.actor_agency_id, at: r.at, message: r.message, data: fromJson(r.data) }));
}

export interface ExtractRow { id: string; requestId: string; format: 'csv' | 'jsonl'; state: 'queued' | 'running' | 'done' | 'failed'; progress: number; rowCount: number | null; sha256: string | null; error: string | null; createdAt: string; finishedAt: string | null }

export const toExtract = (r: any): ExtractRow => ({
  id: r.id, requestId: r.request_id, format: r.format, state: r.state, progress: Number(r.progress), rowCount: r.row_count === null || r.row_count === undefined ? null : Number(r.row_count),
  sha256: r.sha256 ?? null, error: r.error ?? null, createdAt: r.created_at, finishedAt: r.finished_at ?? null,
});

export async function listExtracts(db: Db, requestId: string): Promise<ExtractRow[]> {
  return (await db.selectFrom('exchange_extracts').select(['id', 'request_id', 'format', 'state', 'progress', 'row_count', 'sha256', 'error', 'created_at', 'finished_at'])
    .where('request_id', '=', requestId).orderBy('created_at', 'desc').limit(20).execute()).map(toExtract);
}
