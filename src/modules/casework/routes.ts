/**
 * Officer pages: the workbench (queues, search, filters, bulk assignment),
 * the case page (answers and their sources, documents, panels, history,
 * notes, deadline, actions), recording counter and paper applications, and
 * agency settings (automatic assignment, webhooks). The applicant's page to
 * answer a request for information. All work without JavaScript.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, notFound } from '../../platform/errors/index.ts';
import { nowIso } from '../../platform/db/index.ts';
import { formErrors, verifyCsrf, type App, type Role } from '../../platform/http/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { formatReference, findFile, listHistory, loadOwnApplication, STATUS_TAG } from '../applications/index.ts';
import { summarize, translator, type FormBody } from '../forms/index.ts';
import { accountSummaries, listAgencyOfficers } from '../identity/index.ts';
import { actorOf, type Casework } from './casework.ts';
import { actOnCase, ANSWER_UPLOAD, MAX_ANSWER_FILES } from './act-on-case.ts';
import { addNote } from './add-note.ts';
import { assignCase, assignMany, type AssignOp } from './assign-case.ts';
import { loadCase, viewCase, type CaseView } from './case-view.ts';
import { COUNT_CAP, DEADLINE_FILTERS, listQueue, QUEUE_SORTS, QUEUE_VIEWS, searchCases, timedView, type DeadlineFilter, type QueueQuery, type QueueSort, type QueueView } from './queue.ts';
import { recordApplication, RECORD_CHANNELS } from './record-application.ts';
import { listRules, saveRule, type CaseRow } from './repository.ts';
import { parseSearch } from './search.ts';
import { deadlineOf } from './deadlines.ts';
import { createEndpoint, disableEndpoint, listDeliveries, listEndpoints } from './webhooks.ts';
import { CASE_ACTIONS, type CaseAction } from './workflow.ts';

const V = (name: string) => `modules/casework/views/${name}.njk`;
const OFFICERS: Role[] = ['case_officer', 'approver', 'agency_admin'];
const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);
const DEADLINE_TAG: Record<string, string> = { overdue: 'govuk-tag--red', due_soon: 'govuk-tag--yellow', on_time: 'govuk-tag--green', paused: 'govuk-tag--grey', none: 'govuk-tag--grey' };

/** Which form field carries the text for each action (all actions share one form, each with its own revealed box). */
export const TEXT_FIELDS: Record<CaseAction, { field: string; kind: 'message' | 'comment' }> = {
  complete_step: { field: 'comment_complete_step', kind: 'comment' },
  return: { field: 'comment_return', kind: 'comment' },
  request_information: { field: 'message_request_information', kind: 'message' },
  provide_information: { field: 'message_provide_information', kind: 'message' },
  refer: { field: 'comment_refer', kind: 'comment' },
  answer_referral: { field: 'comment_answer_referral', kind: 'comment' },
  approve: { field: 'message_approve', kind: 'message' },
  reject: { field: 'message_reject', kind: 'message' },
};

