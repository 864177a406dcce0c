/**
 * The application journey (GOV.UK patterns): start, one page at a time with
 * back links and server-side validation, "add another" pages, check your
 * answers with change links, declaration, submit, confirmation, and
 * "My applications" to resume on any device. Everything works without JavaScript.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { AppError, isAppError, notFound } from '../../platform/errors/index.ts';
import { applyRefusal, verifyCsrf, type App } from '../../platform/http/index.ts';
import { localize } from '../../platform/i18n/index.ts';
import {
  applyPage, findPage, firstIncompletePage, itemsOf, pageAfter, pageBefore, renderPage, summarize, todayInSingapore, translator,
  validatePageForm, visiblePages, errorMessage, type AnswerError, type Answers, type FormBody, type Page,
} from '../forms/index.ts';
import type { Catalogue, ServiceVersion } from '../catalogue/index.ts';
import { loadOwnApplication, requireDraft } from './load-application.ts';
import { readPageSubmission } from './read-form.ts';
import { formatReference } from './reference.ts';
import { findFile, listForApplicant, listHistory, type Application } from './repository.ts';
import { updateDraft } from './save-answers.ts';
import { lockedAnswers } from './prefill-draft.ts';
import { startApplication } from './start-application.ts';
import { STATUS_TAG } from './status.ts';
import { submitApplication } from './submit-application.ts';

const V = (name: string) => `modules/applications/views/${name}.njk`;
const capitalise = (s: string) => s.charAt(0).toLocaleUpperCase() + s.slice(1);
type Params = { id: string; pageId: string; index: string };

/**
 * Where a new application goes before its first page (the consent module's
 * prefill step, when the service prefills from verified data); null: straight in.
 */
export type AfterStart = (request: FastifyRequest, application: { id: string; firstPageId: string }, service: ServiceVersion) => Promise<string | null>;

/** Extra content other modules add to an application's page (e.g. issued documents), as HTML. */
export type ApplicationPanel = (request: FastifyRequest, application: Application) => Promise<string | null>;

/** A step between check answers and submission that another module provides (payments: the fee). */
export interface SubmitStep {
  needed(application: Application, service: ServiceVersion): Promise<boolean>;
  url(applicationId: string): string;
}

/** Links other modules add to rows of "My applications" (e.g. the satisfaction survey), by application id. */
export type ApplicationLinks = (request: FastifyRequest, rows: { id: string; status: string }[]) => Promise<Record<string, { href: string; text: string }>>;

