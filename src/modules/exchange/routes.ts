/**
 * Officer pages: the catalogue of data products (every agency's officers),
 * a product, a new sharing request, the agency's requests, the data owner's
 * inbox, and the request page (details, timings, history, the data owner's
 * decision, the requester's answers, the provisioned credential shown once,
 * extracts with their progress, revocation). All work without JavaScript.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, isAppError, notFound } from '../../platform/errors/index.ts';
import { formErrors, type App, type Principal } from '../../platform/http/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { auditTrail } from '../../platform/audit/index.ts';
import { accountSummaries } from '../identity/index.ts';
import { TARGET_WORKING_DAYS, type Exchange } from './exchange.ts';
import { assertView, isOwner, isRequester } from './access.ts';
import { submitRequest, type RequestInput } from './submit-request.ts';
import { decideRequest, type Decision } from './decide-request.ts';
import { answerRequest } from './answer-request.ts';
import { revokeAccess } from './revoke-access.ts';
import { credentialOf, revealCredential } from './reveal-credential.ts';
import { EXTRACT_FORMATS, extractContent, requestExtract, type ExtractFormat } from './generate-extract.ts';
import { findRequest, listEvents, listExtracts, listRequests, type SharingRequest } from './repository.ts';
import { messageLogStream } from './read-exchange-data.ts';
import { itemKey, splitItemKey, type ExchangeSource } from './sources.ts';
import { OPEN_STATES, STATE_TAG } from './status.ts';
import { decisionDue, workingDaysBetweenInstants } from './working-days.ts';

const V = (name: string) => `modules/exchange/views/${name}.njk`;
/** The confirmations the request page shows after an action (anything else in ?done= is ignored). */
const DONE = new Set(['submitted', 'approve', 'reject', 'ask', 'answer', 'withdraw', 'revoked', 'extract']);
const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

