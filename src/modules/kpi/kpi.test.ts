/**
 * The scorecard from real transactions: an application sent and decided moves
 * the KPIs at once; a counter application lowers e2e_digital_transactions;
 * the public page, its CSV and JSON agree with the API; the rollups kept up to
 * date incrementally equal a full rebuild from the facts; registers import
 * whole or not at all; data sharing says "no data" until a source is registered.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { approveThroughCasework, babyBonusAnswers, drain, sendBabyBonus, signInAs } from '../../../test/helpers/casework.ts';
import { h1 } from '../../../test/helpers/browser.ts';
import { inTransaction } from '../../platform/db/index.ts';
import { createSubmittedApplication } from '../applications/index.ts';
import { createApiKey } from '../identity/index.ts';
import { findFact, rebuildRollups, registerDataSharingSource, type KpiValue } from './index.ts';
import { importRegisterCsv } from './registers.ts';

let p: TestPlatform;
let key: string;
const to = '2099-12-31';
const from = '2000-01-01';

beforeAll(async () => {
  p = await createTestPlatform();
  key = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'scorecard', scopes: ['kpi:read'] })).key;
});
afterAll(async () => { await p?.close(); });

async function api(query = ''): Promise<Record<string, KpiValue>> {
  const r = await p.app.inject({ method: 'GET', url: `/api/v1/kpis?from=${from}&to=${to}${query}`, headers: { authorization: `Bearer ${key}` } });
  expect(r.statusCode, r.body).toBe(200);
  return Object.fromEntries(r.json().kpis.map((k: KpiValue) => [k.id, k]));
}

async function counterApplication(): Promise<string> {
  const service = p.catalogue.get('baby-bonus')!;
  const officer = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'wong-li-hua').executeTakeFirstOrThrow()).id as string;
  const citizen = (await p.ctx.db.selectFrom('accounts').select('id').where('demo_persona', '=', 'tan-ah-kow').executeTakeFirstOrThrow()).id as string;
  return (await inTransaction(p.ctx.db, (trx) => createSubmittedApplication(p.ctx, trx, {
    service, channel: 'counter', applicantId: citizen, actingForUen: null, contactEmail: null, lang: 'en', answers: babyBonusAnswers(), uploads: {},
    by: { type: 'officer', id: officer, agencyId: 'msf' },
  }))).id;
}

describe('KPIs from transactions', () => {
  it('counts an online application sent, decided and issued at once, and a counter one against e2e', async () => {
    const before = await api();
    expect(before.e2e_digital_transactions!.denominator).toBe(0);
    expect(before.e2e_digital_transactions!.status).toBe('no_data');

    const citizen = await signInAs(p, 'tan-ah-kow');
    const { id } = await sendBabyBonus(citizen);
    let k = await api();
    expect(k.completion_rate!.numerator).toBe(1);
    expect(k.completion_rate!.denominator).toBe(1);
    expect(k.digital_take_up!.value).toBe(1);
    expect(k.e2e_digital_transactions!.denominator).toBe(0); // not decided yet

    await approveThroughCasework(p, id); // approval, then the document is issued by its job
    const fact = (await findFact(p.ctx.db, id))!;
    expect(fact).toMatchObject({ channel: 'online', decision: 'approved', outputIssuedDigitally: true, audience: 'citizen' });
    expect(fact.completedAt).not.toBeNull();
    k = await api();
    expect(k.e2e_digital_transactions!.value).toBe(1);
    expect(k.e2e_digital_transactions!.status).toBe('met');

    // a counter application, decided: completed, but not digitally end to end
    const counter = await counterApplication();
    await approveThroughCasework(p, counter);
    k = await api();
    expect(k.e2e_digital_transactions).toMatchObject({ numerator: 1, denominator: 2, value: 0.5, status: 'missed' });
    expect(k.digital_take_up!.value).toBe(0.5);
    // by agency and by service, the same here; another agency has none
    expect((await api('&agency=msf')).e2e_digital_transactions!.value).toBe(0.5);
    expect((await api('&service=baby-bonus')).e2e_digital_transactions!.value).toBe(0.5);
    expect((await api('&agency=avs')).e2e_digital_transactions!.denominator).toBe(0);
    // a range before it happened has nothing
    expect((await api().then(() => p.app.inject({ method: 'GET', url: '/api/v1/kpis?from=2001-01-01&to=2001-12-31', headers: { authorization: `Bearer ${key}` } }))).json().kpis
      .find((x: KpiValue) => x.id === 'e2e_digital_transactions').denominator).toBe(0);
  });

  it('keeps the rollups equal to a full rebuild from the facts', async () => {
    const snapshot = async () => (await p.ctx.db.selectFrom('kpi_rollups').selectAll().execute())
      .map((r: any) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'shard' ? 0 : typeof v === 'string' ? v : Number(v)])));
    const sumByKey = (rows: any[]) => {
      const m = new Map<string, Record<string, number>>();
      for (const r of rows) {
        const key = [r.day, r.agency_id, r.service_id, r.channel, r.audience].join('|');
        const acc = m.get(key) ?? {};
        for (const [c, v] of Object.entries(r)) if (typeof v === 'number' && c !== 'shard') acc[c] = (acc[c] ?? 0) + v;
        m.set(key, acc);
      }
      return Object.fromEntries([...m.entries()].sort());
    };
    const incremental = sumByKey(await snapshot());
    expect(await rebuildRollups(p.ctx.db)).toBeGreaterThanOrEqual(2);
    expect(sumByKey(await snapshot())).toEqual(incremental);
  });

  it('serves the same figures on the public page, in its CSV and JSON, and in the API', async () => {
    const q = `from=${from}&to=${to}&agency=msf`;
    const fromApi = await api('&agency=msf');
    const page = await p.app.inject({ method: 'GET', url: `/performance?${q}` });
    expect(page.statusCode).toBe(200);
    const onPage = Object.fromEntries([...page.body.matchAll(/data-kpi="([a-z0-9_]+)" data-value="([^"]*)" data-status="([a-z_]+)"/g)].map((m) => [m[1], { value: m[2] === '' ? null : Number(m[2]), status: m[3] }]));
    const csvRes = await p.app.inject({ method: 'GET', url: `/performance/kpis.csv?${q}` });
    expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
    const inCsv = Object.fromEntries(parse(csvRes.body, { columns: true }).map((r: any) => [r.kpi_id, { value: r.value === '' ? null : Number(r.value), status: r.status }]));
    const json = (await p.app.inject({ method: 'GET', url: `/performance/kpis.json?${q}` })).json();
    const inJson = Object.fromEntries(json.kpis.map((k: KpiValue) => [k.id, { value: k.value, status: k.status }]));
    const expected = Object.fromEntries(Object.values(fromApi).map((k) => [k.id, { value: k.value, status: k.status }]));
    expect(Object.keys(expected)).toHaveLength(14);
    expect(onPage).toEqual(expected);
    expect(inCsv).toEqual(expected);
    expect(inJson).toEqual(expected);
    // the page draws accessible charts with a table alternative
    expect(page.body).toMatch(/<svg[^>]+role="img"[^>]+aria-labelledby="chart-e2e_digital_transactions-title chart-e2e_digital_transactions-desc"/);
    expect(page.body).toContain('<title id="chart-e2e_digital_transactions-title">');
    // a wrong parameter is a clear 422, never a 500
    expect((await p.app.inject({ method: 'GET', url: '/performance/kpis.csv?from=yesterday' })).statusCode).toBe(422);
    expect((await p.app.inject({ method: 'GET', url: '/api/v1/kpis?agency=nope', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(422);
  });
});

describe('definitions, registers and data sharing', () => {
  it('computes coverage from the service definitions', async () => {
    const k = await api();
    const feeServices = p.catalogue.list().filter((s) => s.definition.fee.type !== 'none');
    expect(k.e_payment_coverage).toMatchObject({ denominator: feeServices.length, value: 1 });
    expect(k.e_signature_coverage!.denominator).toBe(p.catalogue.list().filter((s) => s.definition.signatureRequired).length);
    expect(k.prefill_coverage!.denominator).toBe(p.catalogue.list().length);
  });

  it('imports a register CSV whole or not at all', async () => {
    const header = 'quarter,officers_total,officers_trained_data_analytics,officers_digital_literacy,ai_projects,eligible_systems,cloud_systems';
    const bad = await importRegisterCsv(p.ctx.db, p.catalogue, { kind: 'returns', agencyId: 'msf', by: 'x', csv: `${header}\n2026-Q1,100,20,90,1,10,7\n2026-Q2,100,200,90,1,10,7\n2026-Q9,1,1,1,1,1,1\n` });
    expect(bad.applied).toBe(false);
    expect(bad.rows.map((r) => r.ok)).toEqual([true, false, false]);
    expect((await api()).cloud_adoption!.status).toBe('no_data');
    const good = await importRegisterCsv(p.ctx.db, p.catalogue, { kind: 'returns', agencyId: 'msf', by: 'x', csv: `${header}\n2026-Q1,100,20,90,1,10,7\n2026-Q2,100,30,95,2,10,8\n` });
    expect(good.applied).toBe(true);
    const k = await api();
    expect(k.cloud_adoption).toMatchObject({ numerator: 8, denominator: 10, value: 0.8, status: 'met' }); // the latest quarter
    expect(k.officers_trained_data_analytics).toMatchObject({ value: 30, status: 'missed' });
    expect(k.ministries_with_ai_projects).toMatchObject({ numerator: 1, denominator: p.catalogue.agencies.length });
    const costs = await importRegisterCsv(p.ctx.db, p.catalogue, { kind: 'costs', agencyId: 'msf', by: 'x', csv: 'quarter,service_id,cost_sgd\n2026-Q1,baby-bonus,1000.50\n2026-Q1,dog-licence,5\n' });
    expect(costs.rows.map((r) => r.ok)).toEqual([true, false]); // not MSF's service
  });

  it('reports data sharing as "no data" until the exchange registers a source', async () => {
    expect((await api()).data_sharing_days).toMatchObject({ value: null, status: 'no_data' });
    registerDataSharingSource(p.kpi, async () => ({ medianWorkingDays: 5, withinSevenShare: 0.75, requests: 8 }));
    expect((await api()).data_sharing_days).toMatchObject({ value: 5, numerator: 6, denominator: 8, status: 'met' });
    p.kpi.dataSharing = null;
  });
});

describe('the registers pages', () => {
  it('lets an agency administrator save a return, import a CSV whole or not at all, and shows leadership the scorecard', async () => {
    const admin = await signInAs(p, 'ahmad-faizal');
    let page = await admin.get('/kpi/registers');
    expect(page.status).toBe(200);
    // a form with mistakes: the error summary first, what was typed kept
    page = await admin.post('/kpi/registers/returns', { quarter: '2026-Q5', officersTotal: '1200', officersTrainedDataAnalytics: 'lots', officersDigitalLiteracy: '1100', aiProjects: '2', eligibleSystems: '40', cloudSystems: '30' });
    expect(page.status).toBe(422);
    expect(page.html).toContain('govuk-error-summary');
    expect(page.html).toContain('value="1200"');
    page = await admin.post('/kpi/registers/returns', { quarter: '2026-q3', officersTotal: '1200', officersTrainedDataAnalytics: '500', officersDigitalLiteracy: '1100', aiProjects: '2', eligibleSystems: '40', cloudSystems: '30' });
    expect(page.url).toBe('/kpi/registers?done=return');
    expect(page.html).toContain('2026-Q3');

    const csv = (rows: string) => ({ file: { name: 'costs.csv', type: 'text/csv', content: Buffer.from(`quarter,service_id,cost_sgd\n${rows}`) } });
    page = await admin.postMultipart('/kpi/registers/import', { kind: 'costs' }, csv('2026-Q3,baby-bonus,125000\n2026-Q3,comcare-assistance,twelve\n'));
    expect(page.status).toBe(422);
    expect(page.html).toContain('data-import="rejected"');
    expect(page.html).toMatch(/data-row="2" data-ok="yes"/);
    expect(page.html).toMatch(/data-row="3" data-ok="no"/);
    expect((await p.ctx.db.selectFrom('kpi_costs').selectAll().where('quarter', '=', '2026-Q3').execute())).toHaveLength(0);
    await admin.get('/kpi/registers');
    page = await admin.postMultipart('/kpi/registers/import', { kind: 'costs' }, csv('2026-Q3,baby-bonus,125000\n2026-Q3,comcare-assistance,80000.50\n'));
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-import="applied"');
    expect((await p.ctx.db.selectFrom('kpi_costs').selectAll().where('quarter', '=', '2026-Q3').execute())).toHaveLength(2);

    // leadership: the KPI viewer sees the scorecard; the registers are the administrator's
    const viewer = await signInAs(p, 'farah-aziz');
    page = await viewer.get('/kpi?agency=msf');
    expect(page.status).toBe(200);
    expect(h1(page.html)).toBe('Ministry of Social and Family Development');
    expect(page.html).not.toContain('href="/kpi/registers"');
    expect((await viewer.get('/kpi/registers')).status).toBe(403);
    expect((await admin.get('/kpi')).html).toContain('href="/kpi/registers"');
  });
});

describe('access', () => {
  it('needs the kpi:read scope for the API; the public page needs nothing', async () => {
    const other = (await createApiKey(p.ctx.db, { agencyId: 'msf', name: 'other', scopes: ['applications:read'] })).key;
    expect((await p.app.inject({ method: 'GET', url: '/api/v1/kpis', headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(403);
    expect((await p.app.inject({ method: 'GET', url: '/api/v1/kpis' })).statusCode).toBe(401);
    expect((await p.app.inject({ method: 'GET', url: '/performance' })).statusCode).toBe(200);
    await drain(p);
  });
});
