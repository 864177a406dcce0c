/**
 * House rules that a reader should be able to trust without checking:
 * modules use each other only through index.ts, and the platform depends on no module.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(new URL(import.meta.url).pathname);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name);
    return e.isDirectory() ? files(f) : f.endsWith('.ts') ? [f] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => path.resolve(path.dirname(file), m[1]!));
}

const moduleOf = (f: string) => /\/src\/modules\/([^/]+)\//.exec(f)?.[1];

describe('architecture', () => {
  it('modules import each other only through index.ts', () => {
    const offences: string[] = [];
    for (const f of files(path.join(SRC, 'modules'))) {
      for (const target of imports(f)) {
        const from = moduleOf(f);
        const to = moduleOf(target);
        if (to && from !== to && !target.endsWith(`/modules/${to}/index.ts`)) offences.push(`${path.relative(SRC, f)} -> ${path.relative(SRC, target)}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('the platform depends on no module', () => {
    const offences = files(path.join(SRC, 'platform')).flatMap((f) => imports(f).filter((t) => t.includes('/src/modules/')).map((t) => `${path.relative(SRC, f)} -> ${path.relative(SRC, t)}`));
    expect(offences).toEqual([]);
  });
});
