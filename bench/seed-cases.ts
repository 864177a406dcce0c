/**
 * Seed many open cases quickly, for the queue benchmark and the pagination
 * tests: applications (answers encrypted like real ones), their first history
 * entries, the cases the queues read, and their search terms, written in
 * batches straight into the tables. Deterministic for a given seed.
 */
import { randomUUID } from 'node:crypto';
import type { Platform } from '../src/main.ts';
import { nricCheckLetter } from '../src/platform/identifiers/index.ts';
import { REFERENCE_ALPHABET } from '../src/modules/applications/index.ts';
import { seededRandom } from '../src/platform/random/index.ts';

const SURNAMES = ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua', 'Chan', 'Koh', 'Teo', 'Ang', 'Yeo', 'Tay', 'Ho', 'Low', 'Toh', 'Sim', 'Chong', 'Chia'];
const GIVEN = ['Wei Ming', 'Mei Ling', 'Jia Hui', 'Kai Xiang', 'Hui Min', 'Jun Jie', 'Xin Yi', 'Zhi Hao', 'Li Hua', 'Siew Ling', 'Ah Kow', 'Boon Keng', 'Shu Fen', 'Yong Sheng'];
const MALAY = ['Nurul Huda binte Osman', 'Muhammad Faizal bin Rahman', 'Siti Aishah binte Ali', 'Ahmad Iskandar bin Yusof', 'Nur Aisyah binte Hassan'];
const INDIAN = ['Rajesh Kumar', 'Priya Nair', 'Arun Pillai', 'Kavitha Suresh', 'Suresh Menon', 'Lakshmi Devi'];


/** A distinct reference for each seeded case (a "9" then the index in the reference alphabet); submissions check for collisions anyway. */
function referenceFor(i: number): string {
  let n = i;
  let s = '';
  for (let k = 0; k < 7; k++) { s = REFERENCE_ALPHABET[n % REFERENCE_ALPHABET.length] + s; n = Math.floor(n / REFERENCE_ALPHABET.length); }
  return `9${s}`;
}

export interface SeedResult { officers: Record<string, string>; sample: { id: string; name: string; nric: string; reference: string }[]; agencyId: string }

export async function seedCases(p: Platform, opts: { count: number; agencyId?: string; seed?: number; batch?: number; progress?: (done: number) => void }): Promise<SeedResult> {
  const { db, keys } = p.ctx;
  const agencyId = opts.agencyId ?? 'msf';
  const rnd = seededRandom(opts.seed ?? 7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const services = p.catalogue.byAgency(agencyId);
  const officers = Object.fromEntries((await db.selectFrom('accounts').select(['id', 'demo_persona']).where('agency_id', '=', agencyId).execute()).map((r: any) => [r.demo_persona ?? r.id, r.id as string]));
  const officerIds = Object.values(officers);
  const cal = await p.calendar.get();
  const now = p.ctx.clock();
  const today = cal.localDate(now);
  const batch = opts.batch ?? 500;
  const sample: SeedResult['sample'] = [];
  for (let start = 0; start < opts.count; start += batch) {
    const apps: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    const cases: Record<string, unknown>[] = [];
    const terms: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(opts.count, start + batch); i++) {
      const id = randomUUID();
      const service = pick(services);
      const steps = service.definition.workflow.steps;
      const stepIndex = rnd() < 0.7 ? 0 : Math.min(1, steps.length - 1);
      const step = steps[stepIndex]!;
      const name = rnd() < 0.7 ? `${pick(SURNAMES)} ${pick(GIVEN)}` : rnd() < 0.5 ? pick(MALAY) : pick(INDIAN);
      const digits = String(1000000 + Math.floor(rnd() * 8999999)).slice(0, 7);
      const nric = `S${digits}${nricCheckLetter('S', digits)}`;
      const submitted = new Date(now.getTime() - Math.floor(rnd() * 60 * 86_400_000));
      const due = cal.addWorkingDays(today, Math.floor(rnd() * 30) - 12);
      const withApplicant = rnd() < 0.05;
      const reference = referenceFor(i);
      const status = withApplicant ? 'info_requested' : stepIndex > 0 || rnd() < 0.5 ? 'in_review' : 'submitted';
      const channel = pick(['online', 'online', 'online', 'online', 'online', 'api', 'counter', 'paper']);
      const at = submitted.toISOString();
      apps.push({
        id, reference, service_id: service.id, service_version: service.version, agency_id: agencyId, applicant_id: randomUUID(), acting_for_uen: null, channel, status,
        answers_enc: keys.encrypt(JSON.stringify({ fullName: name, nric }), `application:${id}`), lang: 'en', rev: 1, created_at: at, updated_at: at, submitted_at: at,
        recorded_by: null, contact_email_enc: null, answer_sources: null,
      });
      events.push(
        { application_id: id, seq: 1, type: 'submitted', from_status: 'draft', to_status: 'submitted', actor_type: 'citizen', actor_id: null, data: JSON.stringify({ reference, channel }), at, step_id: null, actor_agency_id: null, message_enc: null, comment_enc: null },
        { application_id: id, seq: 2, type: 'case.opened', from_status: 'submitted', to_status: 'submitted', actor_type: 'system', actor_id: null, data: JSON.stringify({ stepId: steps[0]!.id, agencyId, dueDate: due }), at, step_id: steps[0]!.id, actor_agency_id: null, message_enc: null, comment_enc: null },
      );
      const r = rnd();
      cases.push({
        application_id: id, reference, service_id: service.id, service_version: service.version, agency_id: agencyId, queue_agency_id: agencyId,
        state: withApplicant ? 'with_applicant' : 'queued', status, step_id: step.id, step_index: stepIndex, step_role: step.role,
        assignee_id: r < 0.3 ? (officers['wong-li-hua'] ?? pick(officerIds)) : r < 0.4 ? pick(officerIds) : null,
        due_date: withApplicant ? null : due, paused_days_left: withApplicant ? 3 : null, escalated: !withApplicant && due < today && rnd() < 0.5 ? 1 : 0,
        referred_by_agency_id: null, channel, applicant_id: randomUUID(), applicant_name_enc: keys.encrypt(name, `case:${id}`), applicant_uen: null,
        submitted_at: at, step_started_at: at, updated_at: at, closed_at: null, decision: null, version: 1,
      });
      const tokens = new Set(name.toLowerCase().split(/[^a-z]+/).filter((t) => t.length >= 2));
      for (const t of tokens) terms.push({ hash: keys.blindIndex('case-name', t), application_id: id, submitted_at: at });
      terms.push({ hash: keys.blindIndex('nric', nric), application_id: id, submitted_at: at });
      if (i % Math.max(1, Math.floor(opts.count / 20)) === 0) sample.push({ id, name, nric, reference });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('applications').values(apps).execute();
      await trx.insertInto('application_events').values(events).execute();
      await trx.insertInto('cases').values(cases).execute();
      await trx.insertInto('case_search_terms').values(terms).onConflict((oc) => oc.columns(['hash', 'application_id']).doNothing()).execute();
    });
    opts.progress?.(Math.min(opts.count, start + batch));
  }
  return { officers, sample, agencyId };
}
