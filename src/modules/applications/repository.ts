/** Queries for the applications module's own tables. Answers are encrypted here, at the boundary. */
import { fromJson, newId, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Answers } from '../forms/index.ts';
import type { Status } from './status.ts';

export interface Application {
  id: string;
  reference: string | null;
  serviceId: string;
  serviceVersion: number;
  agencyId: string;
  applicantId: string;
  actingForUen: string | null;
  channel: 'online' | 'counter' | 'paper' | 'api';
  status: Status;
  answers: Answers;
  lang: string;
  rev: number;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
}

const ctxOf = (id: string) => `application:${id}`;

function toApplication(keys: KeyRing, r: any): Application {
  return {
    id: r.id, reference: r.reference, serviceId: r.service_id, serviceVersion: Number(r.service_version), agencyId: r.agency_id,
    applicantId: r.applicant_id, actingForUen: r.acting_for_uen, channel: r.channel, status: r.status,
    answers: JSON.parse(keys.decrypt(r.answers_enc, ctxOf(r.id))) as Answers, lang: r.lang, rev: Number(r.rev),
    createdAt: r.created_at, updatedAt: r.updated_at, submittedAt: r.submitted_at,
  };
}

export async function insertApplication(db: Db, keys: KeyRing, a: Omit<Application, 'id' | 'reference' | 'rev' | 'createdAt' | 'updatedAt' | 'submittedAt'>, now: string): Promise<string> {
  const id = newId();
  await db.insertInto('applications').values({
    id, reference: null, service_id: a.serviceId, service_version: a.serviceVersion, agency_id: a.agencyId, applicant_id: a.applicantId,
    acting_for_uen: a.actingForUen, channel: a.channel, status: a.status, answers_enc: keys.encrypt(toJson(a.answers), ctxOf(id)),
    lang: a.lang, rev: 0, created_at: now, updated_at: now, submitted_at: null,
  }).execute();
  return id;
}

export async function findApplication(db: Db, keys: KeyRing, id: string): Promise<Application | undefined> {
  const r = await db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toApplication(keys, r) : undefined;
}

export async function referenceExists(db: Db, reference: string): Promise<boolean> {
  return !!(await db.selectFrom('applications').select('id').where('reference', '=', reference).executeTakeFirst());
}

