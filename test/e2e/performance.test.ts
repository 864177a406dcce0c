/**
 * The public scorecard in Chromium, JavaScript on and off: /performance with
 * a year of demo history passes axe, stays within the page weight budget,
 * draws its charts as accessible SVG with table alternatives, and drills down
 * to an agency and a service; its CSV link serves the figures on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parse } from 'csv-parse/sync';
import { launchBrowser, startServer, Visitor, weightTable, type Server } from './helpers.ts';
import { seedDemoHistory } from '../../src/modules/kpi/index.ts';

let server: Server;
let browser: Browser;
const visitors: Visitor[] = [];
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  await seedDemoHistory(server.platform.ctx.db, server.platform.catalogue, server.platform.ctx.clock());
});
afterAll(async () => {
  const reports = visitors.flatMap((v) => v.reports);
  if (reports.length) console.log(`Scorecard pages (cold cache, bytes transferred):\n${weightTable(reports)}`);
  await browser?.close();
  await server?.close();
});

describe.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('the public scorecard ($mode)', ({ js, mode }) => {
  it('shows every KPI against its target, trends as accessible charts, and drills down', async () => {
    const v = await Visitor.open(browser, { js, origin: server.origin, name: `performance ${mode}` });
    visitors.push(v);
    const { page } = v;
    await v.go('/performance', 'scorecard: whole of government');
    expect(await v.h1()).toBe('Whole of government');
    await expect(page.locator('tr[data-kpi]').count()).resolves.toBe(14);
    // the demo year has figures and a status for the transactional KPIs
    await expect(page.locator('tr[data-kpi="e2e_digital_transactions"]').getAttribute('data-status')).resolves.toMatch(/^(met|at_risk|missed)$/);
    // each chart is an image with a title and a description, and its figures are in a table
    const charts = page.locator('svg[role="img"]');
    await expect(charts.count()).resolves.toBe(5);
    await expect(charts.first().locator('title').textContent()).resolves.toMatch(/by month/);
    await expect(page.locator('[data-chart] details table').count()).resolves.toBe(5);
    if (js) await v.screenshot('performance-government');

    // the CSV behind the link holds the figures on the page
    const csvHref = await page.locator('a[data-open-data="csv"]').getAttribute('href');
    const csv = parse(await (await fetch(`${server.origin}${csvHref}`)).text(), { columns: true }) as Record<string, string>[];
    for (const row of csv) {
      const onPage = await page.locator(`tr[data-kpi="${row.kpi_id}"]`).getAttribute('data-value');
      expect(onPage === '' ? '' : String(Number(onPage)), row.kpi_id).toBe(row.value === '' ? '' : String(Number(row.value)));
    }

    // drill down: an agency, then one of its services
    await v.act(() => page.locator('table[data-table="breakdown"] a', { hasText: 'Ministry of Social and Family Development' }).click(), 'scorecard: an agency');
    expect(await v.h1()).toBe('Ministry of Social and Family Development');
    await v.act(() => page.locator('table[data-table="breakdown"] a').first().click(), 'scorecard: a service');
    await expect(page.locator('tr[data-kpi="officers_digital_literacy"]').getAttribute('data-status')).resolves.toBe('not_applicable');
    if (js) await v.screenshot('performance-service');

    // a wrong date: an error summary first, the figures for the default period still shown
    await v.go('/performance?from=31-01-2026', 'scorecard: a wrong date', 400);
    await expect(page.locator('.govuk-error-summary').count()).resolves.toBe(1);
    await v.close();
  });
});

describe('the leadership pages', () => {
  it('show an agency administrator the scorecard, the comments and the registers, with a CSV import reported row by row', async () => {
    const v = await Visitor.open(browser, { js: true, origin: server.origin, name: 'leadership' });
    visitors.push(v);
    const { page } = v;
    await v.go('/sign-in', 'sign in');
    await v.act(() => page.click('[data-persona="ahmad-faizal"]'), 'signed in');
    await v.go('/kpi', 'leadership scorecard');
    await v.go('/kpi/comments', 'comments');
    await v.go('/kpi/registers', 'registers');
    // a file with one wrong row: nothing saved, the report says which
    await page.getByLabel('Costs per service').check();
    await page.setInputFiles('#file', { name: 'costs.csv', mimeType: 'text/csv', buffer: Buffer.from('quarter,service_id,cost_sgd\n2026-Q4,baby-bonus,1000\n2026-Q4,baby-bonus,2000\n') });
    await v.act(() => page.getByRole('button', { name: 'Check and import' }).click(), 'registers: import rejected');
    await expect(page.locator('[data-import="rejected"]').count()).resolves.toBe(1);
    await expect(page.locator('tr[data-row="3"]').getAttribute('data-ok')).resolves.toBe('no');
    await v.screenshot('kpi-registers-import');
    await v.close();
  });
});

