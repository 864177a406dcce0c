/**
 * Browser journeys: the real Civitas server on a free port, Debian's Chromium
 * driven by playwright-core, and on every page a person lands on:
 *   - axe (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA) with zero violations allowed,
 *   - the page's weight on a cold cache (HTML + CSS + JS + fonts, bytes on the
 *     wire as the browser's network stack counted them, i.e. compressed and
 *     with response headers) at most PAGE_BUDGET_BYTES,
 *   - no render-blocking script and no inline script but govuk-frontend's
 *     one-line `js-enabled` body class script,
 *   - nothing in the console (a CSP refusal, a script error, a failed load).
 *
 * JavaScript off is emulated over CDP (Emulation.setScriptExecutionDisabled)
 * and switched on only while axe runs: with Playwright's javaScriptEnabled:
 * false, axe's run never finishes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestPlatform } from '../helpers/platform.ts';
import { listeningPlatform, type ListeningPlatform } from '../helpers/servers.ts';

export const PAGE_BUDGET_BYTES = 60 * 1024;
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
/**
 * Every rule of those tags runs. One documented exception inside one rule:
 * govuk-frontend's Radios script puts aria-expanded on a radio that reveals
 * conditional questions, which ARIA 1.2 does not list for role=radio. The
 * GOV.UK Design System keeps it on purpose (screen readers announce it, and
 * research with their users found it helps): alphagov/govuk-frontend#979, a
 * known issue of the component. So aria-allowed-attr stays on for everything,
 * and accepts only aria-expanded, and only on role=radio.
 */
export const AXE_CHECK_OPTIONS = { 'aria-allowed-attr': { options: { radio: ['aria-expanded'] } } };
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../.tmp/e2e');
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_URL_PATH = '/__e2e__/axe.min.js';
let axeSourceCache: string | undefined;
const axeSource = () => (axeSourceCache ??= fs.readFileSync(AXE_PATH, 'utf8'));
/** The only inline script allowed: govuk-frontend's template.njk adds it to <body>. */
const GOVUK_BODY_SCRIPT = "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');";
/** Resource types that count towards a page's weight (images, favicons and manifests do not). */
const WEIGHED_TYPES = new Set(['Document', 'Stylesheet', 'Script', 'Font']);

// ---- the server --------------------------------------------------------------

export type Server = ListeningPlatform;

/**
 * The real platform on a fresh database, listening on 127.0.0.1, with its
 * worker running. Its base URL is its own address, so the links in its
 * emails and the sign-in's return point at this server.
 */
export async function startServer(): Promise<Server> {
  const server = await listeningPlatform();
  server.platform.worker.start();
  return server;
}

// ---- the browser -------------------------------------------------------------

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface PageReport {
  label: string;
  url: string;
  /** bytes transferred per resource type (Document, Stylesheet, Script, Font) */
  bytes: Record<string, number>;
  total: number;
  resources: { url: string; type: string; bytes: number; encoding: string }[];
  violations: { id: string; impact: string | null; help: string; nodes: string[] }[];
}

interface Req {
  url: string;
  type: string;
  loaderId: string;
  frameId: string | undefined;
  bytes: number;
  encoding: string;
  done: boolean;
}

/**
 * One person's browser (a new context is a new device: no cookies, no cache).
 * Every navigation goes through go() or act(), which check the page landed on.
 */
