/**
 * The survey's page (/applications/:id/feedback) and the panel that puts the
 * question on the confirmation page and on the application's own page once it
 * is decided; "My applications" links to it. Works without JavaScript.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { formErrors, type App } from '../../platform/http/index.ts';
import { isAppError, notFound } from '../../platform/errors/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import { loadOwnApplication, type Application, type ApplicationPanel } from '../applications/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import { answerSurvey, checkAnswer, findAnswer, mayAnswer, MAX_COMMENT, RATINGS, recentComments } from './answer-survey.ts';

const V = (name: string) => `modules/satisfaction/views/${name}.njk`;

function ratingItems(request: FastifyRequest, checked?: unknown) {
  return [...RATINGS].reverse().map((r) => ({ value: String(r), text: `${r} – ${request.t(`satisfaction.scale.${r}`)}`, checked: String(checked ?? '') === String(r) }));
}

export function registerSatisfactionRoutes(app: App, ctx: AppContext, catalogue: Catalogue): void {
  async function load(request: FastifyRequest) {
    const { app: a, service } = await loadOwnApplication(ctx, catalogue, request.principal!, (request.params as { id: string }).id);
    if (!mayAnswer(request.principal!, a)) throw notFound('applications.errors.unknownApplication');
    return { a, title: localize(service.definition.title, request.lang) };
  }

  async function page(request: FastifyRequest, reply: FastifyReply, a: Application, serviceTitle: string, extra: Record<string, unknown> = {}, status?: number) {
    const answer = await findAnswer(ctx.db, ctx, a.id);
    return reply.page(V('feedback'), {
      title: request.t('satisfaction.title'), serviceTitle, applicationId: a.id, answer, ratings: ratingItems(request, (extra.form as Record<string, unknown> | undefined)?.rating),
      maxComment: MAX_COMMENT, form: {}, backHref: `/applications/${a.id}`, ...extra,
    }, status);
  }

  app.get('/applications/:id/feedback', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a, title } = await load(request);
    return page(request, reply, a, title);
  });

  app.post('/applications/:id/feedback', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { a, title } = await load(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const checked = checkAnswer(body);
    if (checked.errors.length) return page(request, reply, a, title, { form: body, ...formErrors(request, checked.errors) }, 422);
    try {
      await answerSurvey(ctx, { application: a, principal: request.principal!, rating: checked.rating!, comment: checked.comment, lang: request.lang, requestId: request.id });
    } catch (e) {
      // answered already (another tab, a double click): the first answer stands, and the thank-you page says so
      if (!isAppError(e) || e.message !== 'satisfaction.errors.alreadyAnswered') throw e;
    }
    return reply.redirect(`/applications/${a.id}/feedback`, 303);
  });

  // leadership: what applicants of the officer's agency said, newest first (no names; comments are never published)
  app.get('/kpi/comments', { config: { access: { roles: ['kpi_viewer', 'agency_admin'] } } }, async (request, reply) => {
    const agencyId = request.principal!.agencyId ?? '';
    const comments = (await recentComments(ctx, { agencyId, limit: 50 })).map((c) => ({
      ...c, service: localize(catalogue.get(c.serviceId)?.definition.title ?? { en: c.serviceId }, request.lang),
      ratingText: `${c.rating} – ${request.t(`satisfaction.scale.${c.rating}`)}`, audienceText: request.t(`satisfaction.audience.${c.audience}`),
    }));
    return reply.page(V('comments'), {
      title: request.t('satisfaction.comments.title'), agency: localize(catalogue.agency(agencyId)?.name ?? { en: agencyId }, request.lang), comments, backHref: '/kpi',
    });
  });
}

/** The question, inline, for the confirmation page and the application's page (null when it does not apply). */
export function surveyPanel(ctx: AppContext, opts: { decidedOnly: boolean }): ApplicationPanel {
  return async (request, a) => {
    if (!request.principal || !mayAnswer(request.principal, a)) return null;
    if (opts.decidedOnly && a.status !== 'approved' && a.status !== 'rejected') return null;
    const answer = await findAnswer(ctx.db, ctx, a.id);
    const t = (k: string, p?: Record<string, string | number>) => ctx.messages.t(request.lang, k, p);
    return request.renderPage(V('panel'), { t, answer, applicationId: a.id, ratings: ratingItems(request), maxComment: MAX_COMMENT });
  };
}

/** For "My applications": a link to the question on each decided application not yet rated. */
export function surveyLinks(ctx: AppContext) {
  return async (request: FastifyRequest, rows: { id: string; status: string }[]): Promise<Record<string, { href: string; text: string }>> => {
    const decided = rows.filter((r) => r.status === 'approved' || r.status === 'rejected').map((r) => r.id);
    if (!decided.length || request.principal?.kind === 'officer') return {};
    const answered = new Set((await ctx.db.selectFrom('satisfaction_answers').select('application_id').where('application_id', 'in', decided).execute()).map((r: any) => r.application_id as string));
    return Object.fromEntries(decided.filter((id) => !answered.has(id)).map((id) => [id, { href: `/applications/${id}/feedback`, text: request.t('satisfaction.rateLink') }]));
  };
}
