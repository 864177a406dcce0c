/**
 * A browser with JavaScript off over real HTTP (fetch): for journeys that leave
 * Civitas for another server (Singpass, Corppass, another provider) and come
 * back. Cookies are kept per host (as browsers do, ports share cookies) and
 * path (a cookie is sent to its path and below, so two with one name may live side by side);
 * redirects are followed one by one; extra headers can be sent to chosen
 * origins (mockpass picks its user from X-Custom-* headers).
 */
export interface HttpPage { status: number; url: string; html: string; headers: Headers }

export class HttpBrowser {
  /** "name path" -> { name, path, value } */
  private readonly cookies = new Map<string, { name: string; path: string; value: string }>();
  last: HttpPage | undefined;
  /** every URL visited, in order (redirects included) */
  readonly visited: string[] = [];

  constructor(private readonly extraHeaders: (url: URL) => Record<string, string> = () => ({})) {}

  private store(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path = attrs.map((a) => /^\s*path=(.*)$/i.exec(a)?.[1]?.trim()).find(Boolean) ?? '/';
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a) || /max-age=0\b/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(`${name} ${path}`);
      else this.cookies.set(`${name} ${path}`, { name, path, value });
    }
  }

  private cookieHeader(url: URL): string {
    const matches = (path: string) => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    // more specific paths first, as browsers send them
    return [...this.cookies.values()].filter((c) => matches(c.path)).sort((a, b) => b.path.length - a.path.length).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  cookie(name: string): string | undefined { return [...this.cookies.values()].find((c) => c.name === name)?.value; }
  /** Cookies for the whole site (path "/"), e.g. to hand the session to another client. */
  allCookies(): [string, string][] { return [...this.cookies.values()].filter((c) => c.path === '/').map((c) => [c.name, c.value]); }

  async request(method: 'GET' | 'POST', url: string, body?: Record<string, string>, follow = true): Promise<HttpPage> {
    let current = new URL(url);
    let m = method;
    let payload: string | undefined = body ? new URLSearchParams(body).toString() : undefined;
    for (let hops = 0; ; hops++) {
      this.visited.push(current.href);
      const res = await fetch(current, {
        method: m, redirect: 'manual', body: payload,
        headers: {
          accept: 'text/html', cookie: this.cookieHeader(current),
          ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...this.extraHeaders(current),
        },
      });
      this.store(res);
      const location = res.headers.get('location');
      if (follow && location && res.status >= 300 && res.status < 400 && hops < 20) {
        await res.arrayBuffer();
        current = new URL(location, current);
        m = 'GET';
        payload = undefined;
        continue;
      }
      this.last = { status: res.status, url: current.href, html: await res.text(), headers: res.headers };
      return this.last;
    }
  }

  get(url: string) { return this.request('GET', url); }

  /** Send a form with the CSRF token of the page last shown. */
  post(url: string, fields: Record<string, string> = {}) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(this.last?.html ?? '')?.[1] ?? '';
    return this.request('POST', url, { _csrf: csrf, ...fields });
  }
}
