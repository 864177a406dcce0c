/**
 * Every user-facing string is a message key. Messages live beside the code that
 * uses them: src/platform/i18n/messages/<lang>.json and src/modules/<m>/messages/<lang>.json.
 * A missing translation falls back to English; `civitas i18n-check` lists them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LANGUAGES = ['en', 'ms', 'zh', 'ta'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', ms: 'Bahasa Melayu', zh: '中文', ta: 'தமிழ்' };
/** BCP 47 tags for the html lang attribute */
export const LANGUAGE_TAGS: Record<Lang, string> = { en: 'en', ms: 'ms', zh: 'zh-Hans', ta: 'ta' };

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

/** Text in several languages, as written in service definitions: a string is English only. */
export type LocalText = string | Partial<Record<Lang, string>>;

export function localize(text: LocalText | undefined | null, lang: Lang): string {
  if (text === undefined || text === null) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text.en ?? '';
}

type Params = Record<string, string | number | undefined | null>;

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (params[name] === undefined || params[name] === null ? m : String(params[name])));
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, string>, file: string): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') {
      if (out.has(key)) throw new Error(`message key ${key} is defined twice (second time in ${file})`);
      out.set(key, v);
    } else if (v && typeof v === 'object') flatten(v as Record<string, unknown>, key, out, file);
    else throw new Error(`message ${key} in ${file} is not text`);
  }
}

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function messageDirs(): string[] {
  const dirs = [path.join(SRC, 'platform/i18n/messages')];
  const modules = path.join(SRC, 'modules');
  if (fs.existsSync(modules)) {
    for (const m of fs.readdirSync(modules).sort()) {
      const d = path.join(modules, m, 'messages');
      if (fs.existsSync(d)) dirs.push(d);
    }
  }
  return dirs;
}

export class Messages {
  private readonly catalog: Record<Lang, Map<string, string>>;

  constructor(dirs: string[] = messageDirs()) {
    this.catalog = { en: new Map(), ms: new Map(), zh: new Map(), ta: new Map() };
    for (const dir of dirs) {
      for (const lang of LANGUAGES) {
        const file = path.join(dir, `${lang}.json`);
        if (!fs.existsSync(file)) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (e) {
          throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
        }
        flatten(parsed as Record<string, unknown>, '', this.catalog[lang], file);
      }
    }
  }

  has(key: string): boolean {
    return this.catalog.en.has(key);
  }

  t(lang: Lang, key: string, params?: Params): string {
    const text = this.catalog[lang].get(key) ?? this.catalog.en.get(key);
    return text === undefined ? key : interpolate(text, params);
  }

  /** Keys present in English but missing in another language (and keys with no English). */
  missing(): { lang: Lang; key: string }[] {
    const out: { lang: Lang; key: string }[] = [];
    for (const lang of LANGUAGES) {
      if (lang === 'en') continue;
      for (const key of this.catalog.en.keys()) if (!this.catalog[lang].has(key)) out.push({ lang, key });
      for (const key of this.catalog[lang].keys()) if (!this.catalog.en.has(key)) out.push({ lang: 'en', key });
    }
    return out;
  }

  keys(): string[] {
    return [...this.catalog.en.keys()];
  }
}

/** Pick the language: explicit choice (cookie) first, then the browser's Accept-Language. */
export function negotiateLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(cookie)) return cookie;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase().slice(0, 2);
    if (isLang(tag)) return tag;
  }
  return 'en';
}
