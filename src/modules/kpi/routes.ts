/**
 * The scorecard's pages (the public /performance and the leadership /kpi),
 * its open data (CSV and JSON at stable URLs), GET /api/v1/kpis, and the
 * registers agency administrators keep (forms and CSV import). Every figure
 * on a page, in a file and in the API comes from computeScorecard().
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { AppError, isAppError } from '../../platform/errors/index.ts';
import { formErrors, verifyCsrf, type App } from '../../platform/http/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { inTransaction } from '../../platform/db/index.ts';
import { computeScorecard, defaultRange, isDay, TRENDS, type KpiQuery, type KpiValue, type Scorecard } from './compute-kpis.ts';
import { kpiDefinition, type Unit } from './definitions.ts';
import { lineChartSvg } from './charts.ts';
import { checkCost, checkReturn, CSV_HEADERS, importRegisterCsv, listCosts, listReturns, saveCost, saveReturn, RETURN_FIELDS, type ImportReport, type RegisterKind } from './registers.ts';
import type { Kpi } from './index.ts';

const V = (name: string) => `modules/kpi/views/${name}.njk`;
export const LICENCE = {
  name: 'Singapore Open Data Licence version 1.0',
  url: 'https://data.gov.sg/open-data-licence',
  attribution: 'Contains information from the Civitas Digital Government scorecard, made available under the Singapore Open Data Licence version 1.0',
};
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const KpiResource = Type.Object({
  id: Type.String({ description: 'the KPI id, e.g. e2e_digital_transactions' }),
  name: Type.String(), definition: Type.String(),
  unit: Type.String({ description: 'share (0..1) | count | days (working days) | cents (SGD cents)' }),
  source: Type.String({ description: 'transactions | survey | definitions | registers | exchange' }),
  target: Nullable(Type.Object({ value: Type.Number(), comparison: Type.String({ description: 'at_least | at_most' }), atRiskWithin: Type.Number(), label: Type.String() })),
  value: Nullable(Type.Number()),
  numerator: Nullable(Type.Number()),
  denominator: Nullable(Type.Number()),
  status: Type.String({ description: 'met | at_risk | missed | no_data | no_target | not_applicable' }),
});
export const KpisResponse = Type.Object({
  from: Type.String(), to: Type.String(), agency: Nullable(Type.String()), service: Nullable(Type.String()),
  licence: Type.String(),
  kpis: Type.Array(KpiResource),
});
export type KpisJson = Type.Static<typeof KpisResponse>;
const KpiQuerystring = Type.Object({
  from: Type.Optional(Type.String({ description: 'first day, YYYY-MM-DD (Singapore time); default: the first day of the month a year ago' })),
  to: Type.Optional(Type.String({ description: 'last day, inclusive; default: today' })),
  agency: Type.Optional(Type.String({ description: 'an agency id: that agency only' })),
  service: Type.Optional(Type.String({ description: 'a service id: that service only' })),
});

export function registerKpiRoutes(app: App, kpi: Kpi): void {
  const { ctx, catalogue } = kpi;

  /** The range and scope asked for, or a 400 naming the wrong parameter. */
  function queryOf(raw: Record<string, unknown>): KpiQuery {
    const d = defaultRange(ctx.clock());
    const from = str(raw.from) || d.from;
    const to = str(raw.to) || d.to;
    const fields = [];
    if (!isDay(from)) fields.push({ field: 'from', message: 'kpi.errors.day' });
    if (!isDay(to)) fields.push({ field: 'to', message: 'kpi.errors.day' });
    if (isDay(from) && isDay(to) && from > to) fields.push({ field: 'to', message: 'kpi.errors.range' });
    const agency = str(raw.agency) || undefined;
    const service = str(raw.service) || undefined;
    if (agency && !catalogue.agency(agency)) fields.push({ field: 'agency', message: 'kpi.errors.agency' });
    if (service && (!catalogue.get(service) || (agency && catalogue.get(service)!.definition.agency !== agency))) fields.push({ field: 'service', message: 'kpi.errors.service' });
    if (fields.length) throw new AppError('validation_failed', 'errors.validationFailed', { fields });
    return { from, to, agency: service ? catalogue.get(service)!.definition.agency : agency, service };
  }

  const scorecard = (q: KpiQuery) => computeScorecard({ db: ctx.db, catalogue, dataSharing: kpi.dataSharing }, q);

  function toJson(s: Scorecard, lang: Lang = 'en'): KpisJson {
    return {
      from: s.query.from, to: s.query.to, agency: s.query.agency ?? null, service: s.query.service ?? null, licence: LICENCE.name,
      kpis: s.kpis.map((k) => ({
        id: k.id, name: ctx.messages.t(lang, `kpi.kpis.${k.id}.name`), definition: ctx.messages.t(lang, `kpi.kpis.${k.id}.definition`),
        unit: k.unit, source: k.source, target: k.target, value: k.value, numerator: k.numerator, denominator: k.denominator, status: k.status,
      })),
    };
  }

  // ---- API -------------------------------------------------------------------
  app.get('/api/v1/kpis', {
    config: { access: { apiScope: 'kpi:read' } },
    schema: {
      summary: 'The Digital Government KPIs',
      description: 'Every KPI with its definition, target, value, numerator, denominator and status (met, at risk, missed, no data) for the whole of government, '
        + 'an agency or a service, over a range of days. The same figures as the public scorecard (/performance) and its open data (/performance/kpis.csv, /performance/kpis.json).',
      tags: ['kpi'], security: [{ apiKey: [] }],
      querystring: KpiQuerystring,
      response: { 200: KpisResponse, 401: Type.Any(), 403: Type.Any(), 422: Type.Any() },
    },
  }, async (request) => toJson(await scorecard(queryOf(request.query as Record<string, unknown>))));

  // ---- open data --------------------------------------------------------------
  const openData = { config: { access: 'public' as const } };
  app.get('/performance/kpis.json', openData, async (request, reply) => {
    const s = await scorecard(queryOf(request.query as Record<string, unknown>));
    return reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300').type('application/json; charset=utf-8').send(toJson(s));
  });
  app.get('/performance/kpis.csv', openData, async (request, reply) => {
    const s = await scorecard(queryOf(request.query as Record<string, unknown>));
    const rows = s.kpis.map((k) => [k.id, s.query.from, s.query.to, s.query.agency ?? '', s.query.service ?? '', k.unit, num(k.value), num(k.numerator), num(k.denominator), k.target ? k.target.value : '', k.target?.comparison ?? '', k.status]);
    return csv(reply, 'kpis', [KPI_CSV_COLUMNS, ...rows]);
  });
  app.get('/performance/trends.csv', openData, async (request, reply) => {
    const s = await scorecard(queryOf(request.query as Record<string, unknown>));
    const rows = s.months.flatMap((m) => TRENDS.map((id) => [m.month, id, s.query.agency ?? '', s.query.service ?? '', num(m.kpis[id] ?? null), m.submitted]));
    return csv(reply, 'trends', [TREND_CSV_COLUMNS, ...rows]);
  });

  // ---- pages ------------------------------------------------------------------
  async function scorecardPage(request: FastifyRequest, reply: FastifyReply, base: '/performance' | '/kpi') {
    const raw = request.query as Record<string, unknown>;
    let q: KpiQuery;
    let errors: ReturnType<typeof formErrors> | Record<string, never> = {};
    try {
      q = queryOf(raw);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'validation_failed') throw e;
      errors = formErrors(request, e.details.fields ?? []);
      q = queryOf({});
    }
    const s = await scorecard(q);
    const lang = request.lang;
    const t = (k: string, p?: Record<string, string | number>) => request.t(k, p);
    const scopeQs = (extra: Record<string, string | undefined>) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries({ from: q.from, to: q.to, ...extra })) if (v) p.set(k, v);
      return p.toString();
    };
    const agencyName = (id: string) => localize(catalogue.agency(id)?.name ?? { en: id }, lang);
    const serviceTitle = (id: string) => localize(catalogue.get(id)?.definition.title ?? { en: id }, lang);
    const show = (k: KpiValue) => ({
      ...k, name: t(`kpi.kpis.${k.id}.name`), definition: t(`kpi.kpis.${k.id}.definition`), display: formatValue(k.unit, k.value, lang, t),
      targetDisplay: k.target ? k.target.label : t('kpi.noTarget'), statusText: t(`kpi.status.${k.status}`), statusTag: STATUS_TAGS[k.status],
      detail: k.denominator !== null && k.numerator !== null && k.unit === 'share' ? t('kpi.ofTotal', { n: k.numerator.toLocaleString('en-SG'), d: k.denominator.toLocaleString('en-SG') }) : '',
    });
    const trends = TRENDS.map((id) => {
      const def = kpiDefinition(id);
      const name = t(`kpi.kpis.${id}.name`);
      const values = s.months.map((m) => m.kpis[id] ?? null);
      return {
        id, name,
        svg: lineChartSvg({
          id: `chart-${id}`, title: t('kpi.chart.title', { kpi: name }), desc: t('kpi.chart.desc', { kpi: name, from: s.months[0]?.month ?? '', to: s.months.at(-1)?.month ?? '', target: def.target?.label ?? t('kpi.noTarget') }),
          labels: s.months.map((m) => m.month.slice(2)), values, target: def.target?.value ?? null, targetLabel: def.target ? t('kpi.chart.target', { target: def.target.label }) : undefined,
        }),
        rows: s.months.map((m) => ({ month: m.month, value: formatValue('share', m.kpis[id] ?? null, lang, t), submitted: m.submitted.toLocaleString('en-SG') })),
      };
    });
    const breakdown = s.breakdown.map((b) => ({
      id: b.id, name: b.level === 'agency' ? agencyName(b.id) : serviceTitle(b.id),
      href: `${base}?${scopeQs(b.level === 'agency' ? { agency: b.id } : { service: b.id })}`,
      kpis: Object.fromEntries(b.kpis.map((k) => [k.id, show(k)])),
    }));
    const scopeName = q.service ? serviceTitle(q.service) : q.agency ? agencyName(q.agency) : t('kpi.wholeOfGovernment');
    const crumbs = [{ text: t('kpi.wholeOfGovernment'), href: `${base}?${scopeQs({})}` }];
    if (q.agency) crumbs.push({ text: agencyName(q.agency), href: `${base}?${scopeQs({ agency: q.agency })}` });
    const p = request.principal;
    return reply.page(V('scorecard'), {
      title: base === '/kpi' ? t('kpi.leadership.title') : t('kpi.public.title'), scopeName, query: q, base, crumbs: q.agency ? crumbs : [],
      kpis: s.kpis.map(show), trends, breakdown, breakdownLevel: s.breakdown[0]?.level ?? null, breakdownKpis: BREAKDOWN_KPIS.map((id) => ({ id, name: t(`kpi.kpis.${id}.name`) })),
      openData: { csv: `/performance/kpis.csv?${scopeQs({ agency: q.agency, service: q.service })}`, json: `/performance/kpis.json?${scopeQs({ agency: q.agency, service: q.service })}`, trends: `/performance/trends.csv?${scopeQs({ agency: q.agency, service: q.service })}` },
      licence: LICENCE, form: { from: str(raw.from) || q.from, to: str(raw.to) || q.to }, hidden: { agency: q.agency, service: q.service },
      registersHref: base === '/kpi' && p?.roles.includes('agency_admin') ? '/kpi/registers' : null,
      ...errors,
    }, 'errors' in errors ? 400 : undefined);
  }

  app.get('/performance', { config: { access: 'public' } }, (request, reply) => scorecardPage(request, reply, '/performance'));
  app.get('/kpi', { config: { access: { roles: ['kpi_viewer', 'agency_admin'] } } }, (request, reply) => scorecardPage(request, reply, '/kpi'));

  // ---- registers (agency administrators, their own agency) ---------------------
  async function registersPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status?: number) {
    const agencyId = request.principal!.agencyId ?? '';
    const [returns, costs] = await Promise.all([listReturns(ctx.db, { agencyId }), listCosts(ctx.db, { agencyId })]);
    return reply.page(V('registers'), {
      title: request.t('kpi.registers.title'), agency: localize(catalogue.agency(agencyId)?.name ?? { en: agencyId }, request.lang), returns,
      costs: costs.map((c) => ({ ...c, service: localize(catalogue.get(c.serviceId)?.definition.title ?? { en: c.serviceId }, request.lang) })),
      services: catalogue.byAgency(agencyId).map((s) => ({ value: s.id, text: localize(s.definition.title, request.lang) })),
      fields: RETURN_FIELDS, headers: CSV_HEADERS, done: str((request.query as Record<string, unknown>).done), form: {}, costForm: {}, backHref: '/kpi', ...extra,
    }, status);
  }
  const ADMIN = { config: { access: { roles: ['agency_admin' as const] } } };
  app.get('/kpi/registers', ADMIN, (request, reply) => registersPage(request, reply));

  app.post('/kpi/registers/returns', ADMIN, async (request, reply) => {
    const p = request.principal!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const checked = checkReturn(body, p.agencyId!);
    if (!checked.value) return registersPage(request, reply, { form: body, ...formErrors(request, checked.errors) }, 422);
    await inTransaction(ctx.db, async (trx) => {
      await saveReturn(trx, checked.value!, p.id);
      await appendAudit(trx, { stream: `kpi-register:${p.agencyId}`, action: 'kpi.return_saved', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'kpi_register', subjectId: p.agencyId, requestId: request.id, data: { ...checked.value } });
    });
    return reply.redirect('/kpi/registers?done=return', 303);
  });

  app.post('/kpi/registers/costs', ADMIN, async (request, reply) => {
    const p = request.principal!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const checked = checkCost(body, p.agencyId!, catalogue);
    // the cost form's quarter field has its own id (the return's form has one too)
    const errors = checked.errors.map((e) => (e.field === 'quarter' ? { ...e, field: 'cost-quarter' } : e));
    if (!checked.value) return registersPage(request, reply, { costForm: body, ...formErrors(request, errors) }, 422);
    await inTransaction(ctx.db, async (trx) => {
      await saveCost(trx, checked.value!, p.id);
      await appendAudit(trx, { stream: `kpi-register:${p.agencyId}`, action: 'kpi.cost_saved', actorType: 'officer', actorId: p.id, agencyId: p.agencyId, subjectType: 'kpi_register', subjectId: p.agencyId, requestId: request.id, data: { ...checked.value } });
    });
    return reply.redirect('/kpi/registers?done=cost', 303);
  });

  app.post('/kpi/registers/import', { config: { access: { roles: ['agency_admin'] }, csrf: 'handler' } }, async (request, reply) => {
    const p = request.principal!;
    let kind = '';
    let csrf: unknown;
    let text = '';
    if (request.isMultipart()) {
      for await (const part of request.parts()) {
        if (part.type === 'file') text = (await part.toBuffer()).toString('utf8');
        else if (part.fieldname === 'kind') kind = String(part.value);
        else if (part.fieldname === '_csrf') csrf = part.value;
      }
    } else {
      const body = (request.body ?? {}) as Record<string, unknown>;
      kind = str(body.kind);
      csrf = body._csrf;
      text = typeof body.csv === 'string' ? body.csv : '';
    }
    verifyCsrf(request, csrf);
    if (kind !== 'returns' && kind !== 'costs') return registersPage(request, reply, formErrors(request, [{ field: 'kind', message: 'kpi.registers.import.kindMissing' }]), 422);
    if (!text.trim()) return registersPage(request, reply, formErrors(request, [{ field: 'file', message: 'kpi.registers.import.empty' }]), 422);
    const report: ImportReport = await importRegisterCsv(ctx.db, catalogue, { kind: kind as RegisterKind, agencyId: p.agencyId!, csv: text, by: p.id, requestId: request.id });
    const failed = report.problem || !report.applied;
    const rows = report.rows.map((r) => ({ ...r, messages: r.errors.map((e) => `${e.field}: ${request.t(e.message)}`) }));
    return registersPage(request, reply, {
      importKind: kind,
      report: { ...report, rows, problem: report.problem ? request.t(report.problem, { columns: CSV_HEADERS[kind as RegisterKind].join(', ') }) : null },
      ...(failed ? formErrors(request, [{ field: 'file', message: report.problem ?? 'kpi.registers.import.rejected' }]) : {}),
    }, failed ? 422 : 200);
  });
}

