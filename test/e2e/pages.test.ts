/**
 * The public pages one by one (JavaScript on and off), in every language, and
 * a test of the checks themselves: a page that breaks each rule must fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, Visitor, weightTable, type Server } from './helpers.ts';

let server: Server;
let browser: Browser;
const visitors: Visitor[] = [];
beforeAll(async () => { [server, browser] = await Promise.all([startServer(), launchBrowser()]); });
afterAll(async () => {
  const reports = visitors.flatMap((v) => v.reports);
  if (reports.length) console.log(`Public pages (cold cache, bytes transferred):\n${weightTable(reports)}`);
  await browser?.close();
  await server?.close();
});

// (the journeys also check /services, a life event page, the demo mail viewer
// and every signed-in page on their way)
const PAGES: [url: string, label: string, status?: number][] = [
  ['/', 'home'],
  ['/services?q=baby', 'search: baby'],
  ['/services?q=zzzz', 'search: nothing found'],
  ['/services/baby-bonus', 'service page'],
  ['/sign-in', 'sign in'],
  ['/sign-up', 'create an account'],
  ['/forgot-password', 'forgotten password'],
  ['/verify-email?token=not-a-real-token-0123456789', 'expired link', 410],
  ['/pages/accessibility', 'accessibility statement'],
  ['/no-such-page', 'not found', 404],
  ['/services/no-such-service', 'no such service', 404],
];

describe.concurrent.each([{ js: true, mode: 'JS on' }, { js: false, mode: 'JS off' }])('public pages ($mode)', ({ js, mode }) => {
  it('pass axe, stay within the weight budget and block no rendering', async () => {
    const v = await Visitor.open(browser, { js, origin: server.origin, name: mode });
    visitors.push(v);
    const { page } = v;
    for (const [url, label, status] of PAGES) {
      await v.go(url, label, status);
      // forms sent with mistakes: errors first, nothing typed is lost
      if (url === '/sign-in') {
        await v.click(page.getByRole('button', { name: 'Sign in', exact: true }), 'sign in (errors)');
        await expect(page.title()).resolves.toMatch(/^Error: /);
      }
      if (url === '/sign-up') {
        await page.getByLabel('Email address').fill('not an email');
        await v.click(page.getByRole('button', { name: 'Create account' }), 'create an account (errors)');
        await expect(page.title()).resolves.toMatch(/^Error: /);
        await expect(page.getByLabel('Email address').inputValue()).resolves.toBe('not an email');
      }
    }
    expect(await v.h1()).toBe('Page not found');
    if (js) await v.screenshot('not-found');

    // the home page and a service page in every language, switched with the language links
    const english = await (async () => { await v.go('/', 'home'); return v.h1(); })();
    const switchTo = async (name: string, lang: string, label: string) => {
      // each language is named in itself, so the link reads the same whatever the page's language
      await v.click(page.getByRole('link', { name, exact: true }), label);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(lang);
    };
    await switchTo('Bahasa Melayu', 'ms', 'home (ms)');
    expect(await v.h1()).not.toBe(english);
    if (js) await v.screenshot('home-ms');
    await v.go('/services/baby-bonus', 'service page (ms)');
    expect(await v.h1()).toBe('Tuntut Bonus Bayi');
    await switchTo('中文', 'zh-Hans', 'service page (zh)');
    expect(await v.h1()).toBe('申领婴儿花红');
    await v.go('/', 'home (zh)');
    if (js) await v.screenshot('home-zh');
    await switchTo('தமிழ்', 'ta', 'home (ta)');
    if (js) await v.screenshot('home-ta');
    await v.go('/services/baby-bonus', 'service page (ta)');
    expect(await v.h1()).toBe('குழந்தை போனஸைப் பெறுக');
    await v.click(page.getByRole('link', { name: 'English' }), 'service page (en)');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    expect(await v.h1()).toBe('Claim the Baby Bonus');
    await v.close();
  }, 120_000);
});

describe('the checks themselves', () => {
  const shell = (head: string, body: string) =>
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test page</title>${head}</head><body><main><h1>Test page</h1>${body}</main></body></html>`;
  const cases: [what: string, html: string, error: RegExp][] = [
    ['a render-blocking script', shell('<script src="/__e2e__/blocking.js"></script>', ''), /render-blocking/],
    ['an inline script of our own', shell('', '<script>window.x = 1;</script>'), /inline scripts/],
    ['an image without alternative text', shell('', '<img src="/__e2e__/pixel.png">'), /axe violations/],
    ['a page over the weight budget', shell('', `<p>${Array.from({ length: 90_000 }, (_, i) => ((i * 7919) % 2147483647).toString(36)).join(' ')}</p>`), /page weight/],
  ];

  it.each(cases)('fail a page with %s', async (_what, html, error) => {
    const v = await Visitor.open(browser, { js: true, origin: server.origin, name: 'self-test' });
    try {
      await v.page.route(`${server.origin}/__e2e__/**`, (route) => {
        const url = route.request().url();
        if (url.endsWith('.js')) return route.fulfill({ body: 'window.y = 1;', contentType: 'text/javascript' });
        if (url.endsWith('.png')) return route.fulfill({ body: Buffer.from('89504e470d0a1a0a', 'hex'), contentType: 'image/png' });
        return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
      });
      await expect(v.go('/__e2e__/page', 'a broken page')).rejects.toThrow(error);
    } finally {
      await v.close();
    }
  });
});
