/**
 * Verified data in a draft: the consent step (consent module) hands over the
 * answers it got from a registry with the person's agreement; they are
 * written into the draft and locked. A locked answer is shown read-only, the
 * journey keeps it whatever a form sends, and submission re-checks it
 * against a keyed hash taken when it was filled (FormSG's pattern), so a
 * value changed by any other route is refused.
 */
import { canonicalJson } from '../../platform/crypto/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { AppContext } from '../../platform/context.ts';
import { nowIso, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { AnswerValue, Answers } from '../forms/index.ts';
import { findApplication, saveDraftAnswers, setAnswerSources, appendEvent, type AnswerSource, type Application } from './repository.ts';

export interface VerifiedFill {
  questionId: string;
  value: AnswerValue;
  item: string;
  agency: string;
  /** Myinfo source code of the item */
  origin: string;
  /** where it came from: registry | myinfo */
  provider: string;
}

const lockHash = (keys: KeyRing, applicationId: string, questionId: string, value: unknown) =>
  keys.blindIndex('prefill-lock', `${applicationId}\0${questionId}\0${canonicalJson(value)}`);

/** The locked answers of an application: question id -> value. */
export function lockedAnswers(a: Application): Record<string, AnswerValue> {
  const out: Record<string, AnswerValue> = {};
  for (const [q, s] of Object.entries(a.answerSources)) {
    const v = a.answers[q];
    if (s.hash && v !== undefined && !Array.isArray(v)) out[q] = v as AnswerValue;
  }
  return out;
}

/** Questions whose locked value no longer matches its hash. */
export function changedLockedAnswers(keys: KeyRing, a: Application, answers: Answers = a.answers): string[] {
  return Object.entries(a.answerSources).filter(([q, s]) => s.hash && s.hash !== lockHash(keys, a.id, q, answers[q] ?? null)).map(([q]) => q);
}

/** Fill and lock answers in a draft (in the caller's transaction); earlier verified answers not filled again are unlocked. */
export async function prefillDraft(ctx: AppContext, trx: Db, input: { applicationId: string; fills: VerifiedFill[]; by: { kind: string; id: string } }): Promise<void> {
  const a = await findApplication(trx, ctx.keys, input.applicationId);
  if (!a) throw new AppError('not_found', 'applications.errors.unknownApplication');
  if (a.status !== 'draft') throw new AppError('conflict', 'applications.errors.notAllowedNow');
  const now = nowIso(ctx.clock());
  const answers: Answers = { ...a.answers };
  const sources: Record<string, AnswerSource> = {};
  for (const [q, s] of Object.entries(a.answerSources)) if (!s.hash) sources[q] = s;
  for (const f of input.fills) {
    answers[f.questionId] = f.value;
    sources[f.questionId] = { source: 'verified', provider: f.provider, at: now, item: f.item, agency: f.agency, origin: f.origin, hash: lockHash(ctx.keys, a.id, f.questionId, f.value) };
  }
  if (!(await saveDraftAnswers(trx, ctx.keys, a.id, a.rev, answers, now))) throw new AppError('conflict', 'applications.errors.busy');
  await setAnswerSources(trx, a.id, sources);
  await appendEvent(trx, { applicationId: a.id, type: 'prefilled', actorType: input.by.kind, actorId: input.by.id, at: now, data: { items: input.fills.map((f) => f.item), provider: input.fills[0]?.provider ?? null } });
  await appendAudit(trx, { stream: `application:${a.id}`, action: 'application.prefilled', actorType: input.by.kind === 'officer' ? 'officer' : 'citizen', actorId: input.by.id, subjectType: 'application', subjectId: a.id, data: { questions: input.fills.map((f) => f.questionId), items: input.fills.map((f) => f.item) } });
}

/** Unlock a draft's verified answers (consent withdrawn): the values stay for the person to keep or change. */
export async function unlockDraft(ctx: AppContext, trx: Db, applicationId: string): Promise<void> {
  const a = await findApplication(trx, ctx.keys, applicationId);
  if (!a || a.status !== 'draft') return;
  const sources: Record<string, AnswerSource> = {};
  for (const [q, s] of Object.entries(a.answerSources)) sources[q] = s.hash ? { source: 'typed' } : s;
  await setAnswerSources(trx, a.id, sources);
}
