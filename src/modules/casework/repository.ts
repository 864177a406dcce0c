/** Queries for casework's own tables: cases, search terms, notes, assignment rules. */
import { dialectOf, newId, sql, type Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { Status } from '../applications/index.ts';
import type { CaseState } from './workflow.ts';

export interface CaseRow {
  applicationId: string;
  reference: string;
  serviceId: string;
  serviceVersion: number;
  agencyId: string;
  queueAgencyId: string;
  state: CaseState;
  status: Status;
  stepId: string;
  stepIndex: number;
  stepRole: string;
  assigneeId: string | null;
  dueDate: string | null;
  pausedDaysLeft: number | null;
  escalated: boolean;
  referredByAgencyId: string | null;
  channel: string;
  applicantId: string;
  applicantName: string | null;
  applicantUen: string | null;
  submittedAt: string;
  stepStartedAt: string;
  updatedAt: string;
  closedAt: string | null;
  decision: 'approved' | 'rejected' | null;
  version: number;
}

const nameCtx = (id: string) => `case:${id}`;

export function toCase(keys: KeyRing, r: any): CaseRow {
  return {
    applicationId: r.application_id, reference: r.reference, serviceId: r.service_id, serviceVersion: Number(r.service_version), agencyId: r.agency_id,
    queueAgencyId: r.queue_agency_id, state: r.state, status: r.status, stepId: r.step_id, stepIndex: Number(r.step_index), stepRole: r.step_role,
    assigneeId: r.assignee_id ?? null, dueDate: r.due_date ?? null, pausedDaysLeft: r.paused_days_left === null || r.paused_days_left === undefined ? null : Number(r.paused_days_left),
    escalated: Number(r.escalated) === 1 || r.escalated === true, referredByAgencyId: r.referred_by_agency_id ?? null, channel: r.channel, applicantId: r.applicant_id,
    applicantName: r.applicant_name_enc ? keys.decrypt(r.applicant_name_enc, nameCtx(r.application_id)) : null, applicantUen: r.applicant_uen ?? null,
    submittedAt: r.submitted_at, stepStartedAt: r.step_started_at, updatedAt: r.updated_at, closedAt: r.closed_at ?? null, decision: r.decision ?? null,
    version: Number(r.version),
  };
}

export async function insertCase(db: Db, keys: KeyRing, c: CaseRow): Promise<boolean> {
  const r = await db.insertInto('cases').values({
    application_id: c.applicationId, reference: c.reference, service_id: c.serviceId, service_version: c.serviceVersion, agency_id: c.agencyId,
    queue_agency_id: c.queueAgencyId, state: c.state, status: c.status, step_id: c.stepId, step_index: c.stepIndex, step_role: c.stepRole,
    assignee_id: c.assigneeId, due_date: c.dueDate, paused_days_left: c.pausedDaysLeft, escalated: c.escalated ? 1 : 0, referred_by_agency_id: c.referredByAgencyId,
    channel: c.channel, applicant_id: c.applicantId, applicant_name_enc: c.applicantName ? keys.encrypt(c.applicantName, nameCtx(c.applicationId)) : null,
    applicant_uen: c.applicantUen, submitted_at: c.submittedAt, step_started_at: c.stepStartedAt, updated_at: c.updatedAt, closed_at: c.closedAt,
    decision: c.decision, version: c.version,
  }).onConflict((oc) => oc.column('application_id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findCase(db: Db, keys: KeyRing, applicationId: string): Promise<CaseRow | undefined> {
  const r = await db.selectFrom('cases').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
  return r ? toCase(keys, r) : undefined;
}

export type CaseChange = Partial<Pick<CaseRow, 'state' | 'status' | 'stepId' | 'stepIndex' | 'stepRole' | 'assigneeId' | 'dueDate' | 'pausedDaysLeft' | 'escalated' | 'queueAgencyId' | 'referredByAgencyId' | 'stepStartedAt' | 'closedAt' | 'decision'>>;

const COLUMN: Record<keyof CaseChange, string> = {
  state: 'state', status: 'status', stepId: 'step_id', stepIndex: 'step_index', stepRole: 'step_role', assigneeId: 'assignee_id', dueDate: 'due_date',
  pausedDaysLeft: 'paused_days_left', escalated: 'escalated', queueAgencyId: 'queue_agency_id', referredByAgencyId: 'referred_by_agency_id',
  stepStartedAt: 'step_started_at', closedAt: 'closed_at', decision: 'decision',
};

/**
 * Change a case if it is still at `version` (compare-and-set), moving the
 * version on. On PostgreSQL a concurrent change to the same case waits for the
 * row lock, then finds the version moved and changes nothing: the caller
 * reports a conflict. Returns whether the case was changed.
 */
export async function changeCase(db: Db, applicationId: string, version: number, change: CaseChange, now: string): Promise<boolean> {
  const set: Record<string, unknown> = { version: version + 1, updated_at: now };
  for (const [k, v] of Object.entries(change)) set[COLUMN[k as keyof CaseChange]] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  const r = await db.updateTable('cases').set(set).where('application_id', '=', applicationId).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertSearchTerms(db: Db, applicationId: string, submittedAt: string, hashes: string[]): Promise<void> {
  const unique = [...new Set(hashes)];
  if (!unique.length) return;
  await db.insertInto('case_search_terms').values(unique.map((hash) => ({ hash, application_id: applicationId, submitted_at: submittedAt })))
    .onConflict((oc) => oc.columns(['hash', 'application_id']).doNothing()).execute();
}

export interface Note { id: string; authorId: string; authorAgencyId: string; body: string; createdAt: string }

export async function insertNote(db: Db, keys: KeyRing, n: { applicationId: string; authorId: string; authorAgencyId: string; body: string; at: string }): Promise<string> {
  const id = newId();
  await db.insertInto('case_notes').values({
    id, application_id: n.applicationId, author_id: n.authorId, author_agency_id: n.authorAgencyId, body_enc: keys.encrypt(n.body, `case-note:${id}`), created_at: n.at,
  }).execute();
  return id;
}

export async function listNotes(db: Db, keys: KeyRing, applicationId: string): Promise<Note[]> {
  const rows = await db.selectFrom('case_notes').selectAll().where('application_id', '=', applicationId).orderBy('created_at', 'desc').execute();
  return rows.map((r: any) => ({ id: r.id, authorId: r.author_id, authorAgencyId: r.author_agency_id, body: keys.decrypt(r.body_enc, `case-note:${r.id}`), createdAt: r.created_at }));
}

export interface AssignmentRule { agencyId: string; serviceId: string; stepId: string; enabled: boolean; lastAssigneeId: string | null; updatedBy: string | null; updatedAt: string }

const toRule = (r: any): AssignmentRule => ({ agencyId: r.agency_id, serviceId: r.service_id, stepId: r.step_id, enabled: Number(r.enabled) === 1 || r.enabled === true, lastAssigneeId: r.last_assignee_id ?? null, updatedBy: r.updated_by ?? null, updatedAt: r.updated_at });

export async function listRules(db: Db, agencyId: string): Promise<AssignmentRule[]> {
  return (await db.selectFrom('case_assignment_rules').selectAll().where('agency_id', '=', agencyId).execute()).map(toRule);
}

/** The rule for a step, locked for the rest of the transaction on PostgreSQL (round-robin turns are taken one at a time). */
export async function ruleForUpdate(db: Db, agencyId: string, serviceId: string, stepId: string): Promise<AssignmentRule | undefined> {
  const lock = dialectOf(db) === 'postgres' ? sql` for update` : sql``;
  const r = await sql<any>`select * from case_assignment_rules where agency_id = ${agencyId} and service_id = ${serviceId} and step_id = ${stepId}${lock}`.execute(db);
  return r.rows[0] ? toRule(r.rows[0]) : undefined;
}

export async function saveRule(db: Db, r: { agencyId: string; serviceId: string; stepId: string; enabled: boolean; updatedBy: string; at: string }): Promise<void> {
  await db.insertInto('case_assignment_rules').values({ agency_id: r.agencyId, service_id: r.serviceId, step_id: r.stepId, enabled: r.enabled ? 1 : 0, last_assignee_id: null, updated_by: r.updatedBy, updated_at: r.at })
    .onConflict((oc) => oc.columns(['agency_id', 'service_id', 'step_id']).doUpdateSet({ enabled: r.enabled ? 1 : 0, updated_by: r.updatedBy, updated_at: r.at })).execute();
}

export async function setLastAssignee(db: Db, r: { agencyId: string; serviceId: string; stepId: string; assigneeId: string }): Promise<void> {
  await db.updateTable('case_assignment_rules').set({ last_assignee_id: r.assigneeId })
    .where('agency_id', '=', r.agencyId).where('service_id', '=', r.serviceId).where('step_id', '=', r.stepId).execute();
}
