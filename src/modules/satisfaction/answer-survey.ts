/**
 * The Blueprint's satisfaction question, asked after each completed
 * transaction: a rating from 1 (extremely dissatisfied) to 6 (extremely
 * satisfied) and an optional comment, once per application. Citizens' and
 * businesses' answers are kept apart (the audience is stored with the answer).
 * The answer, its audit entry and the scorecard's fact commit together.
 */
import type { AppContext } from '../../platform/context.ts';
import { inTransaction, nowIso, type Db } from '../../platform/db/index.ts';
import { AppError, type FieldError } from '../../platform/errors/index.ts';
import type { Principal } from '../../platform/http/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { businessOwner, type Application } from '../applications/index.ts';
import { recordTransactionFact } from '../kpi/index.ts';

export const RATINGS = [1, 2, 3, 4, 5, 6] as const;
export const MAX_COMMENT = 1200;
/** Statuses after which the applicant is asked: sent (the confirmation page) and decided (My applications). */
export const SURVEY_STATUSES: readonly string[] = ['submitted', 'in_review', 'info_requested', 'approved', 'rejected'];

export const audienceOf = (a: Pick<Application, 'actingForUen' | 'applicantId'>): 'citizen' | 'business' =>
  a.actingForUen || a.applicantId.startsWith(businessOwner('')) ? 'business' : 'citizen';

/** May this person be asked about this application now? (the applicant's side only, once it is sent) */
export function mayAnswer(principal: Principal, a: Application): boolean {
  return principal.kind !== 'officer' && SURVEY_STATUSES.includes(a.status);
}

export interface SurveyAnswer { rating: number; comment: string | null; answeredAt: string; audience: 'citizen' | 'business' }

export async function findAnswer(db: Db, ctx: AppContext, applicationId: string): Promise<SurveyAnswer | undefined> {
  const r: any = await db.selectFrom('satisfaction_answers').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
  if (!r) return undefined;
  return { rating: Number(r.rating), comment: r.comment_enc ? ctx.keys.decrypt(r.comment_enc, `satisfaction:${applicationId}`) : null, answeredAt: r.answered_at, audience: r.audience };
}

/** Check the form: a rating is needed; the comment is optional and at most MAX_COMMENT characters. */
export function checkAnswer(body: Record<string, unknown>): { rating?: number; comment: string | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const rating = Number(typeof body.rating === 'string' ? body.rating : NaN);
  if (!RATINGS.includes(rating as never)) errors.push({ field: 'rating', message: 'satisfaction.errors.rating' });
  const comment = typeof body.comment === 'string' ? body.comment.replace(/\r\n/g, '\n').trim() : '';
  if (comment.length > MAX_COMMENT) errors.push({ field: 'comment', message: 'satisfaction.errors.commentTooLong', params: { max: MAX_COMMENT } });
  return { rating: errors.some((e) => e.field === 'rating') ? undefined : rating, comment: comment || null, errors };
}

/** Record the answer; a second answer for the same application is refused (the first stands). */
export async function answerSurvey(ctx: AppContext, input: { application: Application; principal: Principal; rating: number; comment: string | null; lang: string; requestId?: string }): Promise<void> {
  const a = input.application;
  if (!mayAnswer(input.principal, a)) throw new AppError('conflict', 'satisfaction.errors.notYet');
  const audience = audienceOf(a);
  const now = nowIso(ctx.clock());
  await inTransaction(ctx.db, async (trx) => {
    const r = await trx.insertInto('satisfaction_answers').values({
      application_id: a.id, agency_id: a.agencyId, service_id: a.serviceId, audience, rating: input.rating,
      comment_enc: input.comment ? ctx.keys.encrypt(input.comment, `satisfaction:${a.id}`) : null, lang: input.lang, answered_by: input.principal.id, answered_at: now,
    }).onConflict((oc) => oc.column('application_id').doNothing()).executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) throw new AppError('conflict', 'satisfaction.errors.alreadyAnswered');
    await recordTransactionFact(trx, a.id, { agencyId: a.agencyId, serviceId: a.serviceId, channel: a.channel, audience, rating: input.rating, ratedAt: now });
    await appendAudit(trx, {
      stream: `application:${a.id}`, action: 'satisfaction.answered', actorType: 'citizen', actorId: input.principal.id,
      onBehalfOf: a.actingForUen, agencyId: a.agencyId, subjectType: 'application', subjectId: a.id, requestId: input.requestId, data: { rating: input.rating, audience, comment: !!input.comment },
    });
  });
}

/** Recent comments for an agency's leadership (decrypted; no names). */
export async function recentComments(ctx: AppContext, opts: { agencyId?: string; limit?: number } = {}): Promise<{ serviceId: string; audience: string; rating: number; comment: string; answeredAt: string }[]> {
  let q = ctx.db.selectFrom('satisfaction_answers').selectAll().where('comment_enc', 'is not', null);
  if (opts.agencyId) q = q.where('agency_id', '=', opts.agencyId);
  const rows = await q.orderBy('answered_at', 'desc').limit(opts.limit ?? 10).execute();
  return rows.map((r: any) => ({ serviceId: r.service_id, audience: r.audience, rating: Number(r.rating), comment: ctx.keys.decrypt(r.comment_enc, `satisfaction:${r.application_id}`), answeredAt: r.answered_at }));
}