export function registerExchangeRoutes(app: App, ex: Exchange): void {
  const { ctx } = ex;
  const agencyName = (id: string, lang: Lang) => { const a = ex.agencies.find((x) => x.id === id); return a ? localize(a.name, lang) : id; };
  const itemLabel = (key: string, lang: Lang) => { const { sourceId, item } = splitItemKey(key); const s = ex.sources.get(sourceId); return `${s ? localize(s.title, lang) : sourceId}: ${item}`; };

  function productView(s: ExchangeSource, lang: Lang) {
    return {
      id: s.id, kind: s.kind, title: localize(s.title, lang), description: localize(s.description, lang), legalBasis: localize(s.legalBasis, lang),
      agency: agencyName(s.owningAgencyId, lang), agencyId: s.owningAgencyId,
      items: s.items.map((i) => ({ name: i.name, key: itemKey(s.id, i.name), classification: i.classification, type: i.type ?? 'string', description: localize(i.description, lang), identifying: !!i.identifying })),
    };
  }

  async function rowsFor(request: FastifyRequest, rows: SharingRequest[]) {
    const cal = await ex.calendar.get();
    const now = ctx.clock().toISOString();
    return rows.map((r) => {
      const open = OPEN_STATES.includes(r.state);
      const days = r.approvalWorkingDays ?? workingDaysBetweenInstants(cal, r.submittedAt, r.decidedAt ?? now);
      return {
        id: r.id, reference: r.reference, project: r.project, state: r.state, stateTag: STATE_TAG[r.state], submittedAt: r.submittedAt,
        requester: agencyName(r.requesterAgencyId, request.lang), provider: agencyName(r.providerAgencyId, request.lang),
        due: open ? decisionDue(cal, r.submittedAt, TARGET_WORKING_DAYS) : null, days, overdue: open && days > TARGET_WORKING_DAYS, escalated: r.escalated,
      };
    });
  }

  // ---- catalogue ------------------------------------------------------------

  app.get('/exchange', { config: { access: 'officer' } }, async (request, reply) => {
    const byAgency = new Map<string, ReturnType<typeof productView>[]>();
    for (const s of ex.sources.list()) byAgency.set(s.owningAgencyId, [...(byAgency.get(s.owningAgencyId) ?? []), productView(s, request.lang)]);
    const agencies = [...byAgency].map(([id, products]) => ({ id, name: agencyName(id, request.lang), products })).sort((a, b) => a.name.localeCompare(b.name));
    return reply.page(V('catalogue'), { title: request.t('exchange.catalogue.title'), agencies });
  });

  app.get('/exchange/products/:sourceId', { config: { access: 'officer' } }, async (request, reply) => {
    const s = ex.sources.get((request.params as { sourceId: string }).sourceId);
    if (!s) throw notFound('exchange.errors.productNotFound');
    const p = request.principal!;
    return reply.page(V('product'), { title: localize(s.title, request.lang), product: productView(s, request.lang), mayRequest: s.owningAgencyId !== p.agencyId && isRequesterRole(p) });
  });

  const isRequesterRole = (p: Principal) => p.roles.some((r) => ['case_officer', 'approver', 'agency_admin', 'data_owner'].includes(r));

  // ---- a new request --------------------------------------------------------

  function newRequestPage(request: FastifyRequest, sourceId: string, form: Partial<RequestInput>, errs?: ReturnType<typeof formErrors>) {
    const s = ex.sources.get(sourceId);
    if (!s) throw notFound('exchange.errors.productNotFound');
    const products = ex.sources.byAgency(s.owningAgencyId).map((x) => productView(x, request.lang));
    const chosen = new Set(form.items ?? s.items.map((i) => itemKey(s.id, i.name)));
    return request.renderPage(V('new-request'), {
      title: request.t('exchange.new.title'), sourceId: s.id, agency: agencyName(s.owningAgencyId, request.lang), legalBasisHint: localize(s.legalBasis, request.lang),
      groups: products.map((p) => ({ ...p, checkboxes: p.items.map((i) => ({ value: i.key, text: i.name, hint: { text: `${i.description} (${request.t(`exchange.classification.${i.classification}`)})` }, checked: chosen.has(i.key) })) })),
      form, ...(errs ?? {}),
    });
  }

  app.get('/exchange/requests/new', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const sourceId = str((request.query as Record<string, unknown>).source);
    return reply.type('text/html; charset=utf-8').send(newRequestPage(request, sourceId, {}));
  });

  app.post('/exchange/requests', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const b = request.body as Record<string, unknown>;
    const input: RequestInput = { items: list(b.items), project: str(b.project), purpose: str(b.purpose), legalBasis: str(b.legalBasis), retention: str(b.retention), users: str(b.users) };
    const sourceId = str(b.sourceId);
    try {
      const { id } = await submitRequest(ex, request.principal!, input, request.id);
      return reply.redirect(`/exchange/requests/${id}?done=submitted`, 303);
    } catch (e) {
      if (isAppError(e) && e.code === 'validation_failed' && e.details.fields) {
        // the form again, for the product it was opened from (or the first item's, or any other agency's)
        const shown = [sourceId, splitItemKey(input.items[0] ?? ':').sourceId].find((id) => ex.sources.get(id))
          ?? ex.sources.list().find((x) => x.owningAgencyId !== request.principal!.agencyId)?.id ?? '';
        return reply.status(422).type('text/html; charset=utf-8').send(newRequestPage(request, shown, input, formErrors(request, e.details.fields)));
      }
      throw e;
    }
  });

  // ---- lists -------------------------------------------------------------------

  app.get('/exchange/requests', { config: { access: { can: 'exchange.view-request' } } }, async (request, reply) => {
    const p = request.principal!;
    const rows = await rowsFor(request, await listRequests(ctx.db, { requesterAgencyId: p.agencyId! }));
    return reply.page(V('requests'), { title: request.t('exchange.requests.title'), agency: agencyName(p.agencyId!, request.lang), rows });
  });

  app.get('/exchange/inbox', { config: { access: { can: 'exchange.decide' } } }, async (request, reply) => {
    const p = request.principal!;
    const all = await rowsFor(request, await listRequests(ctx.db, { providerAgencyId: p.agencyId! }));
    return reply.page(V('inbox'), {
      title: request.t('exchange.inbox.title'), agency: agencyName(p.agencyId!, request.lang),
      open: all.filter((r) => r.state === 'submitted' || r.state === 'questions'), decided: all.filter((r) => r.state !== 'submitted' && r.state !== 'questions'),
    });
  });

  // ---- the request page ---------------------------------------------------------

  async function requestPage(request: FastifyRequest, id: string, extra: Record<string, unknown> = {}) {
    const p = request.principal!;
    const r = await findRequest(ctx.db, id);
    assertView(p, r);
    const cal = await ex.calendar.get();
    const now = ctx.clock().toISOString();
    const events = await listEvents(ctx.db, r.id);
    const people = await accountSummaries(ctx.db, ctx.keys, [...events.map((e) => e.actorId ?? ''), r.requestedBy]);
    const owner = isOwner(p, r);
    const requester = isRequester(p, r);
    const open = OPEN_STATES.includes(r.state);
    const calls = requester || owner ? (await auditTrail(ctx.db, messageLogStream(r.id))).slice(-20).reverse() : [];
    const lang = request.lang;
    const cred = r.state === 'approved' || r.apiKeyId ? await credentialOf(ex, r.id) : null;
    const extracts = await listExtracts(ctx.db, r.id);
    const html = request.renderPage(V('request'), {
      title: r.project, r, stateTag: STATE_TAG[r.state], owner, requester, open,
      requesterAgency: agencyName(r.requesterAgencyId, lang), providerAgency: agencyName(r.providerAgencyId, lang), requestedBy: people.get(r.requestedBy)?.displayName ?? '',
      items: r.items.map((k) => ({ key: k, label: itemLabel(k, lang), approved: r.approvedItems?.includes(k) ?? null })),
      approveBoxes: r.items.map((k) => ({ value: k, text: itemLabel(k, lang), checked: extra.form ? list((extra.form as Record<string, unknown>).items).includes(k) : true })),
      timing: {
        due: decisionDue(cal, r.submittedAt, TARGET_WORKING_DAYS),
        daysSoFar: workingDaysBetweenInstants(cal, r.submittedAt, r.decidedAt ?? now),
        approvalDays: r.approvalWorkingDays, firstCallDays: r.firstCallWorkingDays, target: TARGET_WORKING_DAYS,
      },
      history: events.map((e) => ({ ...e, who: e.actorId ? people.get(e.actorId)?.displayName ?? '' : request.t('exchange.history.system'), agency: e.actorAgencyId ? agencyName(e.actorAgencyId, lang) : '' })),
      calls: calls.map((c) => ({ at: c.at, refused: c.action === 'exchange.call_refused', extract: c.action === 'exchange.extract', data: c.data })),
      cred, extracts, formats: EXTRACT_FORMATS, done: DONE.has(str((request.query as Record<string, unknown>).done)) ? str((request.query as Record<string, unknown>).done) : '',
      ...extra,
    });
    return { html, r };
  }

  app.get('/exchange/requests/:id', { config: { access: 'officer' } }, async (request, reply) => {
    const { html } = await requestPage(request, (request.params as { id: string }).id);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  /** A form on the request page that failed: the page again with the errors and what was typed. */
  async function withErrors(request: FastifyRequest, reply: any, id: string, e: unknown, form: Record<string, unknown>) {
    if (isAppError(e) && e.code === 'validation_failed' && e.details.fields) {
      const { html } = await requestPage(request, id, { ...formErrors(request, e.details.fields), form });
      return reply.status(422).type('text/html; charset=utf-8').send(html);
    }
    throw e;
  }

  app.post('/exchange/requests/:id/decision', { config: { access: { can: 'exchange.decide' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const b = request.body as Record<string, unknown>;
    const kind = str(b.decision);
    const day = str(b['expiresOn-day']).padStart(2, '0');
    const month = str(b['expiresOn-month']).padStart(2, '0');
    const year = str(b['expiresOn-year']);
    let d: Decision;
    if (kind === 'approve') d = { decision: 'approve', items: list(b.items), conditions: str(b.conditions), expiresOn: `${year}-${month}-${day}`, deidentify: str(b.deidentify) === 'yes', credential: str(b.credential) === 'oauth_client' ? 'oauth_client' : 'api_key' };
    else if (kind === 'reject') d = { decision: 'reject', reasons: str(b.reasons) };
    else if (kind === 'ask') d = { decision: 'ask', question: str(b.question) };
    else throw new AppError('bad_request', 'errors.badRequest');
    try {
      await decideRequest(ex, request.principal!, { requestId: id, version: Number(str(b.version)) || undefined, requestIdHttp: request.id, ...d });
    } catch (e) {
      return withErrors(request, reply, id, e, { ...b, decision: kind });
    }
    return reply.redirect(`/exchange/requests/${id}?done=${kind}`, 303);
  });

  app.post('/exchange/requests/:id/answer', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const b = request.body as Record<string, unknown>;
    const action = str(b.action) === 'withdraw' ? 'withdraw' : 'answer';
    try {
      await answerRequest(ex, request.principal!, { requestId: id, action, message: str(b.message), requestIdHttp: request.id });
    } catch (e) {
      return withErrors(request, reply, id, e, b);
    }
    return reply.redirect(`/exchange/requests/${id}?done=${action}`, 303);
  });

  app.post('/exchange/requests/:id/revoke', { config: { access: 'officer' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const b = request.body as Record<string, unknown>;
    try {
      await revokeAccess(ex, request.principal!, { requestId: id, reason: str(b.reason), requestIdHttp: request.id });
    } catch (e) {
      return withErrors(request, reply, id, e, b);
    }
    return reply.redirect(`/exchange/requests/${id}?done=revoked`, 303);
  });

  app.post('/exchange/requests/:id/credential', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const revealed = await revealCredential(ex, request.principal!, id, request.id);
    const { html } = await requestPage(request, id, { revealed });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.post('/exchange/requests/:id/extracts', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const b = request.body as Record<string, unknown>;
    const format = str(b.format) as ExtractFormat;
    try {
      await requestExtract(ex, request.principal!, { requestId: id, format, everyDays: str(b.repeat) === 'weekly' ? 7 : null });
    } catch (e) {
      return withErrors(request, reply, id, e, b);
    }
    return reply.redirect(`/exchange/requests/${id}?done=extract#extracts`, 303);
  });

  app.get('/exchange/extracts/:id', { config: { access: { can: 'exchange.request' } } }, async (request, reply) => {
    const x = await extractContent(ctx.db, (request.params as { id: string }).id);
    const r = x ? await findRequest(ctx.db, x.requestId) : null;
    assertView(request.principal, r);
    if (!isRequester(request.principal!, r) || !x) throw notFound('exchange.errors.requestNotFound');
    const name = `${r.reference}-${x.format === 'csv' ? 'extract.csv' : 'extract.jsonl'}`;
    return reply.type(x.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(x.content);
  });
}