/** Save answers if nobody saved since `rev` was read; false if the row moved on (or is no longer a draft). */
export async function saveDraftAnswers(db: Db, keys: KeyRing, id: string, rev: number, answers: Answers, now: string): Promise<boolean> {
  const r = await db.updateTable('applications').set({ answers_enc: keys.encrypt(toJson(answers), ctxOf(id)), rev: rev + 1, updated_at: now })
    .where('id', '=', id).where('rev', '=', rev).where('status', '=', 'draft').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function updateApplication(db: Db, keys: KeyRing, id: string, rev: number, set: { status?: Status; reference?: string; answers?: Answers; submittedAt?: string }, now: string): Promise<boolean> {
  const r = await db.updateTable('applications').set({
    ...(set.status ? { status: set.status } : {}),
    ...(set.reference ? { reference: set.reference } : {}),
    ...(set.answers ? { answers_enc: keys.encrypt(toJson(set.answers), ctxOf(id)) } : {}),
    ...(set.submittedAt ? { submitted_at: set.submittedAt } : {}),
    rev: rev + 1, updated_at: now,
  }).where('id', '=', id).where('rev', '=', rev).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface ApplicationSummary { id: string; reference: string | null; serviceId: string; serviceVersion: number; status: Status; updatedAt: string; submittedAt: string | null; createdAt: string }

/**
 * "My applications": a person's own (not made for a business), or, when they act
 * for a business, the business's (whoever of its representatives started them).
 */
export async function listForApplicant(db: Db, applicantId: string, opts: { uen?: string | null; limit?: number } | number = {}): Promise<ApplicationSummary[]> {
  const o = typeof opts === 'number' ? { limit: opts } : opts;
  let q = db.selectFrom('applications').select(['id', 'reference', 'service_id', 'service_version', 'status', 'updated_at', 'submitted_at', 'created_at'])
    .where('status', '!=', 'withdrawn');
  q = o.uen ? q.where('acting_for_uen', '=', o.uen) : q.where('applicant_id', '=', applicantId).where('acting_for_uen', 'is', null);
  const rows = await q.orderBy('updated_at', 'desc').limit(o.limit ?? 100).execute();
  return rows.map((r: any) => ({ id: r.id, reference: r.reference, serviceId: r.service_id, serviceVersion: Number(r.service_version), status: r.status, updatedAt: r.updated_at, submittedAt: r.submitted_at, createdAt: r.created_at }));
}

export interface AgencyApplication { id: string; reference: string | null; serviceId: string; status: Status; submittedAt: string | null; actingForUen: string | null; channel: string }

/** An agency's applications that have been sent (not drafts, not withdrawn), newest first: what its officers see. */
export async function listSubmittedForAgency(db: Db, agencyId: string, limit = 100): Promise<AgencyApplication[]> {
  const rows = await db.selectFrom('applications').select(['id', 'reference', 'service_id', 'status', 'submitted_at', 'acting_for_uen', 'channel'])
    .where('agency_id', '=', agencyId).where('status', 'not in', ['draft', 'withdrawn']).orderBy('submitted_at', 'desc').limit(limit).execute();
  return rows.map((r: any) => ({ id: r.id, reference: r.reference, serviceId: r.service_id, status: r.status, submittedAt: r.submitted_at, actingForUen: r.acting_for_uen, channel: r.channel }));
}

export async function appendEvent(db: Db, e: { applicationId: string; type: string; from?: Status | null; to?: Status | null; actorType: string; actorId?: string | null; data?: Record<string, unknown>; at: string }): Promise<void> {
  const last = await db.selectFrom('application_events').select((eb) => eb.fn.max('seq').as('seq')).where('application_id', '=', e.applicationId).executeTakeFirst();
  await db.insertInto('application_events').values({
    application_id: e.applicationId, seq: Number(last?.seq ?? 0) + 1, type: e.type, from_status: e.from ?? null, to_status: e.to ?? null,
    actor_type: e.actorType, actor_id: e.actorId ?? null, data: toJson(e.data ?? {}), at: e.at,
  }).execute();
}

export async function listEvents(db: Db, applicationId: string) {
  const rows = await db.selectFrom('application_events').selectAll().where('application_id', '=', applicationId).orderBy('seq').execute();
  return rows.map((r: any) => ({ seq: Number(r.seq), type: r.type as string, from: r.from_status as Status | null, to: r.to_status as Status | null, actorType: r.actor_type as string, at: r.at as string, data: fromJson<Record<string, unknown>>(r.data) }));
}

export async function insertFile(db: Db, keys: KeyRing, f: { applicationId: string; questionId: string; name: string; type: string; size: number; sha256: string; content: Buffer; uploadedBy: string }): Promise<string> {
  const id = newId();
  await db.insertInto('application_files').values({
    id, application_id: f.applicationId, question_id: f.questionId, name_enc: keys.encrypt(f.name, `file:${id}`), type: f.type, size: f.size,
    sha256: f.sha256, content: f.content, uploaded_by: f.uploadedBy, created_at: nowIso(),
  }).execute();
  return id;
}

export async function findFile(db: Db, keys: KeyRing, applicationId: string, fileId: string) {
  const r: any = await db.selectFrom('application_files').selectAll().where('id', '=', fileId).where('application_id', '=', applicationId).executeTakeFirst();
  return r ? { id: r.id as string, name: keys.decrypt(r.name_enc, `file:${r.id}`), type: r.type as string, size: Number(r.size), content: Buffer.from(r.content) } : undefined;
}
