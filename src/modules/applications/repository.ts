/** Queries for the applications module's own tables. Answers are encrypted here, at the boundary. */
import { fromJson, newId, nowIso, sql, toJson, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Answers } from '../forms/index.ts';
import type { Status } from './status.ts';

/** Where an answer came from: typed by the applicant (or an officer for them), or verified with a government source. */
export interface AnswerSource {
  source: 'typed' | 'verified';
  provider?: string;
  at?: string;
  /** prefilled from verified data: the data item, its owning agency, its Myinfo source code ('1' government-verified, '4' Singpass-verified) */
  item?: string;
  agency?: string;
  origin?: string;
  /** keyed hash of the locked value: a submission whose value no longer matches is refused */
  hash?: string;
}

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
  /** the officer who recorded it for the applicant (counter, paper), if any */
  recordedBy: string | null;
  /** an email address for updates, given when recorded for the applicant */
  contactEmail: string | null;
  /** per question id; an answer without an entry was typed */
  answerSources: Record<string, AnswerSource>;
}

const ctxOf = (id: string) => `application:${id}`;

function toApplication(keys: KeyRing, r: any): Application {
  return {
    id: r.id, reference: r.reference, serviceId: r.service_id, serviceVersion: Number(r.service_version), agencyId: r.agency_id,
    applicantId: r.applicant_id, actingForUen: r.acting_for_uen, channel: r.channel, status: r.status,
    answers: JSON.parse(keys.decrypt(r.answers_enc, ctxOf(r.id))) as Answers, lang: r.lang, rev: Number(r.rev),
    createdAt: r.created_at, updatedAt: r.updated_at, submittedAt: r.submitted_at,
    recordedBy: r.recorded_by ?? null, contactEmail: r.contact_email_enc ? keys.decrypt(r.contact_email_enc, ctxOf(r.id)) : null,
    answerSources: fromJson<Record<string, AnswerSource>>(r.answer_sources) ?? {},
  };
}

export type NewApplication = Omit<Application, 'id' | 'reference' | 'rev' | 'createdAt' | 'updatedAt' | 'submittedAt' | 'recordedBy' | 'contactEmail' | 'answerSources'>
  & { recordedBy?: string | null; contactEmail?: string | null; reference?: string | null; submittedAt?: string | null; id?: string };

