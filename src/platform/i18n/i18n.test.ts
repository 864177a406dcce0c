import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Messages, interpolate, localize, negotiateLang } from './index.ts';

describe('messages', () => {
  const messages = new Messages();

  it('exist in English, Malay, Chinese and Tamil for every key (the i18n check)', () => {
    expect(messages.missing()).toEqual([]);
  });

  it('fall back to English and then to the key', () => {
    expect(messages.t('ta', 'common.back')).toBe('பின்செல்');
    expect(messages.t('ms', 'no.such.key')).toBe('no.such.key');
    expect(localize({ en: 'Hello' }, 'zh')).toBe('Hello');
    expect(localize('Plain', 'ms')).toBe('Plain');
  });

  it('keep the same {placeholders} in every language', () => {
    for (const key of messages.keys()) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const en = names(messages.t('en', key));
      for (const lang of ['ms', 'zh', 'ta'] as const) expect(names(messages.t(lang, key)), `${lang}: ${key}`).toEqual(en);
    }
  });

  it('every message key used in templates and code exists', () => {
    const src = path.resolve(__dirname, '../..');
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (/\.(njk|ts)$/.test(e.name) && !e.name.endsWith('.test.ts')) {
          const text = fs.readFileSync(f, 'utf8');
          for (const m of text.matchAll(/\bt\(\s*["']([a-z][\w-]*(?:\.[\w-]+)+)["']/g)) used.add(m[1]!);
        }
      }
    };
    walk(src);
    const missing = [...used].filter((k) => !messages.has(k));
    expect(missing).toEqual([]);
  });

  it('chooses the language from the cookie, then the browser', () => {
    expect(negotiateLang('ta', 'en-GB')).toBe('ta');
    expect(negotiateLang(undefined, 'zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(negotiateLang('xx', 'fr-FR')).toBe('en');
    expect(interpolate('Hi {name}', { name: 'Ah Kow' })).toBe('Hi Ah Kow');
  });
});
