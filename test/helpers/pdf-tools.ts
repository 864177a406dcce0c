/**
 * Independent checks of signed PDFs: poppler's pdfsig (with an NSS database
 * that trusts a given root, and optionally holds CRLs) and openssl (cms
 * -verify over the byte ranges, ts -verify for the timestamp token). None of
 * this uses Civitas's own verification code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';

// jsqr is CommonJS with a default export: under NodeNext the callable is on .default
const jsQR = ((jsQRModule as any).default ?? jsQRModule) as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

export function run(cmd: string, args: string[], input?: Buffer): { code: number; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-pdf-'));
}

/** An NSS database that trusts `rootPem` (and knows the given DER CRLs). */
export function nssDb(rootPem: string, crls: Buffer[] = []): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'root.pem'), rootPem);
  run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  const add = run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'civitas-root', '-t', 'CT,C,C', '-i', path.join(dir, 'root.pem')]);
  if (add.code !== 0) throw new Error(add.out);
  crls.forEach((crl, i) => {
    const f = path.join(dir, `crl${i}.der`);
    fs.writeFileSync(f, crl);
    const r = run('crlutil', ['-I', '-d', `sql:${dir}`, '-i', f, '-B']);
    if (r.code !== 0) throw new Error(r.out);
  });
  return dir;
}

export function pdfsig(pdf: Buffer, nssdir: string): string {
  const f = path.join(tmpDir(), 'doc.pdf');
  fs.writeFileSync(f, pdf);
  return run('pdfsig', ['-nssdir', nssdir, f]).out;
}

/** The CMS blob and the signed byte ranges of a PDF's (last) signature. */
export function extractSignature(pdf: Buffer): { cms: Buffer; content: Buffer } {
  const at = pdf.lastIndexOf('/ByteRange');
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(pdf.toString('latin1', at, at + 100))!;
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  const hex = pdf.toString('latin1', b + 1, c - 1).replace(/(00)+$/, '');
  return { cms: Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'), content: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]) };
}

/** openssl cms -verify of the PDF's CMS over its byte ranges, trusting only `caPem`. */
export function opensslCmsVerify(pdf: Buffer, caPem: string, opts: { crlPem?: string } = {}): { ok: boolean; out: string } {
  const dir = tmpDir();
  const { cms, content } = extractSignature(pdf);
  fs.writeFileSync(path.join(dir, 'sig.der'), cms);
  fs.writeFileSync(path.join(dir, 'content.bin'), content);
  // openssl reads CRLs from the CA file too
  fs.writeFileSync(path.join(dir, 'ca.pem'), caPem + (opts.crlPem ?? ''));
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dir, 'sig.der'), '-content', path.join(dir, 'content.bin'), '-CAfile', path.join(dir, 'ca.pem'), '-purpose', 'any', '-out', '/dev/null'];
  if (opts.crlPem) args.push('-crl_check');
  const r = run('openssl', args);
  return { ok: r.code === 0 && /Verification successful/.test(r.out), out: r.out };
}

/** The RFC 3161 token in the SignerInfo's unsigned attributes, checked by openssl ts -verify against the signature value. */
export function opensslTsVerify(pdf: Buffer, caPem: string, untrustedPem: string): { ok: boolean; out: string; text: string } {
  const dir = tmpDir();
  const { cms } = extractSignature(pdf);
  fs.writeFileSync(path.join(dir, 'sig.der'), cms);
  // locate the token and the signature value with openssl's own parser
  const parsed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(dir, 'sig.der')]).out;
  const asn = run('openssl', ['asn1parse', '-inform', 'DER', '-in', path.join(dir, 'sig.der')]).out.split('\n');
  const tsIdx = asn.findIndex((l) => l.includes('id-smime-aa-timeStampToken'));
  if (tsIdx < 0) return { ok: false, out: 'no timestamp token', text: parsed };
  // the token SEQUENCE follows the attribute's SET
  const tokenLine = asn.slice(tsIdx + 1).find((l) => /cons: SEQUENCE/.test(l))!;
  const offset = Number(/^\s*(\d+):/.exec(tokenLine)![1]);
  const token = extractDer(cms, offset);
  fs.writeFileSync(path.join(dir, 'token.der'), token);
  // the signature value: the OCTET STRING just before the unsigned attributes ([1])
  const sigLine = asn.slice(0, tsIdx).reverse().find((l) => /prim: OCTET STRING/.test(l))!;
  const sigOffset = Number(/^\s*(\d+):/.exec(sigLine)![1]);
  const sigValue = derContent(cms, sigOffset);
  fs.writeFileSync(path.join(dir, 'sigvalue.bin'), sigValue);
  fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
  fs.writeFileSync(path.join(dir, 'untrusted.pem'), untrustedPem);
  const r = run('openssl', ['ts', '-verify', '-token_in', '-in', path.join(dir, 'token.der'), '-data', path.join(dir, 'sigvalue.bin'), '-CAfile', path.join(dir, 'ca.pem'), '-untrusted', path.join(dir, 'untrusted.pem')]);
  const text = run('openssl', ['ts', '-reply', '-token_in', '-in', path.join(dir, 'token.der'), '-token_out', '-text']).out;
  return { ok: r.code === 0 && /Verification: OK/.test(r.out), out: r.out, text };
}

function derLength(b: Buffer, offset: number): { header: number; length: number } {
  const first = b[offset + 1]!;
  if (first < 0x80) return { header: 2, length: first };
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[offset + 2 + i]!;
  return { header: 2 + n, length: len };
}
function extractDer(b: Buffer, offset: number): Buffer { const { header, length } = derLength(b, offset); return b.subarray(offset, offset + header + length); }
function derContent(b: Buffer, offset: number): Buffer { const { header, length } = derLength(b, offset); return b.subarray(offset + header, offset + header + length); }

/** Render page 1 and decode the QR code on it. */
export function qrOnFirstPage(pdf: Buffer): string | null {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
  const r = run('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', path.join(dir, 'doc.pdf'), path.join(dir, 'page')]);
  if (r.code !== 0) throw new Error(r.out);
  const file = fs.readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'))!;
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, file)));
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return found?.data ?? null;
}

export function pdfText(pdf: Buffer): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
  return run('pdftotext', ['-layout', path.join(dir, 'doc.pdf'), '-']).out;
}
