/**
 * A cookie-keeping HTTP client over Fastify's inject(): what a browser with
 * JavaScript off does (follow links, send forms with their hidden CSRF token).
 */
import type { App } from '../../src/platform/http/index.ts';

export interface Page { status: number; url: string; html: string; headers: Record<string, string | string[] | number | undefined> }

export class FormBrowser {
  private readonly cookies = new Map<string, string>();
  last: Page | undefined;

  constructor(private readonly app: App) {}

  /** The same browser (cookies) talking to another Civitas process. */
  on(app: App): FormBrowser {
    const b = new FormBrowser(app);
    for (const [k, v] of this.cookies) b.cookies.set(k, v);
    b.last = this.last;
    return b;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(setCookie: string | string[] | undefined): void {
    for (const c of ([] as string[]).concat(setCookie ?? [])) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a) || /max-age=0\b/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: 'GET' | 'POST', url: string, body?: Record<string, string | string[]> | string, headers: Record<string, string> = {}, follow = true): Promise<Page> {
    let res = await this.app.inject({
      method, url,
      headers: { cookie: this.cookieHeader(), accept: 'text/html', ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : new URLSearchParams(Object.entries(body).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString(),
    });
    this.store(res.headers['set-cookie']);
    let current = url;
    for (let hops = 0; follow && res.statusCode >= 300 && res.statusCode < 400 && hops < 10; hops++) {
      current = new URL(String(res.headers.location), `http://localhost${current}`).pathname + new URL(String(res.headers.location), `http://localhost${current}`).search;
      res = await this.app.inject({ method: 'GET', url: current, headers: { cookie: this.cookieHeader(), accept: 'text/html' } });
      this.store(res.headers['set-cookie']);
    }
    this.last = { status: res.statusCode, url: current, html: res.body, headers: res.headers as Page['headers'] };
    return this.last;
  }

  get(url: string) {
    return this.request('GET', url);
  }

  /** Send a form, adding the CSRF token of the page last shown (as a browser would). */
  post(url: string, fields: Record<string, string | string[]> = {}, opts: { follow?: boolean } = {}) {
    return this.request('POST', url, { _csrf: this.csrf(), ...fields }, {}, opts.follow ?? true);
  }

  /** Send a form with files (multipart/form-data), as a browser does for a page with an upload. */
  async postMultipart(url: string, fields: Record<string, string>, files: Record<string, { name: string; type: string; content: Buffer }>): Promise<Page> {
    const boundary = `----civitas${Date.now()}`;
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries({ _csrf: this.csrf(), ...fields })) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    }
    for (const [k, f] of Object.entries(files)) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.content, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    const body = Buffer.concat(parts);
    const res = await this.app.inject({ method: 'POST', url, headers: { cookie: this.cookieHeader(), accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    this.store(res.headers['set-cookie']);
    if (res.statusCode >= 300 && res.statusCode < 400) return this.get(String(res.headers.location));
    this.last = { status: res.statusCode, url, html: res.body, headers: res.headers as Page['headers'] };
    return this.last;
  }

  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.last?.html ?? '');
    return m ? m[1]! : '';
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

/** The text of the page's <h1> (tags stripped). */
export function h1(html: string): string {
  const m = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html);
  return m ? m[1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() : '';
}

export function title(html: string): string {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/.exec(html);
  return m ? m[1]!.replace(/\s+/g, ' ').trim() : '';
}

export function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}