export function registerApplicationRoutes(app: App, ctx: AppContext, catalogue: Catalogue, opts: { panels?: ApplicationPanel[]; confirmationPanels?: ApplicationPanel[]; mineLinks?: ApplicationLinks; payment?: SubmitStep; afterStart?: AfterStart } = {}): void {
  const tr = (request: FastifyRequest) => translator(request.lang, (l, k, p) => ctx.messages.t(l, k, p));
  const vctx = () => ({ today: todayInSingapore(ctx.clock()) });
  const base = (a: Application) => `/applications/${a.id}`;
  const pageUrl = (a: Application, page: Page, returnTo?: string) => `${base(a)}/pages/${page.id}${returnTo === 'check' ? '?returnTo=check' : ''}`;
  const itemUrl = (a: Application, page: Page, i: number, returnTo?: string) => `${base(a)}/pages/${page.id}/items/${i}${returnTo === 'check' ? '?returnTo=check' : ''}`;
  const returnToOf = (request: FastifyRequest) => ((request.query as Record<string, string>).returnTo === 'check' ? 'check' : undefined);

  async function load(request: FastifyRequest) {
    const { id } = request.params as Params;
    return loadOwnApplication(ctx, catalogue, request.principal!, id);
  }
  function pageOf(service: ServiceVersion, pageId: string): Page {
    const page = findPage(service.definition.form, pageId);
    if (!page) throw notFound('applications.errors.unknownPage');
    return page;
  }
  function itemIndex(request: FastifyRequest, page: Page, answers: Answers): number {
    const raw = (request.params as Params).index;
    const i = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    const count = itemsOf(answers, page).length;
    if (!page.repeat || Number.isNaN(i) || i > count || i >= page.repeat.max) throw notFound('applications.errors.unknownItem');
    return i;
  }
  /** Where "Back" goes from a page. */
  function backFrom(a: Application, service: ServiceVersion, page: Page, returnTo?: string): string {
    if (returnTo === 'check') return `${base(a)}/check`;
    const before = pageBefore(service.definition.form, a.answers, page.id);
    return before ? pageUrl(a, before) : `/services/${service.id}`;
  }
  /** Where to go after a page is saved. */
  function afterSave(a: Application, service: ServiceVersion, answers: Answers, page: Page, returnTo?: string): string {
    const form = service.definition.form;
    if (returnTo === 'check') {
      // a changed answer may bring new questions: ask them before going back to the check page
      const incomplete = firstIncompletePage(form, answers, vctx());
      const order = (id: string) => form.pages.findIndex((p) => p.id === id);
      if (incomplete && order(incomplete.pageId) > order(page.id)) return pageUrl(a, findPage(form, incomplete.pageId)!, 'check');
      return `${base(a)}/check`;
    }
    const next = pageAfter(form, answers, page.id);
    return next ? pageUrl(a, next) : `${base(a)}/check`;
  }

  function questionPage(request: FastifyRequest, reply: FastifyReply, o: { a: Application; service: ServiceVersion; page: Page; item?: number; raw?: FormBody; errors?: AnswerError[]; returnTo?: string; extraErrors?: { text: string; href: string }[] }) {
    const t = tr(request);
    const locked = o.page.repeat ? {} : lockedAnswers(o.a);
    const rendered = renderPage(o.page, { answers: o.a.answers, item: o.item, raw: o.raw, errors: o.errors, tr: t, locked });
    for (const q of rendered.questions) {
      const src = locked[q.id] !== undefined ? o.a.answerSources[q.id] : undefined;
      if (src) (q as unknown as Record<string, unknown>).verified = { provider: src.provider, origin: src.origin, agency: src.agency };
    }
    const single = rendered.questions.length === 1 && !rendered.questions[0]!.conditional && !o.page.description;
    const heading = o.page.repeat
      ? `${capitalise(localize(o.page.repeat.itemName, request.lang))} ${(o.item ?? 0) + 1}`
      : localize(o.page.title, request.lang);
    const singleLabel = single ? (o.page.questions.find((q) => q.id === rendered.questions[0]!.id)?.label) : undefined;
    const errorList = [...(o.extraErrors ?? []), ...rendered.errorList];
    const action = o.page.repeat ? itemUrl(o.a, o.page, o.item ?? 0, o.returnTo) : pageUrl(o.a, o.page, o.returnTo);
    return reply.page(V('question'), {
      title: singleLabel ? localize(singleLabel, request.lang) : heading,
      heading: single ? null : heading,
      description: o.page.description ? localize(o.page.description, request.lang) : null,
      serviceTitle: localize(o.service.definition.title, request.lang),
      questions: rendered.questions, errors: errorList,
      action, multipart: o.page.questions.some((q) => q.type === 'file'),
      backHref: o.page.repeat ? pageUrl(o.a, o.page, o.returnTo) : backFrom(o.a, o.service, o.page, o.returnTo),
      applicationId: o.a.id,
    }, errorList.length ? 422 : undefined);
  }

  function repeatSummaryPage(request: FastifyRequest, reply: FastifyReply, o: { a: Application; service: ServiceVersion; page: Page; returnTo?: string; error?: string }) {
    const t = tr(request);
    const items = itemsOf(o.a.answers, o.page);
    const repeat = o.page.repeat!;
    const sections = summarize({ pages: [o.page] }, o.a.answers, t)[0];
    return reply.page(V('add-another'), {
      title: t.t('applications.addAnother.title', { count: items.length, items: localize(items.length === 1 ? repeat.itemName : repeat.itemNamePlural, request.lang) }),
      serviceTitle: localize(o.service.definition.title, request.lang),
      pageTitle: localize(o.page.title, request.lang),
      items: (sections?.items ?? []).map((it) => ({ ...it, changeHref: itemUrl(o.a, o.page, it.index, o.returnTo), removeAction: `${itemUrl(o.a, o.page, it.index)}/remove` })),
      canAddMore: items.length < repeat.max,
      itemName: localize(repeat.itemName, request.lang),
      action: pageUrl(o.a, o.page, o.returnTo),
      errors: o.error ? [{ text: o.error, href: '#addAnother' }] : [],
      error: o.error,
      backHref: backFrom(o.a, o.service, o.page, o.returnTo),
    }, o.error ? 422 : undefined);
  }

  // ---- start and resume -------------------------------------------------

  app.get('/services/:serviceId/apply', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { serviceId } = request.params as { serviceId: string };
    const service = catalogue.get(serviceId);
    if (!service) throw notFound('catalogue.errors.unknownService');
    const refusal = applyRefusal(request.principal!, service.definition.audience);
    if (refusal) throw new AppError('forbidden', refusal);
    const drafts = (await listForApplicant(ctx.db, request.principal!.id, { uen: request.principal!.actingFor?.uen ?? null })).filter((a) => a.serviceId === serviceId && a.status === 'draft');
    return reply.page(V('start'), {
      title: localize(service.definition.title, request.lang), service: service.definition, drafts, backHref: `/services/${serviceId}`,
    });
  });

  app.post('/services/:serviceId/applications', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { serviceId } = request.params as { serviceId: string };
    const { id, firstPageId } = await startApplication(ctx, catalogue, { serviceId, applicant: request.principal!, lang: request.lang, requestId: request.id });
    const next = opts.afterStart ? await opts.afterStart(request, { id, firstPageId }, catalogue.get(serviceId)!) : null;
    return reply.redirect(next ?? `/applications/${id}/pages/${firstPageId}`, 303);
  });

  app.get('/applications/:id', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (a.status === 'draft') {
      const next = firstIncompletePage(service.definition.form, a.answers, vctx());
      if (!next) return reply.redirect(`${base(a)}/check`);
      const page = findPage(service.definition.form, next.pageId)!;
      return reply.redirect(pageUrl(a, page));
    }
    const t = tr(request);
    // the applicant's view of the history: status changes and the messages meant for them
    const events = (await listHistory(ctx.db, ctx.keys, a.id, { withComments: false }))
      .filter((e) => e.type === 'started' || e.to !== e.from || e.message)
      .map((e) => ({ ...e, label: ctx.messages.has(`applications.events.${e.type}`) ? request.t(`applications.events.${e.type}`) : request.t(`applications.status.${e.to}`) }));
    const request_ = [...events].reverse().find((e) => e.type === 'case.information_requested');
    const decision = [...events].reverse().find((e) => e.type === 'case.approved' || e.type === 'case.rejected');
    const panels = (await Promise.all((opts.panels ?? []).map((panel) => panel(request, a)))).filter((h): h is string => !!h);
    return reply.page(V('view'), {
      panels,
      title: localize(service.definition.title, request.lang), application: a, reference: a.reference ? formatReference(a.reference) : null,
      statusTag: STATUS_TAG[a.status], sections: summarize(service.definition.form, a.answers, t), events, backHref: '/my-applications',
      informationRequest: a.status === 'info_requested' ? request_ : null, decision: a.status === 'approved' || a.status === 'rejected' ? decision : null,
      answered: (request.query as Record<string, string>).answered === '1',
    });
  });

  // ---- question pages ---------------------------------------------------

  app.get('/applications/:id/pages/:pageId', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (a.status !== 'draft') return reply.redirect(base(a));
    const page = pageOf(service, (request.params as Params).pageId);
    const returnTo = returnToOf(request);
    if (page.repeat) {
      if (itemsOf(a.answers, page).length === 0) return reply.redirect(itemUrl(a, page, 0, returnTo));
      return repeatSummaryPage(request, reply, { a, service, page, returnTo });
    }
    return questionPage(request, reply, { a, service, page, returnTo });
  });

  app.post('/applications/:id/pages/:pageId', { config: { access: 'signedIn', csrf: 'handler' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    requireDraft(a);
    const page = pageOf(service, (request.params as Params).pageId);
    const returnTo = returnToOf(request);
    const { body, uploadErrors } = await readPageSubmission(ctx, request, a, page);
    try {
      verifyCsrf(request, body._csrf);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const text = request.t('applications.errors.formExpired');
      if (page.repeat) return repeatSummaryPage(request, reply, { a, service, page, returnTo, error: text });
      return questionPage(request, reply, { a, service, page, raw: body, returnTo, extraErrors: [{ text, href: '#main-content' }] });
    }
    if (page.repeat) {
      // the "add another?" question
      const items = itemsOf(a.answers, page);
      const choice = body.addAnother;
      if (items.length < page.repeat.max && choice === 'yes') return reply.redirect(itemUrl(a, page, items.length, returnTo), 303);
      if (items.length < page.repeat.max && choice !== 'no') return repeatSummaryPage(request, reply, { a, service, page, returnTo, error: request.t('applications.addAnother.errorChoose', { item: localize(page.repeat.itemName, request.lang) }) });
      const min = page.repeat.min ?? 1;
      if (items.length < min) return repeatSummaryPage(request, reply, { a, service, page, returnTo, error: request.t('applications.addAnother.errorMin', { min, items: localize(page.repeat.itemNamePlural, request.lang) }) });
      return reply.redirect(afterSave(a, service, a.answers, page, returnTo), 303);
    }
    const { values, errors } = validatePageForm(page, a.answers, body, vctx(), { locked: lockedAnswers(a) });
    const allErrors = [...uploadErrors, ...errors.filter((e) => !uploadErrors.some((u) => u.questionId === e.questionId))];
    if (allErrors.length) return questionPage(request, reply, { a, service, page, raw: body, errors: allErrors, returnTo });
    const answers = await updateDraft(ctx, a, (current) => applyPage(current, page, values));
    return reply.redirect(afterSave(a, service, answers, page, returnTo), 303);
  });

  app.get('/applications/:id/pages/:pageId/items/:index', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (a.status !== 'draft') return reply.redirect(base(a));
    const page = pageOf(service, (request.params as Params).pageId);
    const item = itemIndex(request, page, a.answers);
    return questionPage(request, reply, { a, service, page, item, returnTo: returnToOf(request) });
  });

  app.post('/applications/:id/pages/:pageId/items/:index', { config: { access: 'signedIn', csrf: 'handler' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    requireDraft(a);
    const page = pageOf(service, (request.params as Params).pageId);
    const item = itemIndex(request, page, a.answers);
    const returnTo = returnToOf(request);
    const body = (request.body ?? {}) as FormBody;
    try {
      verifyCsrf(request, body._csrf);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return questionPage(request, reply, { a, service, page, item, raw: body, returnTo, extraErrors: [{ text: request.t('applications.errors.formExpired'), href: '#main-content' }] });
    }
    const { values, errors } = validatePageForm(page, a.answers, body, vctx(), { item });
    if (errors.length) return questionPage(request, reply, { a, service, page, item, raw: body, errors, returnTo });
    await updateDraft(ctx, a, (current) => applyPage(current, page, values, Math.min(item, itemsOf(current, page).length)));
    return reply.redirect(pageUrl(a, page, returnTo), 303);
  });

  app.post('/applications/:id/pages/:pageId/items/:index/remove', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    requireDraft(a);
    const page = pageOf(service, (request.params as Params).pageId);
    const item = itemIndex(request, page, a.answers);
    const answers = await updateDraft(ctx, a, (current) => {
      const items = itemsOf(current, page).filter((_, i) => i !== item);
      return { ...current, [page.id]: items };
    });
    if (itemsOf(answers, page).length === 0) return reply.redirect(itemUrl(a, page, 0), 303);
    return reply.redirect(pageUrl(a, page), 303);
  });

  // ---- check, submit, confirmation ----------------------------------------

  const checkPage = async (request: FastifyRequest, reply: FastifyReply, a: Application, service: ServiceVersion, errors: { text: string; href: string }[] = []) => {
    const t = tr(request);
    const form = service.definition.form;
    const locked = lockedAnswers(a);
    const sections = summarize(form, a.answers, t).map((s) => {
      const page = findPage(form, s.pageId)!;
      return {
        ...s,
        rows: s.rows.map((r) => ({ ...r, verified: locked[r.questionId] !== undefined ? a.answerSources[r.questionId] : undefined })),
        changeHref: pageUrl(a, page, 'check'),
        items: s.items?.map((it) => ({ ...it, changeHref: itemUrl(a, page, it.index, 'check') })),
      };
    });
    const last = visiblePages(form, a.answers).at(-1);
    return reply.page(V('check'), {
      title: request.t('applications.check.title'), serviceTitle: localize(service.definition.title, request.lang), sections, errors,
      declaration: service.definition.declaration ? localize(service.definition.declaration, request.lang) : request.t('applications.check.defaultDeclaration'),
      action: `${base(a)}/submit`, backHref: last ? pageUrl(a, last) : `/services/${service.id}`, signatureRequired: service.definition.signatureRequired,
      payNext: !service.definition.signatureRequired && !!opts.payment && await opts.payment.needed(a, service),
    }, errors.length ? 422 : undefined);
  };

  app.get('/applications/:id/check', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (a.status !== 'draft') return reply.redirect(base(a));
    const incomplete = firstIncompletePage(service.definition.form, a.answers, vctx());
    if (incomplete) {
      const page = findPage(service.definition.form, incomplete.pageId)!;
      return reply.redirect(pageUrl(a, page));
    }
    return checkPage(request, reply, a, service);
  });

  app.post('/applications/:id/submit', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (a.status !== 'draft' && a.reference) return reply.redirect(`${base(a)}/confirmation`, 303);
    const body = (request.body ?? {}) as FormBody;
    if (body.declaration !== 'yes') return checkPage(request, reply, a, service, [{ text: request.t('applications.check.errorDeclaration'), href: '#declaration' }]);
    // a service that needs a signature is sent from the signing step (signatures module), never from here
    if (service.definition.signatureRequired) return reply.redirect(`${base(a)}/sign`, 303);
    // a service with a fee is sent only when the payment succeeds (payments module)
    if (opts.payment && await opts.payment.needed(a, service)) return reply.redirect(opts.payment.url(a.id), 303);
    const result = await submitApplication(ctx, service, { applicationId: a.id, by: request.principal!, requestId: request.id });
    if (!result.ok) {
      // something is missing or no longer valid (e.g. a date now in the past): go to the first problem
      const first = result.check.errors[0] ?? result.check.countErrors[0];
      const page = findPage(service.definition.form, first!.pageId)!;
      const t = tr(request);
      const firstError = result.check.errors[0];
      if (firstError && !page.repeat) {
        return questionPage(request, reply, { a, service, page, errors: result.check.errors.filter((e) => e.pageId === page.id), returnTo: 'check' });
      }
      return checkPage(request, reply, a, service, [{ text: firstError ? errorMessage(firstError, t) : request.t('applications.errors.incomplete'), href: '#main-content' }]);
    }
    return reply.redirect(`${base(a)}/confirmation`, 303);
  });

  app.get('/applications/:id/confirmation', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a, service } = await load(request);
    if (!a.reference) return reply.redirect(base(a));
    const panels = (await Promise.all((opts.confirmationPanels ?? []).map((panel) => panel(request, a)))).filter((h): h is string => !!h);
    return reply.page(V('confirmation'), {
      panels,
      recordedBy: a.recordedBy, title: request.t('applications.confirmation.title'), reference: formatReference(a.reference), rawReference: a.reference,
      serviceTitle: localize(service.definition.title, request.lang), processingDays: service.definition.processingTime.workingDays, applicationId: a.id,
    });
  });

  app.get('/applications/:id/files/:fileId', { config: { access: 'signedIn' } }, async (request, reply) => {
    const { app: a } = await load(request);
    const file = await findFile(ctx.db, ctx.keys, a.id, (request.params as { fileId: string }).fileId);
    if (!file) throw notFound();
    return reply.header('content-type', file.type).header('content-disposition', `attachment; filename="${file.name.replace(/["\\]/g, '_')}"`).header('x-content-type-options', 'nosniff').send(file.content);
  });

  app.get('/my-applications', { config: { access: 'signedIn' } }, async (request, reply) => {
    // officers work cases, not their own applications
    if (request.principal!.kind === 'officer') return reply.redirect('/casework');
    const list = await listForApplicant(ctx.db, request.principal!.id, { uen: request.principal!.actingFor?.uen ?? null });
    const rows = list.map((a) => {
      const s = catalogue.get(a.serviceId);
      return { ...a, title: s ? localize(s.definition.title, request.lang) : a.serviceId, reference: a.reference ? formatReference(a.reference) : null, statusTag: STATUS_TAG[a.status] };
    });
    const links = opts.mineLinks ? await opts.mineLinks(request, rows) : {};
    return reply.page(V('my-applications'), { title: request.t('applications.mine.title'), drafts: rows.filter((r) => r.status === 'draft'), submitted: rows.filter((r) => r.status !== 'draft').map((r) => ({ ...r, link: links[r.id] ?? null })) });
  });

}