const STATUS_TAGS: Record<string, string> = {
  met: 'govuk-tag--green', at_risk: 'govuk-tag--yellow', missed: 'govuk-tag--red', no_data: 'govuk-tag--grey', no_target: 'govuk-tag--blue', not_applicable: 'govuk-tag--grey',
};
const BREAKDOWN_KPIS = ['e2e_digital_transactions', 'digital_take_up', 'completion_rate', 'satisfaction_citizens', 'satisfaction_businesses'] as const;
export const KPI_CSV_COLUMNS = ['kpi_id', 'from', 'to', 'agency', 'service', 'unit', 'value', 'numerator', 'denominator', 'target', 'target_comparison', 'status'];
export const TREND_CSV_COLUMNS = ['month', 'kpi_id', 'agency', 'service', 'value', 'applications_submitted'];
const num = (v: number | null): string | number => (v === null ? '' : v);

function csv(reply: FastifyReply, name: string, rows: unknown[][]) {
  return reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300')
    .header('content-disposition', `inline; filename="${name}.csv"`).type('text/csv; charset=utf-8').send(stringify(rows as any[][]));
}

/** A KPI value as people read it: 82.4%, 20,000, 5.5 working days, S$12.34. */
export function formatValue(unit: Unit, v: number | null, _lang: Lang, t: (k: string, p?: Record<string, string | number>) => string): string {
  if (v === null) return t('kpi.status.no_data');
  switch (unit) {
    case 'share': return `${(Math.round(v * 1000) / 10).toFixed(1)}%`;
    case 'count': return v.toLocaleString('en-SG');
    case 'days': return t('kpi.workingDays', { n: v.toLocaleString('en-SG') });
    case 'cents': return `S$${(v / 100).toLocaleString('en-SG', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
}