export function registerCaseworkRoutes(app: App, cw: Casework): void {
  const { ctx, catalogue } = cw;
  const tr = (request: FastifyRequest) => translator(request.lang, (l, k, p) => ctx.messages.t(l, k, p));
  const serviceTitle = (id: string, lang: Lang) => { const s = catalogue.get(id); return s ? localize(s.definition.title, lang) : id; };
  const agencyName = (id: string, lang: Lang) => { const a = catalogue.agency(id); return a ? localize(a.name, lang) : id; };

  // ---- workbench ----------------------------------------------------------

  function queueQuery(request: FastifyRequest): QueueQuery & { q: string } {
    const q = request.query as Record<string, string | undefined>;
    const p = request.principal!;
    const view = (QUEUE_VIEWS as readonly string[]).includes(q.view ?? '') ? (q.view as QueueView) : 'open';
    const service = q.service && catalogue.get(q.service) ? q.service : undefined;
    const stepIds = new Set(catalogue.byAgency(p.agencyId ?? '').flatMap((s) => s.definition.workflow.steps.map((st) => st.id)));
    return {
      agencyId: p.agencyId ?? '', me: p.id, view, serviceId: service, stepId: q.step && stepIds.has(q.step) ? q.step : undefined,
      deadline: (DEADLINE_FILTERS as readonly string[]).includes(q.deadline ?? '') ? (q.deadline as DeadlineFilter) : undefined,
      assigneeId: q.assignee && /^[0-9a-f-]{36}$/.test(q.assignee) ? q.assignee : undefined,
      sort: (QUEUE_SORTS as readonly string[]).includes(q.sort ?? '') ? (q.sort as QueueSort) : undefined,
      after: q.after, before: q.before, q: (q.q ?? '').slice(0, 100),
    };
  }

  function link(base: QueueQuery & { q: string }, change: Record<string, string | undefined>): string {
    const params = new URLSearchParams();
    const merged: Record<string, string | undefined> = {
      view: base.view === 'open' ? undefined : base.view, service: base.serviceId, step: base.stepId, deadline: base.deadline, assignee: base.assigneeId, sort: base.sort, ...change,
    };
    for (const [k, v] of Object.entries(merged)) if (v) params.set(k, v);
    const s = params.toString();
    return s ? `/casework?${s}` : '/casework';
  }

  async function rowsFor(request: FastifyRequest, rows: CaseRow[]) {
    const cal = await cw.calendar.get();
    const people = await accountSummaries(ctx.db, ctx.keys, rows.map((r) => r.assigneeId).filter((x): x is string => !!x));
    const now = ctx.clock();
    return Promise.all(rows.map(async (r) => {
      const s = await catalogue.getVersion(r.serviceId, r.serviceVersion);
      const step = s?.definition.workflow.steps[r.stepIndex];
      const d = deadlineOf(cal, r, now);
      return {
        id: r.applicationId, reference: formatReference(r.reference), applicant: r.applicantName ?? r.applicantUen ?? '', uen: r.applicantUen,
        service: serviceTitle(r.serviceId, request.lang), step: step ? localize(step.name, request.lang) : r.stepId, state: r.state,
        assignee: r.assigneeId ? people.get(r.assigneeId)?.displayName ?? '' : null, mine: r.assigneeId === request.principal!.id,
        deadline: d, deadlineTag: DEADLINE_TAG[d.status], escalated: r.escalated, submittedAt: r.submittedAt, updatedAt: r.updatedAt,
        channel: r.channel, status: r.status, statusTag: STATUS_TAG[r.status], decision: r.decision,
        holder: r.queueAgencyId !== r.agencyId ? agencyName(r.queueAgencyId, request.lang) : null, owner: agencyName(r.agencyId, request.lang),
      };
    }));
  }

  app.get('/casework', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const p = request.principal!;
    if (!p.agencyId) throw new AppError('forbidden', 'casework.errors.noAgency');
    const query = queueQuery(request);
    const cal = await cw.calendar.get();
    const services = catalogue.byAgency(p.agencyId);
    const steps = [...new Map(services.flatMap((s) => s.definition.workflow.steps.map((st) => [st.id, localize(st.name, request.lang)] as const))).entries()];
    const officers = await listAgencyOfficers(ctx.db, ctx.keys, p.agencyId);
    const raw = request.query as Record<string, string | undefined>;
    let page = null;
    let results = null;
    if (query.q) {
      const parsed = parseSearch(ctx.keys, query.q);
      results = await rowsFor(request, await searchCases(ctx.db, ctx.keys, p.agencyId, parsed));
    } else {
      page = await listQueue(ctx.db, ctx.keys, cal, ctx.clock(), query);
    }
    const rows = page ? await rowsFor(request, page.rows) : results!;
    const counts = page?.counts ? DEADLINE_FILTERS.map((d) => ({
      id: d, count: page!.counts![d], more: page!.counts![d] > COUNT_CAP, href: link(query, { deadline: query.deadline === d ? undefined : d, after: undefined, before: undefined }), current: query.deadline === d,
    })) : null;
    return reply.page(V('workbench'), {
      title: request.t('casework.workbench.title'), agency: agencyName(p.agencyId, request.lang), query, rows, results: !!results, countCap: COUNT_CAP,
      views: QUEUE_VIEWS.map((v) => ({ id: v, href: link({ ...query, serviceId: query.serviceId, stepId: undefined, deadline: undefined, assigneeId: undefined }, { view: v === 'open' ? undefined : v, after: undefined, before: undefined, deadline: undefined, step: undefined, assignee: undefined }), current: v === query.view && !query.q })),
      timed: timedView(query.view), counts,
      services: services.map((s) => ({ value: s.id, text: localize(s.definition.title, request.lang), selected: s.id === query.serviceId })),
      steps: steps.map(([id, name]) => ({ value: id, text: name, selected: id === query.stepId })),
      officers: officers.map((o) => ({ value: o.id, text: o.displayName, selected: o.id === query.assigneeId })),
      assignable: officers.filter((o) => o.roles.some((r) => r === 'case_officer' || r === 'approver')).map((o) => ({ value: o.id, text: o.displayName })),
      sorts: QUEUE_SORTS.map((s) => ({ value: s, text: request.t(`casework.workbench.sort.${s}`), selected: s === (query.sort ?? 'due') })),
      deadlines: DEADLINE_FILTERS.map((d) => ({ value: d, text: request.t(`casework.deadline.${d}`), selected: d === query.deadline })),
      next: page?.next ? link(query, { after: page.next, before: undefined }) : null,
      prev: page?.prev ? link(query, { before: page.prev, after: undefined }) : null,
      first: page && (query.after || query.before) ? link(query, { after: undefined, before: undefined }) : null,
      returnTo: request.url, bulk: raw.bulkDone !== undefined ? { done: Number(raw.bulkDone) || 0, failed: (raw.bulkFailed ?? '').split(',').filter(Boolean), op: raw.bulkOp } : null,
    });
  });

  app.post('/casework/bulk', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const ids = list(body.cases).filter((x) => /^[0-9a-f-]{36}$/.test(x));
    const opName = str(body.operation);
    const back = str(body.returnTo).startsWith('/casework') ? str(body.returnTo).replace(/[?&]bulk(Done|Failed|Op)=[^&]*/g, '') : '/casework';
    const sep = back.includes('?') ? '&' : '?';
    if (!ids.length || !['take', 'assign', 'release'].includes(opName) || (opName === 'assign' && !str(body.assignee))) {
      return reply.redirect(`${back}${sep}bulkDone=0&bulkOp=invalid`, 303);
    }
    const op: AssignOp = opName === 'assign' ? { kind: 'assign', assigneeId: str(body.assignee) } : { kind: opName as 'take' | 'release' };
    const r = await assignMany(cw, { applicationIds: ids, actor: actorOf(request.principal!), op, requestId: request.id });
    const failed = r.failed.map((f) => f.reference).filter(Boolean).map((x) => formatReference(x));
    return reply.redirect(`${back}${sep}bulkDone=${r.done.length}&bulkOp=${opName}${failed.length ? `&bulkFailed=${encodeURIComponent(failed.join(','))}` : ''}`, 303);
  });

  // ---- case page ----------------------------------------------------------

  async function casePage(request: FastifyRequest, reply: FastifyReply, id: string, extra: { errors?: { text: string; href: string }[]; errorFor?: Record<string, { text: string }>; form?: FormBody; status?: number; conflict?: boolean } = {}) {
    const v = await viewCase(cw, { applicationId: id, actor: actorOf(request.principal!), lang: request.lang, requestId: request.id });
    return reply.page(V('case'), { ...(await caseModel(request, v)), ...extra, form: extra.form ?? {}, done: str((request.query as Record<string, unknown>).done) }, extra.status);
  }

  async function caseModel(request: FastifyRequest, v: CaseView) {
    const lang = request.lang;
    const t = tr(request);
    const c = v.case;
    const name = (id: string | null) => (id ? v.people.get(id)?.displayName ?? null : null);
    const stepName = (id: string | null) => { const s = v.steps.find((x) => x.id === id); return s ? localize(s.name, lang) : id ?? ''; };
    const sources = v.application.answerSources;
    const sections = summarize(v.service.definition.form, v.application.answers, t).map((s) => ({
      ...s,
      rows: s.rows.map((r) => ({ ...r, source: sources[r.questionId]?.source ?? 'typed' })),
      items: s.items?.map((it) => ({ ...it, rows: it.rows.map((r) => ({ ...r, source: 'typed' })) })),
    }));
    const history = [...v.history].reverse().map((e) => ({
      ...e,
      label: ctx.messages.has(`casework.history.${e.type}`) ? request.t(`casework.history.${e.type}`, {
        step: stepName(e.stepId), toStep: stepName((e.data as any).toStepId ?? null), agency: agencyName(String((e.data as any).toAgencyId ?? (e.data as any).fromAgencyId ?? ''), lang),
        assignee: name((e.data as any).assigneeId ?? null) ?? '', days: String((e.data as any).daysLeft ?? (e.data as any).daysOverdue ?? ''),
      }) : e.type,
      actor: e.actorType === 'system' ? request.t('casework.history.system') : e.actorType === 'api' ? request.t('casework.history.api', { agency: agencyName(e.actorAgencyId ?? c.agencyId, lang) }) : (name(e.actorId) ?? request.t(`casework.history.actorType.${e.actorType}`)),
      actorAgency: e.actorAgencyId && e.actorAgencyId !== c.agencyId ? agencyName(e.actorAgencyId, lang) : null,
      dueDate: (e.data as any).dueDate ?? null,
    }));
    const files = v.files.map((f) => ({ ...f, href: `/casework/cases/${c.applicationId}/files/${f.id}`, context: f.questionId.startsWith('information-request:') ? 'answer' : 'form', kb: Math.max(1, Math.round(f.size / 1024)) }));
    const next = v.steps[c.stepIndex + 1];
    const prev = v.steps[c.stepIndex - 1];
    const referral = c.state === 'referred' ? [...v.history].reverse().find((e) => e.type === 'case.referred') : null;
    const request_ = c.state === 'with_applicant' ? [...v.history].reverse().find((e) => e.type === 'case.information_requested') : null;
    return {
      title: request.t('casework.case.title', { reference: formatReference(c.reference) }),
      c, reference: formatReference(c.reference), serviceTitle: serviceTitle(c.serviceId, lang), owner: agencyName(c.agencyId, lang), holder: agencyName(c.queueAgencyId, lang),
      statusTag: STATUS_TAG[c.status], step: { name: localize(v.step.name, lang), index: c.stepIndex + 1, total: v.steps.length, role: v.step.role, fourEyes: !!v.step.fourEyes },
      steps: v.steps.map((s, i) => ({ name: localize(s.name, lang), current: i === c.stepIndex && c.state !== 'closed', done: i < c.stepIndex || c.state === 'closed', sla: s.slaWorkingDays, role: s.role })),
      deadline: v.deadline, deadlineTag: DEADLINE_TAG[v.deadline.status], assignee: name(c.assigneeId), assigneeIsMe: c.assigneeId === request.principal!.id,
      applicant: c.applicantName, applicantUen: c.applicantUen, channel: c.channel, sections, files, history, panels: v.panels,
      notes: v.notes.map((n) => ({ ...n, author: name(n.authorId) ?? '', agency: agencyName(n.authorAgencyId, lang) })),
      allowed: v.allowed, blocked: v.blocked ? request.t(v.blocked.message, v.blocked.details as Record<string, string>) : null,
      nextStep: next ? localize(next.name, lang) : null, prevStep: prev ? localize(prev.name, lang) : null,
      agencies: v.agencies.map((a) => ({ value: a.id, text: localize(a.name as any, lang) })),
      canTake: v.canTake, canAssign: v.canAssign, canRelease: v.canRelease,
      colleagues: v.colleagues.filter((o) => o.id !== c.assigneeId).map((o) => ({ value: o.id, text: o.displayName })),
      referral: referral ? { from: agencyName(c.agencyId, lang), question: referral.comment, at: referral.at } : null,
      informationRequest: request_ ? { message: request_.message, at: request_.at } : null,
      fee: v.service.definition.fee, signatureRequired: v.service.definition.signatureRequired,
      output: v.service.definition.output ? localize(v.service.definition.output.title, lang) : null,
      decision: c.decision ? [...v.history].reverse().find((e) => e.type === 'case.approved' || e.type === 'case.rejected') : null,
      textFields: TEXT_FIELDS,
      backHref: '/casework',
    };
  }

  app.get('/casework/cases/:id', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    return casePage(request, reply, (request.params as { id: string }).id);
  });

  app.post('/casework/cases/:id/actions', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as FormBody;
    const action = str(body.action) as CaseAction;
    if (!CASE_ACTIONS.includes(action)) {
      const text = request.t('casework.errors.chooseAction');
      return casePage(request, reply, id, { errors: [{ text, href: '#action' }], errorFor: { action: { text } }, form: body, status: 422 });
    }
    const f = TEXT_FIELDS[action];
    const text = str(body[f.field]);
    const version = Number(str(body.version)) || null;
    try {
      await actOnCase(cw, {
        applicationId: id, actor: actorOf(request.principal!), action, version,
        ...(f.kind === 'message' ? { message: text } : { comment: text }), toAgencyId: str(body.toAgency) || null, requestId: request.id,
      });
    } catch (e) {
      if (!isAppError(e) || e.code === 'not_found') throw e;
      if (e.code === 'validation_failed' && e.details.fields) {
        const fields = e.details.fields.map((x) => ({ ...x, field: x.field === 'message' || x.field === 'comment' ? f.field : x.field }));
        return casePage(request, reply, id, { ...formErrors(request, fields), form: body, status: 422 });
      }
      const msg = request.t(e.message, e.details as Record<string, string>);
      return casePage(request, reply, id, { errors: [{ text: msg, href: '#actions' }], form: e.message === 'casework.errors.stale' ? {} : body, status: e.status, conflict: e.message === 'casework.errors.stale' });
    }
    return reply.redirect(`/casework/cases/${id}?done=${action}`, 303);
  });

  app.post('/casework/cases/:id/assignment', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as FormBody;
    const opName = str(body.operation);
    const op: AssignOp | null = opName === 'take' ? { kind: 'take' } : opName === 'release' ? { kind: 'release' } : opName === 'assign' && str(body.assignee) ? { kind: 'assign', assigneeId: str(body.assignee) } : null;
    if (!op) {
      const text = request.t('casework.errors.chooseColleague');
      return casePage(request, reply, id, { errors: [{ text, href: '#assignee' }], errorFor: { assignee: { text } }, status: 422 });
    }
    try {
      await assignCase(cw, { applicationId: id, actor: actorOf(request.principal!), op, version: Number(str(body.version)) || null, requestId: request.id });
    } catch (e) {
      if (!isAppError(e) || e.code === 'not_found') throw e;
      const text = e.details.fields?.[0] ? request.t(e.details.fields[0].message) : request.t(e.message, e.details as Record<string, string>);
      return casePage(request, reply, id, { errors: [{ text, href: '#assignment' }], status: e.status, conflict: e.message === 'casework.errors.stale' });
    }
    return reply.redirect(`/casework/cases/${id}?done=${op.kind}`, 303);
  });

  app.post('/casework/cases/:id/notes', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as FormBody;
    try {
      await addNote(cw, { applicationId: id, actor: actorOf(request.principal!), body: str(body.note), requestId: request.id });
    } catch (e) {
      if (!isAppError(e) || e.code !== 'validation_failed') throw e;
      return casePage(request, reply, id, { ...formErrors(request, e.details.fields ?? []), form: body, status: 422 });
    }
    return reply.redirect(`/casework/cases/${id}?done=note#notes`, 303);
  });

  app.get('/casework/cases/:id/files/:fileId', { config: { access: { roles: OFFICERS } } }, async (request, reply) => {
    const { id, fileId } = request.params as { id: string; fileId: string };
    const c = await loadCase(cw, id, actorOf(request.principal!));
    const file = /^[0-9a-f-]{36}$/.test(fileId) ? await findFile(ctx.db, ctx.keys, c.applicationId, fileId) : undefined;
    if (!file) throw notFound();
    return reply.header('content-type', file.type).header('content-disposition', `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`).header('x-content-type-options', 'nosniff').send(file.content);
  });

  // ---- counter and paper ----------------------------------------------------

  const recordPage = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) => {
    const p = request.principal!;
    const form = (extra.form ?? {}) as Record<string, string>;
    return reply.page(V('record'), {
      title: request.t('casework.record.title'), backHref: '/casework', form,
      services: catalogue.byAgency(p.agencyId ?? '').map((s) => ({ value: s.id, text: localize(s.definition.title, request.lang), checked: form.serviceId === s.id })),
      channels: RECORD_CHANNELS.map((c) => ({ value: c, text: request.t(`casework.channel.${c}`), checked: form.channel === c })),
      ...extra,
    }, status);
  };

  app.get('/casework/record', { config: { access: { roles: ['case_officer', 'approver'] } } }, async (request, reply) => recordPage(request, reply));

  app.post('/casework/record', { config: { access: { roles: ['case_officer', 'approver'] } } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const input = { serviceId: str(body.serviceId), channel: str(body.channel), nric: str(body.nric), uen: str(body.uen), email: str(body.email), name: str(body.name) };
    try {
      const { id, firstPageId } = await recordApplication(cw, request.principal!, input, request.lang, request.id);
      return reply.redirect(`/applications/${id}/pages/${firstPageId}`, 303);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'validation_failed') throw e;
      return recordPage(request, reply, { form: input, ...formErrors(request, e.details.fields ?? []) }, 422);
    }
  });

  // ---- agency settings ------------------------------------------------------

  async function settingsPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) {
    const p = request.principal!;
    const agencyId = p.agencyId ?? '';
    const rules = await listRules(ctx.db, agencyId);
    const officers = await listAgencyOfficers(ctx.db, ctx.keys, agencyId);
    const services = catalogue.byAgency(agencyId).map((s) => ({
      id: s.id, title: localize(s.definition.title, request.lang),
      steps: s.definition.workflow.steps.map((st) => ({
        id: st.id, name: localize(st.name, request.lang), role: st.role, sla: st.slaWorkingDays, fourEyes: !!st.fourEyes,
        enabled: rules.some((r) => r.serviceId === s.id && r.stepId === st.id && r.enabled),
        officers: officers.filter((o) => o.roles.includes(st.role as Role)).length,
      })),
    }));
    const endpoints = await listEndpoints(ctx.db, agencyId);
    const deliveries = await listDeliveries(ctx.db, agencyId, 30);
    return reply.page(V('settings'), {
      title: request.t('casework.settings.title'), agency: agencyName(agencyId, request.lang), services, endpoints, deliveries, backHref: '/casework',
      done: str((request.query as Record<string, unknown>).done), form: {}, ...extra,
    }, status);
  }

  app.get('/casework/settings', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => settingsPage(request, reply));

  app.post('/casework/settings/assignment', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const p = request.principal!;
    const service = catalogue.get(str(body.serviceId));
    const step = service?.definition.workflow.steps.find((s) => s.id === str(body.stepId));
    if (!service || service.definition.agency !== p.agencyId || !step) throw notFound();
    await saveRule(ctx.db, { agencyId: p.agencyId, serviceId: service.id, stepId: step.id, enabled: str(body.enabled) === 'on', updatedBy: p.id, at: nowIso(ctx.clock()) });
    return reply.redirect('/casework/settings?done=assignment#assignment', 303);
  });

  app.post('/casework/settings/webhooks', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const p = request.principal!;
    try {
      const created = await createEndpoint(ctx, { agencyId: p.agencyId!, url: str(body.url).trim(), description: str(body.description).trim() || str(body.url).trim(), by: p.id });
      return settingsPage(request, reply, { created: { ...created, url: str(body.url).trim() } });
    } catch (e) {
      if (!isAppError(e) || e.code !== 'validation_failed') throw e;
      return settingsPage(request, reply, { form: body, ...formErrors(request, e.details.fields ?? []) }, 422);
    }
  });

  app.post('/casework/settings/webhooks/:endpointId/disable', { config: { access: { roles: ['agency_admin'] } } }, async (request, reply) => {
    const p = request.principal!;
    const ok = await disableEndpoint(ctx, { agencyId: p.agencyId!, id: (request.params as { endpointId: string }).endpointId, by: p.id });
    if (!ok) throw notFound();
    return reply.redirect('/casework/settings?done=webhookDisabled#webhooks', 303);
  });

  // ---- the applicant answers a request for information ----------------------

  async function respondTarget(request: FastifyRequest) {
    const { app: a } = await loadOwnApplication(ctx, catalogue, request.principal!, (request.params as { id: string }).id);
    return a;
  }

  const respondPage = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}, status?: number) => {
    const asked = [...(await listHistory(ctx.db, ctx.keys, id, { withComments: false }))].reverse().find((e) => e.type === 'case.information_requested');
    return reply.page(V('respond'), {
      title: request.t('casework.respond.title'), question: asked?.message ?? '', askedAt: asked?.at, backHref: `/applications/${id}`, action: `/applications/${id}/respond`,
      maxFiles: MAX_ANSWER_FILES, accept: (ANSWER_UPLOAD.accept ?? []).map((k) => k.toUpperCase()).join(', '), form: {}, ...extra,
    }, status);
  };

  app.get('/applications/:id/respond', { config: { access: 'signedIn' } }, async (request, reply) => {
    const a = await respondTarget(request);
    if (a.status !== 'info_requested') return reply.redirect(`/applications/${a.id}`);
    return respondPage(request, reply, a.id);
  });

  app.post('/applications/:id/respond', { config: { access: 'signedIn', csrf: 'handler' } }, async (request, reply) => {
    const a = await respondTarget(request);
    const body: Record<string, string> = {};
    const uploads: { name: string; bytes: Buffer }[] = [];
    let truncated = false;
    if (request.isMultipart()) {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          if (part.file.truncated) truncated = true;
          if (bytes.length) uploads.push({ name: part.filename, bytes });
        } else body[part.fieldname] = String(part.value ?? '');
      }
    } else Object.assign(body, request.body ?? {});
    try {
      verifyCsrf(request, body._csrf);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return respondPage(request, reply, a.id, { form: body, errors: [{ text: request.t('applications.errors.formExpired'), href: '#answer' }] }, 422);
    }
    if (a.status !== 'info_requested') return reply.redirect(`/applications/${a.id}`, 303);
    if (truncated) {
      const text = request.t('forms.errors.fileTooLarge', { max: 10, name: request.t('forms.names.file') });
      return respondPage(request, reply, a.id, { form: body, errors: [{ text, href: '#documents' }], errorFor: { documents: { text } } }, 422);
    }
    try {
      await actOnCase(cw, { applicationId: a.id, actor: actorOf(request.principal!), action: 'provide_information', message: body.answer, uploads, requestId: request.id });
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === 'validation_failed') {
        const fields = (e.details.fields ?? []).map((x) => ({ ...x, field: x.field === 'message' ? 'answer' : x.field, params: { name: request.t('forms.names.file'), ...(x.params ?? {}) } }));
        return respondPage(request, reply, a.id, { form: body, ...formErrors(request, fields) }, 422);
      }
      if (e.code === 'conflict') return reply.redirect(`/applications/${a.id}`, 303);
      throw e;
    }
    return reply.redirect(`/applications/${a.id}?answered=1`, 303);
  });
}
