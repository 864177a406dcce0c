import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode, h1 } from '../../../test/helpers/browser.ts';
import { emailsTo, linkIn } from '../../../test/helpers/mail.ts';
import { SESSION_COOKIE } from './index.ts';

let p: TestPlatform;
let now = new Date();
beforeAll(async () => { p = await createTestPlatform({}, { clock: () => now }); });
afterAll(async () => { await p?.close(); });

async function signUp(b: FormBrowser, email: string, password = 'correct horse battery') {
  await b.get('/sign-up');
  return b.post('/sign-up', { name: 'Nur Aisyah', email, password });
}

/** The sign-in page is the provider's: its form posts to /interaction/<uid>/password. */
const passwordAction = (b: FormBrowser) => /action="(\/interaction\/[\w-]+\/password)"/.exec(b.last!.html)![1]!;

async function signIn(b: FormBrowser, email: string, password: string) {
  await b.get('/sign-in');
  return b.post(passwordAction(b), { email, password });
}

describe('citizen accounts', () => {
  it('signs up, confirms the email address by link and is signed in', async () => {
    const b = new FormBrowser(p.app);
    const page = await signUp(b, 'aisyah@example.sg');
    expect(h1(page.html)).toBe('Check your email');
    const [mail] = await emailsTo(p, 'aisyah@example.sg');
    expect(mail!.subject).toBe('Confirm your email address for Civitas');
    const link = linkIn(mail!.body);
    expect(link).toMatch(/^\/verify-email\?token=/);
    // opening the link only shows a button (mail scanners that prefetch links change nothing)
    let res = await b.get(link);
    expect(h1(res.html)).toBe('Confirm your email address');
    res = await b.post('/verify-email', { token: new URL(link, 'http://x').searchParams.get('token')! });
    expect(res.url).toBe('/my-applications');
    expect(res.html).toContain('Sign out');
    // a used link is spent
    const again = await b.get(link);
    expect(again.status).toBe(410);
  });

  it('does not reveal whether an email address has an account', async () => {
    const b = new FormBrowser(p.app);
    await signUp(b, 'known@example.sg');
    const second = new FormBrowser(p.app);
    const page = await signUp(second, 'known@example.sg');
    expect(h1(page.html)).toBe('Check your email');
    // the account is verified by now? No: both pages read the same; the owner is told by email
    const mails = await emailsTo(p, 'known@example.sg');
    expect(mails.map((m) => m.kind)).toEqual(['identity.verify', 'identity.verify']);

    // sign-in failures read the same for an unknown address and a wrong password
    const unknown = decode((await signIn(new FormBrowser(p.app), 'nobody@example.sg', 'whatever123')).html);
    const wrong = decode((await signIn(new FormBrowser(p.app), 'aisyah@example.sg', 'not the password')).html);
    expect(unknown).toContain('Enter a correct email address and password');
    expect(wrong).toContain('Enter a correct email address and password');

    // a verified account signing up again is told by email, with the same page
    const third = new FormBrowser(p.app);
    expect(h1((await signUp(third, 'aisyah@example.sg')).html)).toBe('Check your email');
    expect((await emailsTo(p, 'aisyah@example.sg')).map((m) => m.kind)).toContain('identity.already-registered');
  });

  it('rotates the session at sign-in and sets safe cookie attributes', async () => {
    const b = new FormBrowser(p.app);
    await b.get('/sign-in');
    // password -> provider -> callback: the session starts at the callback
    let res = await b.request('POST', passwordAction(b), { _csrf: b.csrf(), email: 'aisyah@example.sg', password: 'correct horse battery' }, {}, false);
    const setCookies = (r: typeof res) => ([] as string[]).concat((r.headers['set-cookie'] as string | string[] | undefined) ?? []);
    for (let hops = 0; res.status === 303 || res.status === 302; hops++) {
      expect(hops).toBeLessThan(5);
      if (setCookies(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`))) break;
      res = await b.request('GET', String(res.headers.location), undefined, {}, false);
    }
    expect(res.url).toMatch(/\/sign-in\/callback\?/);
    expect(res.status).toBe(303);
    const cookie = setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const first = b.cookie(SESSION_COOKIE);
    // signing in again from a page of the signed-in session gives a new session
    await b.get('/services/baby-bonus/apply');
    await b.post('/demo/sign-in', { persona: 'tan-ah-kow' });
    expect(b.cookie(SESSION_COOKIE)).not.toBe(first);
    // a cookie planted in the browser before sign-in (fixation) is never kept
    const planted = new FormBrowser(p.app);
    await planted.request('GET', '/', undefined, { cookie: `${SESSION_COOKIE}=planted-by-someone-else-0123456789` });
    await signIn(planted, 'aisyah@example.sg', 'correct horse battery');
    expect(planted.cookie(SESSION_COOKIE)).toMatch(/^[\w-]{40,}$/);
    // the old session no longer works
    const r = await p.app.inject({ url: '/account', headers: { cookie: `${SESSION_COOKIE}=${first}`, accept: 'text/html' } });
    expect(r.statusCode).toBe(302);
  });

  it('ends sessions after 30 minutes idle', async () => {
    const b = new FormBrowser(p.app);
    await signIn(b, 'aisyah@example.sg', 'correct horse battery');
    expect((await b.get('/account')).status).toBe(200);
    now = new Date(now.getTime() + 20 * 60_000);
    expect((await b.get('/account')).status).toBe(200); // activity keeps it alive
    now = new Date(now.getTime() + 31 * 60_000);
    const res = await b.request('GET', '/account', undefined, {}, false);
    expect(String(res.headers.location)).toMatch(/^\/sign-in\?next=%2Faccount/);
    now = new Date();
  });

  it('limits sign-in attempts per address, for unknown addresses too', async () => {
    for (const email of ['aisyah@example.sg', 'ghost@example.sg']) {
      const b = new FormBrowser(p.app);
      let last;
      for (let i = 0; i < 11; i++) last = await signIn(b, email, 'wrong password 1');
      expect(last!.status).toBe(429);
      expect(decode(last!.html)).toMatch(/too many attempts to sign in/);
    }
    // even the right password waits until the window passes
    const b = new FormBrowser(p.app);
    expect((await signIn(b, 'aisyah@example.sg', 'correct horse battery')).status).toBe(429);
    now = new Date(now.getTime() + 16 * 60_000);
    expect((await signIn(b, 'aisyah@example.sg', 'correct horse battery')).url).toBe('/my-applications');
  });

  it('resets a forgotten password by a single-use link, ending other sessions', async () => {
    const other = new FormBrowser(p.app);
    await signIn(other, 'aisyah@example.sg', 'correct horse battery');
    const b = new FormBrowser(p.app);
    await b.get('/forgot-password');
    let res = await b.post('/forgot-password', { email: 'aisyah@example.sg' });
    expect(h1(res.html)).toBe('Check your email');
    await b.get('/forgot-password');
    res = await b.post('/forgot-password', { email: 'nobody-here@example.sg' });
    expect(h1(res.html)).toBe('Check your email');
    const mail = (await emailsTo(p, 'aisyah@example.sg')).filter((m) => m.kind === 'identity.reset').at(-1)!;
    const link = linkIn(mail.body);
    res = await b.get(link);
    expect(h1(res.html)).toBe('Create a new password');
    res = await b.post('/reset-password', { token: new URL(link, 'http://x').searchParams.get('token')!, password: 'short' });
    expect(res.status).toBe(422);
    res = await b.post('/reset-password', { token: new URL(link, 'http://x').searchParams.get('token')!, password: 'a brand new passphrase' });
    expect(res.url).toBe('/account?reset=1');
    // the other browser is sent to sign in again
    expect(h1((await other.get('/account')).html)).toBe('Sign in');
    expect((await signIn(new FormBrowser(p.app), 'aisyah@example.sg', 'correct horse battery')).status).toBe(422);
    expect((await signIn(new FormBrowser(p.app), 'aisyah@example.sg', 'a brand new passphrase')).url).toBe('/my-applications');
    expect((await b.get(link)).status).toBe(410);
  });

  it('refuses weak passwords and bad emails with messages on the fields', async () => {
    const b = new FormBrowser(p.app);
    await b.get('/sign-up');
    const res = await b.post('/sign-up', { name: '', email: 'not-an-email', password: 'password' });
    expect(res.status).toBe(422);
    const html = decode(res.html);
    expect(html).toContain('Enter your full name');
    expect(html).toContain('Enter an email address in the correct format');
    expect(html).toContain('This password is too common');
    expect(html).toContain('value="not-an-email"');
  });

  it('refuses forms without a valid CSRF token', async () => {
    const b = new FormBrowser(p.app);
    await b.get('/sign-in');
    const res = await b.request('POST', passwordAction(b), { email: 'aisyah@example.sg', password: 'a brand new passphrase' });
    expect(res.status).toBe(403);
    expect(decode(res.html)).toContain('This form has expired or was sent twice');
  });
});

describe('demo conveniences', () => {
  it('exist in demo mode', async () => {
    const b = new FormBrowser(p.app);
    const page = await b.get('/sign-in');
    expect(page.html).toContain('Sign in as Tan Ah Kow');
    expect((await b.post('/demo/sign-in', { persona: 'tan-ah-kow' })).url).toBe('/my-applications');
    expect((await b.get('/demo/mail')).status).toBe(200);
  });

  it('do not exist outside demo mode', async () => {
    const prod = await createTestPlatform({ CIVITAS_DEMO: '0' });
    try {
      const b = new FormBrowser(prod.app);
      const page = await b.get('/sign-in');
      expect(page.html).not.toContain('Sign in as');
      expect(page.html).not.toContain('/demo/mail');
      expect((await b.post('/demo/sign-in', { persona: 'tan-ah-kow' })).status).toBe(404);
      expect((await b.get('/demo/mail')).status).toBe(404);
      expect(await prod.ctx.db.selectFrom('accounts').selectAll().execute()).toHaveLength(0);
    } finally {
      await prod.close();
    }
  });
});
