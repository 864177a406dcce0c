/**
 * An application sent whole, not page by page: by an agency system through the
 * API. The answers are validated exactly as the web journey validates them
 * (forms.validateAnswers, with the same "today"), uploaded files are checked
 * by content and size exactly as on a question page, and the application goes
 * through the same draft -> submitted transition, history entry, audit entry,
 * confirmation email and outbox job as one sent online. Runs in the caller's
 * transaction; invalid answers throw InvalidAnswers, which rolls it back
 * (stored files included).
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../platform/context.ts';
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';
import { checkUpload, FILE_KINDS, QUESTION_TYPE_IMPLS, allQuestions, sniff, todayInSingapore, validateAnswers, type AnswerError, type Answers, type FormCheck } from '../forms/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { notify } from '../notifications/index.ts';
import { newReference } from './reference.ts';
import { appendEvent, insertApplication, insertFile, referenceExists, updateApplication } from './repository.ts';
import { nextStatus } from './status.ts';
import { SUBMITTED_QUEUE } from './submit-application.ts';
import { factDefaults, recordTransactionFact } from '../kpi/index.ts';

export class InvalidAnswers extends Error {
  constructor(readonly check: FormCheck) {
    super('the answers are not valid');
    this.name = 'InvalidAnswers';
  }
}

export interface WholeApplication {
  service: ServiceVersion;
  channel: 'api' | 'counter' | 'paper';
  applicantId: string;
  actingForUen: string | null;
  contactEmail: string | null;
  lang: Lang;
  answers: Record<string, unknown>;
  /** files for file questions, by question id (their answers are built from them) */
  uploads: Record<string, { name: string; bytes: Buffer }>;
  by: { type: 'api' | 'officer'; id: string; agencyId: string };
  requestId?: string;
}

export async function createSubmittedApplication(ctx: AppContext, trx: Db, input: WholeApplication): Promise<{ id: string; reference: string }> {
  if (!trx.isTransaction) throw new Error('createSubmittedApplication runs inside the caller\'s transaction');
  const { service } = input;
  const now = nowIso(ctx.clock());
  const id = newId();
  await insertApplication(trx, ctx.keys, {
    id, serviceId: service.id, serviceVersion: service.version, agencyId: service.definition.agency, applicantId: input.applicantId,
    actingForUen: input.actingForUen, channel: input.channel, status: 'draft', answers: {}, lang: input.lang, contactEmail: input.contactEmail,
  }, now);
  await appendEvent(trx, { applicationId: id, type: 'started', to: 'draft', actorType: input.by.type, actorId: input.by.id, actorAgencyId: input.by.agencyId, at: now, data: { version: service.version, channel: input.channel } });

  // files first: a file question's answer is the stored file
  const answers: Answers = { ...(input.answers as Answers) };
  const uploadErrors: AnswerError[] = [];
  for (const { page, question: q } of allQuestions(service.definition.form)) {
    if (q.type !== 'file') continue;
    delete answers[q.id]; // only an upload can answer a file question
    const f = input.uploads[q.id];
    if (!f) continue;
    const check = checkUpload(q, { size: f.bytes.length, bytes: f.bytes });
    if ('error' in check) {
      uploadErrors.push({ ...check.error, focus: q.id, pageId: page.id, questionId: q.id, name: q.errorName, defaultName: QUESTION_TYPE_IMPLS.file.defaultName });
      continue;
    }
    const name = (f.name || `upload.${check.kind}`).replace(/[\\/\u0000-\u001f]/g, '_').slice(0, 200);
    const type = FILE_KINDS[sniff(f.bytes)!].mime;
    const fileId = await insertFile(trx, ctx.keys, {
      applicationId: id, questionId: q.id, name, type, size: f.bytes.length, sha256: createHash('sha256').update(f.bytes).digest('hex'), content: f.bytes, uploadedBy: input.by.id,
    });
    answers[q.id] = { fileId, name, size: f.bytes.length, type };
  }
  const check = validateAnswers(service.definition.form, answers, { today: todayInSingapore(ctx.clock()) });
  const errors = [...uploadErrors, ...check.errors.filter((e) => !uploadErrors.some((u) => u.questionId === e.questionId))];
  if (errors.length || check.countErrors.length) throw new InvalidAnswers({ ...check, errors });

  let reference = newReference();
  while (await referenceExists(trx, reference)) reference = newReference();
  const to = nextStatus('draft', 'submit');
  if (!(await updateApplication(trx, ctx.keys, id, 0, { status: to, reference, answers: check.answers, submittedAt: now }, now))) throw new Error('a new application changed under its creator');
  await appendEvent(trx, { applicationId: id, type: 'submitted', from: 'draft', to, actorType: input.by.type, actorId: input.by.id, actorAgencyId: input.by.agencyId, at: now, data: { reference, channel: input.channel } });
  await appendAudit(trx, {
    stream: `application:${id}`, action: 'application.submitted', actorType: input.by.type, actorId: input.by.id, onBehalfOf: input.applicantId,
    agencyId: service.definition.agency, subjectType: 'application', subjectId: id, requestId: input.requestId,
    data: { reference, service: service.id, version: service.version, channel: input.channel },
  });
  await recordTransactionFact(trx, id, {
    agencyId: service.definition.agency, serviceId: service.id, channel: input.channel, audience: input.actingForUen ? 'business' : 'citizen',
    ...factDefaults(service.definition), startedAt: now, submittedAt: now,
  });
  await enqueue(trx, SUBMITTED_QUEUE, { applicationId: id }, { dedupeKey: `${SUBMITTED_QUEUE}:${id}` });
  await notify(trx, { event: 'submitted', applicationId: id });
  return { id, reference };
}