export class Visitor {
  readonly reports: PageReport[] = [];
  private readonly requests = new Map<string, Req>();
  private mainFrameId = '';
  private lastDocument: Req | undefined;
  private consoleErrors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
    readonly js: boolean,
    readonly origin: string,
    readonly name: string,
  ) {}

  static async open(browser: Browser, o: { js: boolean; origin: string; name: string }): Promise<Visitor> {
    const context = await browser.newContext({ baseURL: o.origin, viewport: { width: 1024, height: 768 }, locale: 'en-SG' });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const v = new Visitor(context, page, cdp, o.js, o.origin, o.name);
    await v.instrument();
    return v;
  }

  private async instrument(): Promise<void> {
    const { cdp } = this;
    const tree = await cdp.send('Page.getFrameTree');
    this.mainFrameId = tree.frameTree.frame.id;
    cdp.on('Network.requestWillBeSent', (e) => {
      const prior = this.requests.get(e.requestId);
      // a redirect keeps the request id: its response's bytes were transferred too
      const carried = prior && e.redirectResponse ? prior.bytes + (e.redirectResponse.encodedDataLength ?? 0) : 0;
      const req: Req = { url: e.request.url, type: e.type ?? 'Other', loaderId: e.loaderId, frameId: e.frameId, bytes: carried, encoding: '', done: false };
      this.requests.set(e.requestId, req);
      if (req.type === 'Document' && e.frameId === this.mainFrameId) this.lastDocument = req;
    });
    cdp.on('Network.responseReceived', (e) => {
      const r = this.requests.get(e.requestId);
      if (!r) return;
      r.type = e.type ?? r.type;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      r.encoding = h['content-encoding'] ?? 'identity';
    });
    cdp.on('Network.loadingFinished', (e) => {
      const r = this.requests.get(e.requestId);
      if (!r) return;
      r.bytes += e.encodedDataLength;
      r.done = true;
    });
    cdp.on('Network.loadingFailed', (e) => {
      const r = this.requests.get(e.requestId);
      if (r) r.done = true;
    });
    await cdp.send('Network.enable');
    // a cold cache on every page: each page weighs what a first-time visitor downloads
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (!this.js) await this.scripts(false);
    this.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // a page sent with a 4xx status (a form with errors, a 404 page) is logged
      // as a failed load of the document itself: that is the page working
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && m.location().url === this.page.url()) return;
      this.consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    this.page.on('pageerror', (e) => this.consoleErrors.push(e.message));
  }

  private async scripts(enabled: boolean): Promise<void> {
    await this.cdp.send('Emulation.setScriptExecutionDisabled', { value: !enabled });
  }

  /** Open a URL as if typed into the address bar, then check the page. */
  async go(url: string, label: string, expectStatus = 200): Promise<void> {
    const response = await this.page.goto(url, { waitUntil: 'load' });
    expect(response?.status(), `${label}: status of ${url}`).toBe(expectStatus);
    await this.check(label);
  }

  /**
   * Do something that leads to a new page (click a link, send a form) and
   * check the page it lands on, whatever its URL (a form sent back with errors
   * lands on the same URL).
   */
  async act(action: () => Promise<unknown>, label: string): Promise<void> {
    const before = this.lastDocument;
    const navigated = this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame(), timeout: 15_000 });
    await Promise.all([navigated, action()]);
    await this.page.waitForLoadState('load');
    expect(this.lastDocument, `${label}: a new page was loaded`).not.toBe(before);
    await this.check(label);
  }

  click(target: Locator, label: string): Promise<void> {
    return this.act(() => target.click(), label);
  }

  /** Wait until every request the current document started has finished. */
  private async settled(): Promise<Req[]> {
    const doc = this.lastDocument;
    if (!doc) throw new Error('no page loaded yet');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const mine = [...this.requests.values()].filter((r) => r.loaderId === doc.loaderId);
      if (mine.every((r) => r.done) && doc.done) return mine;
      if (Date.now() > deadline) throw new Error(`requests still loading: ${mine.filter((r) => !r.done).map((r) => r.url).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Axe, weight, scripts and console on the current page; records a report. */
  async check(label: string): Promise<PageReport> {
    const { page } = this;
    await page.waitForLoadState('load');
    const mine = await this.settled();
    const resources = mine.filter((r) => WEIGHED_TYPES.has(r.type) && !r.url.includes(AXE_URL_PATH)).map((r) => ({ url: r.url.replace(this.origin, ''), type: r.type, bytes: r.bytes, encoding: r.encoding }));
    const bytes: Record<string, number> = {};
    for (const r of resources) bytes[r.type] = (bytes[r.type] ?? 0) + r.bytes;
    const total = resources.reduce((n, r) => n + r.bytes, 0);
    const where = `${this.name}: ${label} (${page.url().replace(this.origin, '')})`;

    // scripts: read from the DOM before axe adds its own
    const scripts = await page.evaluate(() => [...document.querySelectorAll('script')].map((s) => ({
      src: s.getAttribute('src'), type: s.getAttribute('type'), defer: s.hasAttribute('defer'), async: s.hasAttribute('async'),
      inHead: !!s.closest('head'), text: s.src ? '' : (s.textContent ?? '').trim(),
    })));
    for (const s of scripts.filter((x) => x.src)) {
      // in <head> a classic script blocks rendering; elsewhere it blocks parsing: allow neither
      expect(s.type === 'module' || s.defer || s.async, `${where}: <script src="${s.src}"> ${s.inHead ? 'in <head> ' : ''}is render-blocking`).toBe(true);
    }
    const inline = scripts.filter((x) => !x.src);
    expect(inline.map((s) => s.text), `${where}: inline scripts`).toEqual(inline.length ? [GOVUK_BODY_SCRIPT] : []);
    expect(inline.every((s) => !s.inHead), `${where}: inline script in <head>`).toBe(true);

    const violations = await this.axe();
    const report: PageReport = { label: `${this.name}: ${label}`, url: page.url().replace(this.origin, ''), bytes, total, resources, violations };
    this.reports.push(report);
    expect(resources.some((r) => r.type === 'Document'), `${where}: the document was weighed`).toBe(true);
    if (!this.js) expect(resources.filter((r) => r.type === 'Script'), `${where}: no scripts fetched with JavaScript off`).toEqual([]);
    expect(violations, `${where}: axe violations`).toEqual([]);
    expect(total, `${where}: page weight ${JSON.stringify(resources)}`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
    // errors logged since the last check (CSP refusals, script errors, failed loads)
    expect(this.consoleErrors.splice(0), `${where}: console errors`).toEqual([]);
    return report;
  }

  private async axe(): Promise<PageReport['violations']> {
    const { page } = this;
    if (!this.js) await this.scripts(true);
    try {
      if (!(await page.evaluate(() => 'axe' in window))) {
        // The pages' Content-Security-Policy allows scripts from 'self' and
        // nonce'd inline scripts only, so axe is served from the page's own
        // origin (intercepted, never reaching the server) instead of inline.
        const url = `${this.origin}${AXE_URL_PATH}`;
        await page.route(url, (route) => route.fulfill({ body: axeSource(), contentType: 'text/javascript; charset=utf-8' }));
        try {
          await page.addScriptTag({ url });
        } finally {
          await page.unroute(url);
        }
      }
      const result = await page.evaluate(async ({ tags, checks }) => {
        const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
        const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'], checks });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
      }, { tags: AXE_TAGS, checks: AXE_CHECK_OPTIONS });
      return result;
    } finally {
      if (!this.js) await this.scripts(false);
    }
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  /** The visible text of <main>, whitespace collapsed. */
  async mainText(): Promise<string> {
    return (await this.page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
  }

  async h1(): Promise<string> {
    return (await this.page.locator('h1').first().innerText()).replace(/\s+/g, ' ').trim();
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

// ---- what the journeys need --------------------------------------------------

/** A small but valid PDF (one empty page). */
export function tinyPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** Every page report as a table, for the test log. */
export function weightTable(reports: PageReport[]): string {
  const kb = (n: number) => (n / 1024).toFixed(1).padStart(5);
  const rows = reports.map((r) => `${kb(r.total)} KB  (html ${kb(r.bytes.Document ?? 0)}, css ${kb(r.bytes.Stylesheet ?? 0)}, js ${kb(r.bytes.Script ?? 0)}, fonts ${kb(r.bytes.Font ?? 0)})  ${r.label}  ${r.url}`);
  const max = reports.reduce((m, r) => Math.max(m, r.total), 0);
  return `${rows.join('\n')}\nheaviest page: ${(max / 1024).toFixed(1)} KB of ${PAGE_BUDGET_BYTES / 1024} KB; axe violations: ${reports.reduce((n, r) => n + r.violations.length, 0)} on ${reports.length} pages`;
}

// ---- journeys of demo personas, with screenshots and an axe check per page -----------

export interface PersonaSuite {
  server: Server;
  platform: TestPlatform;
  /** the server's origin: sign-in returns here (Civitas's own OpenID provider) */
  base: string;
  browser: Browser;
  /** where the screenshots go */
  shots: string;
  /** a fresh browser context signed in as a demo persona */
  person(persona: string): Promise<{ context: BrowserContext; page: Page }>;
  /** photograph the page and check it with axe (WCAG 2.2 AA rules): no serious or critical findings */
  check(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real server and Chromium for one test file. Screenshots are kept in
 * CIVITAS_SCREENSHOTS when it is set; otherwise taken in a temporary directory
 * and removed.
 */
export async function openPersonaSuite(name: string): Promise<PersonaSuite> {
  const keep = !!process.env.CIVITAS_SCREENSHOTS;
  const shots = process.env.CIVITAS_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), `civitas-${name}-shots-`));
  const axe = fs.readFileSync(AXE_PATH, 'utf8');
  const server = await startServer();
  const browser = await launchBrowser();
  const base = server.origin;
  return {
    server, platform: server.platform, base, browser, shots,
    async person(persona) {
      // bypassCSP only so that axe can be injected; the pages themselves run under Civitas's CSP
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/sign-in`);
      await page.click(`[data-persona="${persona}"]`);
      // signing in goes through Civitas's OpenID provider: wait until it lands
      await page.waitForURL((u) => !/^\/(sign-in|interaction|oidc|auth)/.test(u.pathname));
      await page.waitForLoadState('load');
      return { context, page };
    },
    async check(page, label) {
      await page.screenshot({ path: path.join(shots, `${label}.png`), fullPage: true });
      await page.addScriptTag({ content: axe });
      const result = await page.evaluate(async (tags) => (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
      // govuk-frontend's own radios script puts aria-expanded on a radio that reveals content (its
      // conditional reveal); axe's ARIA 1.2 table does not list it for radios. That markup is the
      // component's, not ours, so that one finding is left out; everything else must pass.
      const componentsOwn = (v: any, n: any) => v.id === 'aria-allowed-attr' && /class="govuk-radios__input"/.test(n.html) && /aria-expanded=/.test(n.html);
      const serious = (result.violations as any[]).filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ ...v, nodes: v.nodes.filter((n: any) => !componentsOwn(v, n)) })).filter((v) => v.nodes.length)
        .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      expect(serious, `${label}: axe`).toEqual([]);
    },
    async close() {
      await browser.close();
      await server.close();
      if (!keep) fs.rmSync(shots, { recursive: true, force: true });
    },
  };
}
