/**
 * Front-end assets: the theme compiled from Sass, govuk-frontend's JavaScript,
 * and the images it references. Built into dist/assets when missing or stale
 * (a few seconds, once), fingerprinted so browsers may cache them for a year.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { GOVUK_DIST, SRC_DIR } from './index.ts';

export const ASSETS_OUT = path.resolve(SRC_DIR, '../dist/assets');
const SOURCE = path.join(SRC_DIR, 'platform/views/assets');

export interface AssetManifest {
  css: string;
  js: string;
  /** passkey buttons (WebAuthn): @simplewebauthn/browser's bundle, then Civitas's script using it */
  webauthnJs: string;
  passkeysJs: string;
  /** where to serve fingerprinted files from */
  dir: string;
  /** govuk-frontend's images, manifest and icons */
  govukAssetsDir: string;
}

function newestMtime(files: string[]): number {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

const fingerprint = (content: string | Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 10);
const require = createRequire(import.meta.url);

export async function buildAssets(opts: { force?: boolean } = {}): Promise<AssetManifest> {
  const manifestFile = path.join(ASSETS_OUT, 'manifest.json');
  const webauthnBundle = path.resolve(path.dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js');
  const inputs = [path.join(SOURCE, 'civitas.scss'), path.join(SOURCE, 'civitas.js'), path.join(SOURCE, 'passkeys.js'), path.join(GOVUK_DIST, '../package.json'), webauthnBundle];
  if (!opts.force && fs.existsSync(manifestFile) && fs.statSync(manifestFile).mtimeMs >= newestMtime(inputs)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as AssetManifest;
    if (m.webauthnJs) return m;
  }
  const sass = await import('sass');
  const result = await sass.compileAsync(path.join(SOURCE, 'civitas.scss'), {
    style: 'compressed',
    importers: [new sass.NodePackageImporter()],
    silenceDeprecations: ['import'],
    quietDeps: true,
  });
  fs.mkdirSync(ASSETS_OUT, { recursive: true });
  const govukJs = fs.readFileSync(path.join(GOVUK_DIST, 'govuk/govuk-frontend.min.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  const govukJsName = 'govuk-frontend.min.js';
  fs.writeFileSync(path.join(ASSETS_OUT, govukJsName), govukJs);
  const js = fs.readFileSync(path.join(SOURCE, 'civitas.js'), 'utf8').replace('./govuk-frontend.min.js', `./${govukJsName}?v=${fingerprint(govukJs)}`);
  const cssName = `civitas-${fingerprint(result.css)}.css`;
  const jsName = `civitas-${fingerprint(js)}.js`;
  for (const f of fs.readdirSync(ASSETS_OUT)) if (/^civitas-[0-9a-f]{10}\.(css|js)$/.test(f)) fs.unlinkSync(path.join(ASSETS_OUT, f));
  fs.writeFileSync(path.join(ASSETS_OUT, cssName), result.css);
  fs.writeFileSync(path.join(ASSETS_OUT, jsName), js);
  // @simplewebauthn/browser's own minified bundle (one small file, ~4 KB compressed) and the script that uses it
  const webauthn = fs.readFileSync(webauthnBundle, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  const webauthnName = `simplewebauthn-${fingerprint(webauthn)}.js`;
  const passkeys = fs.readFileSync(path.join(SOURCE, 'passkeys.js'), 'utf8');
  const passkeysName = `passkeys-${fingerprint(passkeys)}.js`;
  for (const f of fs.readdirSync(ASSETS_OUT)) if (/^(simplewebauthn|passkeys)-[0-9a-f]{10}(\.js)?$/.test(f)) fs.rmSync(path.join(ASSETS_OUT, f), { recursive: true });
  fs.writeFileSync(path.join(ASSETS_OUT, webauthnName), webauthn);
  fs.writeFileSync(path.join(ASSETS_OUT, passkeysName), passkeys);
  const manifest: AssetManifest = { css: `/assets/${cssName}`, js: `/assets/${jsName}`, webauthnJs: `/assets/${webauthnName}`, passkeysJs: `/assets/${passkeysName}`, dir: ASSETS_OUT, govukAssetsDir: path.join(GOVUK_DIST, 'govuk/assets') };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return manifest;
}