export async function insertApplication(db: Db, keys: KeyRing, a: NewApplication, now: string): Promise<string> {
  const id = a.id ?? newId();
  await db.insertInto('applications').values({
    id, reference: a.reference ?? null, service_id: a.serviceId, service_version: a.serviceVersion, agency_id: a.agencyId, applicant_id: a.applicantId,
    acting_for_uen: a.actingForUen, channel: a.channel, status: a.status, answers_enc: keys.encrypt(toJson(a.answers), ctxOf(id)),
    lang: a.lang, rev: 0, created_at: now, updated_at: now, submitted_at: a.submittedAt ?? null,
    recorded_by: a.recordedBy ?? null, contact_email_enc: a.contactEmail ? keys.encrypt(a.contactEmail, ctxOf(id)) : null,
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
 * for a business, the business's (whoever of its representatives started them,
 * and those an agency system sent with only its UEN). Drafts an officer is
 * recording for someone appear once sent.
 */
export async function listForApplicant(db: Db, applicantId: string, opts: { uen?: string | null; limit?: number } | number = {}): Promise<ApplicationSummary[]> {
  const o = typeof opts === 'number' ? { limit: opts } : opts;
  const uen = o.uen;
  let q = db.selectFrom('applications').select(['id', 'reference', 'service_id', 'service_version', 'status', 'updated_at', 'submitted_at', 'created_at'])
    .where('status', '!=', 'withdrawn')
    .where((eb) => eb.or([eb('recorded_by', 'is', null), eb('status', '!=', 'draft')]));
  q = uen
    ? q.where((eb) => eb.or([eb('acting_for_uen', '=', uen), eb('applicant_id', '=', businessOwner(uen))]))
    : q.where('applicant_id', '=', applicantId).where('acting_for_uen', 'is', null);
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

/** The owner of an application a business sent without naming a person (API, UEN only). */
export const businessOwner = (uen: string): string => `uen:${uen}`;

export interface NewEvent {
  applicationId: string; type: string; from?: Status | null; to?: Status | null; actorType: string; actorId?: string | null;
  data?: Record<string, unknown>; at: string;
  stepId?: string | null; actorAgencyId?: string | null;
  /** text the applicant sees (encrypted at rest) */
  message?: string | null;
  /** text only officers see (encrypted at rest) */
  comment?: string | null;
}

const eventCtx = (applicationId: string) => `application-event:${applicationId}`;

export async function appendEvent(db: Db, e: NewEvent, keys?: KeyRing): Promise<number> {
  if ((e.message || e.comment) && !keys) throw new Error('appendEvent: messages need the key ring');
  const last = await db.selectFrom('application_events').select((eb) => eb.fn.max('seq').as('seq')).where('application_id', '=', e.applicationId).executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  await db.insertInto('application_events').values({
    application_id: e.applicationId, seq, type: e.type, from_status: e.from ?? null, to_status: e.to ?? null,
    actor_type: e.actorType, actor_id: e.actorId ?? null, data: toJson(e.data ?? {}), at: e.at,
    step_id: e.stepId ?? null, actor_agency_id: e.actorAgencyId ?? null,
    message_enc: e.message ? keys!.encrypt(e.message, eventCtx(e.applicationId)) : null,
    comment_enc: e.comment ? keys!.encrypt(e.comment, eventCtx(e.applicationId)) : null,
  }).execute();
  return seq;
}

export interface HistoryEvent {
  seq: number; type: string; from: Status | null; to: Status | null; actorType: string; actorId: string | null; actorAgencyId: string | null;
  stepId: string | null; at: string; data: Record<string, unknown>; message: string | null; comment: string | null;
}

export async function listEvents(db: Db, applicationId: string) {
  const rows = await db.selectFrom('application_events').selectAll().where('application_id', '=', applicationId).orderBy('seq').execute();
  return rows.map((r: any) => ({ seq: Number(r.seq), type: r.type as string, from: r.from_status as Status | null, to: r.to_status as Status | null, actorType: r.actor_type as string, at: r.at as string, data: fromJson<Record<string, unknown>>(r.data) }));
}

/** The whole history with its messages decrypted; `withComments` only for officers. */
export async function listHistory(db: Db, keys: KeyRing, applicationId: string, opts: { withComments: boolean }): Promise<HistoryEvent[]> {
  const rows = await db.selectFrom('application_events').selectAll().where('application_id', '=', applicationId).orderBy('seq').execute();
  return rows.map((r: any) => ({
    seq: Number(r.seq), type: r.type, from: r.from_status, to: r.to_status, actorType: r.actor_type, actorId: r.actor_id ?? null,
    actorAgencyId: r.actor_agency_id ?? null, stepId: r.step_id ?? null, at: r.at, data: fromJson<Record<string, unknown>>(r.data) ?? {},
    message: r.message_enc ? keys.decrypt(r.message_enc, eventCtx(applicationId)) : null,
    comment: opts.withComments && r.comment_enc ? keys.decrypt(r.comment_enc, eventCtx(applicationId)) : null,
  }));
}

/** Move an application to a new status if it is still in `from` (compare-and-set). */
export async function setStatus(db: Db, id: string, from: Status, to: Status, now: string): Promise<boolean> {
  const r = await db.updateTable('applications').set({ status: to, updated_at: now, rev: sql`rev + 1` })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setAnswerSources(db: Db, id: string, sources: Record<string, AnswerSource>): Promise<void> {
  await db.updateTable('applications').set({ answer_sources: toJson(sources) }).where('id', '=', id).execute();
}

export interface FileSummary { id: string; questionId: string; name: string; type: string; size: number; uploadedBy: string; createdAt: string }

export async function listFiles(db: Db, keys: KeyRing, applicationId: string): Promise<FileSummary[]> {
  const rows = await db.selectFrom('application_files').select(['id', 'question_id', 'name_enc', 'type', 'size', 'uploaded_by', 'created_at'])
    .where('application_id', '=', applicationId).orderBy('created_at').execute();
  return rows.map((r: any) => ({ id: r.id, questionId: r.question_id, name: keys.decrypt(r.name_enc, `file:${r.id}`), type: r.type, size: Number(r.size), uploadedBy: r.uploaded_by, createdAt: r.created_at }));
}

export interface ChannelCount { channel: Application['channel']; submitted: number; approved: number; rejected: number; inProgress: number }

/**
 * Applications sent in a period, by channel (online, api, counter, paper) and
 * outcome: the denominator of "transactions completed digitally end to end"
 * counts every channel, so counter and paper applications are included.
 */
export async function countByChannel(db: Db, opts: { from?: string; to?: string; agencyId?: string; serviceId?: string } = {}): Promise<ChannelCount[]> {
  let q = db.selectFrom('applications').select(['channel', 'status', (eb) => eb.fn.countAll().as('n')])
    .where('submitted_at', 'is not', null).where('status', '!=', 'draft');
  if (opts.from) q = q.where('submitted_at', '>=', opts.from);
  if (opts.to) q = q.where('submitted_at', '<', opts.to);
  if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
  if (opts.serviceId) q = q.where('service_id', '=', opts.serviceId);
  const rows = await q.groupBy(['channel', 'status']).execute();
  const out = new Map<string, ChannelCount>();
  for (const r of rows as any[]) {
    const c = out.get(r.channel) ?? { channel: r.channel, submitted: 0, approved: 0, rejected: 0, inProgress: 0 };
    const n = Number(r.n);
    c.submitted += n;
    if (r.status === 'approved') c.approved += n;
    else if (r.status === 'rejected') c.rejected += n;
    else if (r.status !== 'withdrawn') c.inProgress += n;
    out.set(r.channel, c);
  }
  return [...out.values()].sort((a, b) => a.channel.localeCompare(b.channel));
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
