/**
 * Server-rendered pages: Nunjucks with the govuk-frontend macros (never
 * hand-written copies of components) and Civitas's own brand-neutral theme.
 * Templates are named from src/, e.g. "modules/catalogue/views/home.njk".
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);
export const SRC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GOVUK_DIST = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');

export type Views = nunjucks.Environment;

export function createViews(opts: { watch?: boolean } = {}): Views {
  const loader = new nunjucks.FileSystemLoader([SRC_DIR, GOVUK_DIST], { noCache: false, watch: opts.watch ?? false });
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });
  env.addFilter('merge', (a: object, b: object) => ({ ...(a ?? {}), ...(b ?? {}) }));
  env.addFilter('json', (v: unknown) => new nunjucks.runtime.SafeString(JSON.stringify(v)));
  env.addFilter('date', (iso: string | null | undefined, lang = 'en') => formatDate(iso, lang));
  env.addFilter('datetime', (iso: string | null | undefined, lang = 'en') => formatDateTime(iso, lang));
  env.addFilter('money', (cents: number | null | undefined, currency = 'SGD') => formatMoney(cents, currency));
  return env;
}

const LOCALE: Record<string, string> = { en: 'en-SG', ms: 'ms-SG', zh: 'zh-SG', ta: 'ta-SG' };

// Building an Intl.DateTimeFormat costs far more than using one: keep one per language and kind.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'date' | 'datetime', lang: string): Intl.DateTimeFormat {
  const key = `${kind}:${lang}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE[lang] ?? 'en-SG', kind === 'date'
      ? { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Asia/Singapore' }
      : { day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'Asia/Singapore' });
    formats.set(key, f);
  }
  return f;
}

export function formatDate(iso: string | null | undefined, lang = 'en'): string {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return formatter('date', lang).format(d);
}

export function formatDateTime(iso: string | null | undefined, lang = 'en'): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return formatter('datetime', lang).format(d);
}

export function formatMoney(cents: number | null | undefined, currency = 'SGD'): string {
  if (cents === null || cents === undefined) return '';
  const symbol = currency === 'SGD' ? 'S$' : `${currency} `;
  return `${symbol}${(cents / 100).toFixed(2)}`;
}
