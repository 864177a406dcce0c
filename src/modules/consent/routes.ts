/**
 * Pages: the consent step of an application (which items, from which source
 * and agency, for which purpose; agree or type the answers), Myinfo's return,
 * and the account page listing consents with a way to withdraw each.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors/index.ts';
import { verifyCsrf, type App } from '../../platform/http/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { loadOwnApplication, unlockDraft, type AfterStart } from '../applications/index.ts';
import { MyinfoClient } from '../registry/index.ts';
import { agreeToPrefill, completeMyinfoConsent, declinePrefill, planPrefill, startMyinfoConsent } from './prefill.ts';
import { findConsent, listConsents, settleConsent, withdrawConsent } from './repository.ts';

const V = (name: string) => `modules/consent/views/${name}.njk`;

export interface ConsentLabels { agencyName: (id: string, lang: Lang) => string; itemLabel: (item: string, lang: Lang) => string }

/** The applications journey's hook: a service that prefills goes to its consent page first (when the person has verified data). */
export function consentStep(ctx: AppContext): AfterStart {
  return async (request, application, service) => (await planPrefill(ctx, service, request.principal!)) ? `/applications/${application.id}/consent` : null;
}

export function registerConsentRoutes(app: App, ctx: AppContext, catalogue: Catalogue, labels: ConsentLabels): void {
  const myinfo = ctx.config.myinfo ? new MyinfoClient(ctx.config.myinfo) : null;
  const callback = `${ctx.config.baseUrl}/myinfo/callback`;

  async function consentPage(request: FastifyRequest, reply: any, a: { id: string }, service: ServiceVersion, error?: string) {
    const plan = await planPrefill(ctx, service, request.principal!);
    if (!plan) return reply.redirect(`/applications/${a.id}`, 303);
    const lang = request.lang;
    const questions = new Map(service.definition.form.pages.flatMap((p) => p.questions).map((q) => [q.id, q]));
    return reply.page(V('consent'), {
      title: request.t('consent.page.title'), serviceTitle: localize(service.definition.title, lang), backHref: `/services/${service.id}`,
      purpose: localize(plan.purpose, lang), provider: plan.provider, action: `/applications/${a.id}/consent`,
      rows: plan.items.map((i) => ({
        item: i.item, label: labels.itemLabel(i.item, lang), question: localize(questions.get(i.questionId)?.label ?? i.questionId, lang),
        source: plan.provider === 'myinfo' ? request.t('consent.page.fromMyinfo') : i.available ? request.t(`registry.sources.${i.source ?? '1'}`) : request.t('consent.page.unavailable'),
        agency: labels.agencyName(i.agency, lang), available: i.available,
      })),
      anyUnavailable: plan.items.some((i) => !i.available),
      errors: error ? [{ text: error, href: '#decision' }] : [], error,
    }, error ? 422 : undefined);
  }

  app.get('/applications/:id/consent', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await loadOwnApplication(ctx, catalogue, request.principal!, (request.params as { id: string }).id);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}`);
    return consentPage(request, reply, a, service);
  });

  app.post('/applications/:id/consent', { config: { access: 'signedIn', csrf: 'handler' } }, async (request, reply) => {
    const { app: a, service } = await loadOwnApplication(ctx, catalogue, request.principal!, (request.params as { id: string }).id);
    if (a.status !== 'draft') return reply.redirect(`/applications/${a.id}`, 303);
    const body = (request.body ?? {}) as Record<string, unknown>;
    try { verifyCsrf(request, body._csrf); } catch { return consentPage(request, reply, a, service, request.t('applications.errors.formExpired')); }
    const decision = body.decision;
    if (decision !== 'agree' && decision !== 'decline') return consentPage(request, reply, a, service, request.t('consent.page.errorChoose'));
    const plan = await planPrefill(ctx, service, request.principal!);
    if (!plan) return reply.redirect(`/applications/${a.id}`, 303);
    if (decision === 'decline') {
      await declinePrefill(ctx, { app: a, service, principal: request.principal! });
      return reply.redirect(`/applications/${a.id}`, 303);
    }
    if (plan.provider === 'myinfo' && myinfo) {
      const state = await startMyinfoConsent(ctx, { app: a, service, principal: request.principal! });
      return reply.redirect(myinfo.authoriseUrl({ attributes: plan.items.map((i) => i.item), purpose: localize(plan.purpose, 'en'), state, redirectUri: callback }), 303);
    }
    await agreeToPrefill(ctx, { app: a, service, principal: request.principal! });
    return reply.redirect(`/applications/${a.id}`, 303);
  });

  app.get('/myinfo/callback', { config: { access: 'signedIn' } }, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const consent = q.state ? await findConsent(ctx.db, q.state) : undefined;
    if (!consent || consent.accountId !== request.principal!.id || consent.decision !== 'pending' || !consent.applicationId || !myinfo) throw notFound('consent.errors.unknownConsent');
    const { app: a, service } = await loadOwnApplication(ctx, catalogue, request.principal!, consent.applicationId);
    if (!q.code) {
      // the person said no on Myinfo's page (or it failed): they type the answers
      await settleConsent(ctx.db, consent.id, 'declined', consent.items, ctx.clock());
      return reply.redirect(`/applications/${a.id}`, 303);
    }
    const person = await myinfo.fetchPerson({ code: q.code, redirectUri: callback, attributes: consent.items });
    await completeMyinfoConsent(ctx, { app: a, service, principal: request.principal!, consentId: consent.id, person });
    return reply.redirect(`/applications/${a.id}`, 303);
  });

  app.get('/account/consents', { config: { access: 'signedIn' } }, async (request, reply) => {
    const lang = request.lang;
    const rows = (await listConsents(ctx.db, request.principal!.id)).map((c) => {
      const s = catalogue.get(c.serviceId);
      return {
        id: c.id, service: s ? localize(s.definition.title, lang) : c.serviceId, agency: labels.agencyName(c.agencyId, lang), purpose: localize(c.purpose, lang),
        items: c.items.map((i) => labels.itemLabel(i, lang)).join(', '), at: c.createdAt, decision: c.decision, withdrawnAt: c.withdrawnAt,
        provider: request.t(`consent.provider.${c.provider}`), canWithdraw: c.decision === 'agreed' && !c.withdrawnAt,
      };
    });
    return reply.page(V('consents'), { title: request.t('consent.list.title'), rows, backHref: '/account', withdrawn: (request.query as Record<string, string>).withdrawn === '1' });
  });

  app.post('/account/consents/:id/withdraw', { config: { access: 'signedIn' } }, async (request, reply) => {
    const c = await findConsent(ctx.db, (request.params as { id: string }).id);
    if (!c || c.accountId !== request.principal!.id) throw notFound('consent.errors.unknownConsent');
    if (c.decision !== 'agreed' || c.withdrawnAt) throw new AppError('conflict', 'consent.errors.notWithdrawable');
    await ctx.db.transaction().execute(async (trx) => {
      await withdrawConsent(trx, c.id, ctx.clock());
      // a draft filled under this consent: its answers stay, unlocked, for the person to keep or change
      if (c.applicationId) await unlockDraft(ctx, trx, c.applicationId);
      await appendAudit(trx, { stream: `account:${c.accountId}`, action: 'consent.withdrawn', actorType: 'citizen', actorId: c.accountId, agencyId: c.agencyId, subjectType: 'consent', subjectId: c.id, data: { service: c.serviceId } });
    });
    return reply.redirect('/account/consents?withdrawn=1', 303);
  });
}
