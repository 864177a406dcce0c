/**
 * Unicode text in PDFs without extra packages: TrueType fonts from the machine
 * (Noto Sans, Noto Sans Tamil, Droid Sans Fallback for Chinese; DejaVu or
 * Liberation when Noto is missing), subset to the glyphs a document uses and
 * embedded as CIDFontType2 with Identity-H encoding and a ToUnicode map (so
 * text can be copied and searched). Fonts with CFF outlines (e.g. the Noto CJK
 * .ttc files) are not supported: a TrueType CJK font is needed for Chinese.
 *
 * Tamil: vowel signs written before the consonant (U+0BC6-0BC8, and the left
 * halves of U+0BCA-0BCC) are reordered. Ligatures from the font's GSUB table
 * are not applied: see docs/signatures.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PDFHexString, PDFName, PDFNumber, type PDFDocument, type PDFRef, PDFArray, PDFDict, PDFString } from 'pdf-lib';

interface Table { offset: number; length: number }

export class TrueTypeFont {
  readonly tables = new Map<string, Table>();
  readonly unitsPerEm: number;
  readonly bbox: [number, number, number, number];
  readonly ascent: number;
  readonly descent: number;
  readonly capHeight: number;
  readonly numGlyphs: number;
  readonly postscriptName: string;
  private readonly numHMetrics: number;
  private readonly longLoca: boolean;
  private readonly cmap = new Map<number, number>();

  constructor(private readonly data: Buffer, readonly file: string) {
    let base = 0;
    if (data.toString('latin1', 0, 4) === 'ttcf') base = data.readUInt32BE(12); // first font of a collection
    const version = data.readUInt32BE(base);
    if (version !== 0x00010000 && data.toString('latin1', base, base + 4) !== 'true') throw new Error(`${file}: not a TrueType-outline font`);
    const numTables = data.readUInt16BE(base + 4);
    for (let i = 0; i < numTables; i++) {
      const rec = base + 12 + i * 16;
      this.tables.set(data.toString('latin1', rec, rec + 4), { offset: data.readUInt32BE(rec + 8), length: data.readUInt32BE(rec + 12) });
    }
    for (const t of ['head', 'hhea', 'hmtx', 'maxp', 'loca', 'glyf', 'cmap']) if (!this.tables.has(t)) throw new Error(`${file}: no ${t} table`);
    const head = this.t('head').offset;
    this.unitsPerEm = data.readUInt16BE(head + 18);
    const s = (v: number) => Math.round((v * 1000) / this.unitsPerEm);
    this.bbox = [s(data.readInt16BE(head + 36)), s(data.readInt16BE(head + 38)), s(data.readInt16BE(head + 40)), s(data.readInt16BE(head + 42))];
    this.longLoca = data.readInt16BE(head + 50) === 1;
    const hhea = this.t('hhea').offset;
    this.ascent = s(data.readInt16BE(hhea + 4));
    this.descent = s(data.readInt16BE(hhea + 6));
    this.numHMetrics = data.readUInt16BE(hhea + 34);
    this.numGlyphs = data.readUInt16BE(this.t('maxp').offset + 4);
    const os2 = this.tables.get('OS/2');
    this.capHeight = os2 && data.readUInt16BE(os2.offset) >= 2 ? s(data.readInt16BE(os2.offset + 88)) : this.ascent;
    this.postscriptName = this.readPostscriptName() ?? path.basename(file).replace(/\.\w+$/, '').replace(/[^A-Za-z0-9-]/g, '');
    this.readCmap();
  }

  private t(tag: string): Table { return this.tables.get(tag)!; }

  private readPostscriptName(): string | undefined {
    const name = this.tables.get('name');
    if (!name) return undefined;
    const d = this.data;
    const count = d.readUInt16BE(name.offset + 2);
    const strings = name.offset + d.readUInt16BE(name.offset + 4);
    for (let i = 0; i < count; i++) {
      const r = name.offset + 6 + i * 12;
      if (d.readUInt16BE(r + 6) !== 6) continue;
      const platform = d.readUInt16BE(r);
      const len = d.readUInt16BE(r + 8);
      const off = strings + d.readUInt16BE(r + 10);
      const raw = d.subarray(off, off + len);
      const text = platform === 3 || platform === 0 ? Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1');
      const clean = text.replace(/[^A-Za-z0-9-]/g, '');
      if (clean) return clean;
    }
    return undefined;
  }

  private readCmap(): void {
    const d = this.data;
    const cmap = this.t('cmap').offset;
    const n = d.readUInt16BE(cmap + 2);
    let best: { offset: number; format: number; score: number } | undefined;
    for (let i = 0; i < n; i++) {
      const r = cmap + 4 + i * 8;
      const platform = d.readUInt16BE(r);
      const encoding = d.readUInt16BE(r + 2);
      const offset = cmap + d.readUInt32BE(r + 4);
      const format = d.readUInt16BE(offset);
      const score = format === 12 && (platform === 3 || platform === 0) ? 3 : format === 4 && ((platform === 3 && encoding === 1) || platform === 0) ? 2 : 0;
      if (score && (!best || score > best.score)) best = { offset, format, score };
    }
    if (!best) throw new Error(`${this.file}: no Unicode cmap`);
    const o = best.offset;
    if (best.format === 12) {
      const groups = d.readUInt32BE(o + 12);
      for (let g = 0; g < groups; g++) {
        const r = o + 16 + g * 12;
        const start = d.readUInt32BE(r);
        const end = d.readUInt32BE(r + 4);
        const gid = d.readUInt32BE(r + 8);
        for (let c = start; c <= end && c - start < 0x30000; c++) this.cmap.set(c, gid + (c - start));
      }
      return;
    }
    const segX2 = d.readUInt16BE(o + 6);
    const ends = o + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const rangeOffsets = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = d.readUInt16BE(ends + s * 2);
      const start = d.readUInt16BE(starts + s * 2);
      const delta = d.readInt16BE(deltas + s * 2);
      const ro = d.readUInt16BE(rangeOffsets + s * 2);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let gid: number;
        if (ro === 0) gid = (c + delta) & 0xffff;
        else {
          const at = rangeOffsets + s * 2 + ro + (c - start) * 2;
          gid = d.readUInt16BE(at);
          if (gid !== 0) gid = (gid + delta) & 0xffff;
        }
        if (gid) this.cmap.set(c, gid);
      }
    }
  }

  glyph(codePoint: number): number {
    return this.cmap.get(codePoint) ?? 0;
  }

  /** advance width in 1/1000 em */
  advance(gid: number): number {
    const hmtx = this.t('hmtx').offset;
    const i = Math.min(gid, this.numHMetrics - 1);
    return (this.data.readUInt16BE(hmtx + i * 4) * 1000) / this.unitsPerEm;
  }

  private glyphRange(gid: number): [number, number] {
    const loca = this.t('loca').offset;
    if (this.longLoca) return [this.data.readUInt32BE(loca + gid * 4), this.data.readUInt32BE(loca + gid * 4 + 4)];
    return [this.data.readUInt16BE(loca + gid * 2) * 2, this.data.readUInt16BE(loca + gid * 2 + 2) * 2];
  }

  /** A font file holding only the given glyphs (glyph ids unchanged; the others are empty). */
  subset(gids: Set<number>): Buffer {
    const d = this.data;
    const glyf = this.t('glyf').offset;
    const keep = new Set<number>([0, ...gids]);
    // composite glyphs need their components
    const queue = [...keep];
    while (queue.length) {
      const gid = queue.pop()!;
      const [start, end] = this.glyphRange(gid);
      if (end <= start || d.readInt16BE(glyf + start) >= 0) continue;
      let p = glyf + start + 10;
      for (;;) {
        const flags = d.readUInt16BE(p);
        const component = d.readUInt16BE(p + 2);
        if (!keep.has(component)) { keep.add(component); queue.push(component); }
        p += 4 + (flags & 0x0001 ? 4 : 2) + (flags & 0x0008 ? 2 : flags & 0x0040 ? 4 : flags & 0x0080 ? 8 : 0);
        if (!(flags & 0x0020)) break;
      }
    }
    const pieces: Buffer[] = [];
    const loca = Buffer.alloc((this.numGlyphs + 1) * 4);
    let offset = 0;
    for (let gid = 0; gid < this.numGlyphs; gid++) {
      loca.writeUInt32BE(offset, gid * 4);
      if (!keep.has(gid)) continue;
      const [start, end] = this.glyphRange(gid);
      if (end <= start) continue;
      const bytes = d.subarray(glyf + start, glyf + end);
      const padded = Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
      pieces.push(padded);
      offset += padded.length;
    }
    loca.writeUInt32BE(offset, this.numGlyphs * 4);
    const head = Buffer.from(this.raw('head'));
    head.writeUInt32BE(0, 8); // checkSumAdjustment
    head.writeInt16BE(1, 50); // long loca
    const tables: [string, Buffer][] = [['head', head], ['hhea', this.raw('hhea')], ['maxp', this.raw('maxp')], ['hmtx', this.raw('hmtx')], ['loca', loca], ['glyf', Buffer.concat(pieces)]];
    for (const tag of ['cvt ', 'fpgm', 'prep']) if (this.tables.has(tag)) tables.push([tag, this.raw(tag)]);
    return writeSfnt(tables);
  }

  private raw(tag: string): Buffer {
    const t = this.t(tag);
    return Buffer.from(this.data.subarray(t.offset, t.offset + t.length));
  }
}

function checksum(b: Buffer): number {
  const padded = Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

function writeSfnt(tables: [string, Buffer][]): Buffer {
  tables.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const n = tables.length;
  const entrySelector = Math.floor(Math.log2(n));
  const header = Buffer.alloc(12 + n * 16);
  header.writeUInt32BE(0x00010000, 0);
  header.writeUInt16BE(n, 4);
  header.writeUInt16BE(2 ** entrySelector * 16, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(n * 16 - 2 ** entrySelector * 16, 10);
  let offset = header.length;
  const bodies: Buffer[] = [];
  tables.forEach(([tag, data], i) => {
    const r = 12 + i * 16;
    header.write(tag, r, 'latin1');
    header.writeUInt32BE(checksum(data), r + 4);
    header.writeUInt32BE(offset, r + 8);
    header.writeUInt32BE(data.length, r + 12);
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    bodies.push(padded);
    offset += padded.length;
  });
  return Buffer.concat([header, ...bodies]);
}

// ---- finding fonts on the machine --------------------------------------------

const FONT_DIRS = ['/usr/share/fonts/truetype', '/usr/local/share/fonts', '/usr/share/fonts'];

/** Candidates per role, best first. CIVITAS_FONT_DIR (if set) is searched first for the same file names. */
export const FONT_FILES = {
  latin: ['noto/NotoSans-Regular.ttf', 'dejavu/DejaVuSans.ttf', 'liberation/LiberationSans-Regular.ttf'],
  latinBold: ['noto/NotoSans-Bold.ttf', 'dejavu/DejaVuSans-Bold.ttf', 'liberation/LiberationSans-Bold.ttf'],
  tamil: ['noto/NotoSansTamil-Regular.ttf', 'noto/NotoSerifTamil-Regular.ttf'],
  tamilBold: ['noto/NotoSansTamil-Bold.ttf', 'noto/NotoSerifTamil-Bold.ttf'],
  cjk: ['droid/DroidSansFallbackFull.ttf', 'wqy/wqy-microhei.ttc', 'wqy/wqy-zenhei.ttc', 'arphic/uming.ttc'],
} as const;
export type FontRole = keyof typeof FONT_FILES;

const loaded = new Map<string, TrueTypeFont | null>();

export function findFont(role: FontRole, env: NodeJS.ProcessEnv = process.env): TrueTypeFont | null {
  const key = `${role}:${env.CIVITAS_FONT_DIR ?? ''}`;
  if (loaded.has(key)) return loaded.get(key)!;
  const dirs = [...(env.CIVITAS_FONT_DIR ? [env.CIVITAS_FONT_DIR] : []), ...FONT_DIRS];
  let found: TrueTypeFont | null = null;
  outer: for (const rel of FONT_FILES[role]) {
    for (const dir of dirs) {
      for (const file of [path.join(dir, rel), path.join(dir, path.basename(rel))]) {
        if (!fs.existsSync(file)) continue;
        try { found = new TrueTypeFont(fs.readFileSync(file), file); break outer; } catch { /* try the next */ }
      }
    }
  }
  loaded.set(key, found);
  return found;
}

/** Which fonts this machine gives each script (for the operator's start-up check and docs). */
export function fontReport(): Record<FontRole, string | null> {
  return Object.fromEntries((Object.keys(FONT_FILES) as FontRole[]).map((r) => [r, findFont(r)?.file ?? null])) as Record<FontRole, string | null>;
}

// ---- embedding ---------------------------------------------------------------

export class MissingGlyphError extends Error {
  constructor(readonly chars: string[]) {
    super(`no installed font can draw ${chars.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(', ')}: install fonts-noto-core (Latin, Tamil) and fonts-droid-fallback (Chinese), or set CIVITAS_FONT_DIR`);
  }
}

/** One font as embedded in one document: collects used glyphs, writes the subset when the document is finished. */
export class EmbeddedFont {
  readonly ref: PDFRef;
  readonly name: string;
  private readonly used = new Map<number, string>();
  constructor(readonly font: TrueTypeFont, private readonly doc: PDFDocument, index: number) {
    this.ref = doc.context.nextRef();
    this.name = `F${index}`;
  }

  encode(glyphs: { gid: number; text: string }[]): PDFHexString {
    let hex = '';
    for (const g of glyphs) {
      if (!this.used.has(g.gid)) this.used.set(g.gid, g.text);
      hex += g.gid.toString(16).padStart(4, '0');
    }
    return PDFHexString.of(hex);
  }

  finish(): void {
    const ctx = this.doc.context;
    const gids = new Set(this.used.keys());
    const tag = subsetTag([...gids].sort((a, b) => a - b).join(','));
    const baseFont = `${tag}+${this.font.postscriptName}`;
    const file = this.font.subset(gids);
    const fontFile = ctx.flateStream(file, { Length1: file.length });
    const descriptor = ctx.obj({
      Type: 'FontDescriptor', FontName: baseFont, Flags: 4, FontBBox: this.font.bbox, ItalicAngle: 0,
      Ascent: this.font.ascent, Descent: this.font.descent, CapHeight: this.font.capHeight, StemV: 80, FontFile2: ctx.register(fontFile),
    });
    const widths = PDFArray.withContext(ctx);
    for (const gid of [...gids].sort((a, b) => a - b)) {
      widths.push(PDFNumber.of(gid));
      widths.push(ctx.obj([Math.round(this.font.advance(gid))]));
    }
    const cidFont = ctx.obj({
      Type: 'Font', Subtype: 'CIDFontType2', BaseFont: baseFont,
      CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
      FontDescriptor: ctx.register(descriptor), W: widths, CIDToGIDMap: 'Identity',
    });
    const toUnicode = ctx.flateStream(toUnicodeCmap(this.used));
    const type0 = PDFDict.withContext(ctx);
    type0.set(PDFName.of('Type'), PDFName.of('Font'));
    type0.set(PDFName.of('Subtype'), PDFName.of('Type0'));
    type0.set(PDFName.of('BaseFont'), PDFName.of(baseFont));
    type0.set(PDFName.of('Encoding'), PDFName.of('Identity-H'));
    type0.set(PDFName.of('DescendantFonts'), ctx.obj([ctx.register(cidFont)]));
    type0.set(PDFName.of('ToUnicode'), ctx.register(toUnicode));
    ctx.assign(this.ref, type0);
  }
}

function subsetTag(seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  let tag = '';
  for (let i = 0; i < 6; i++) { tag += String.fromCharCode(65 + (h % 26)); h = Math.floor(h / 26) + i * 7919; }
  return tag;
}

function utf16Hex(s: string): string {
  let hex = '';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, '0');
  return hex;
}

function toUnicodeCmap(used: Map<number, string>): string {
  const entries = [...used].filter(([, t]) => t !== '').sort((a, b) => a[0] - b[0]);
  const chunks: string[] = [];
  for (let i = 0; i < entries.length; i += 100) {
    const part = entries.slice(i, i + 100);
    chunks.push(`${part.length} beginbfchar\n${part.map(([gid, t]) => `<${gid.toString(16).padStart(4, '0')}> <${utf16Hex(t)}>`).join('\n')}\nendbfchar`);
  }
  return `/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n${chunks.join('\n')}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n`;
}

// ---- shaping (the little that is done) ----------------------------------------

const TAMIL_PREBASE = new Set([0x0bc6, 0x0bc7, 0x0bc8]);
const TAMIL_SPLIT: Record<number, [number, number]> = { 0x0bca: [0x0bc6, 0x0bbe], 0x0bcb: [0x0bc7, 0x0bbe], 0x0bcc: [0x0bc6, 0x0bd7] };
const isTamilConsonant = (c: number) => c >= 0x0b95 && c <= 0x0bb9;

/**
 * Code points in visual order. Each glyph maps back to its own character in the
 * ToUnicode table, so copied Tamil text has pre-base vowel signs before the consonant.
 */
export function visualOrder(text: string): number[] {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    const prev = out[out.length - 1];
    const split = TAMIL_SPLIT[cp];
    if (split && prev !== undefined && isTamilConsonant(prev)) {
      out.splice(out.length - 1, 0, split[0]);
      out.push(split[1]);
    } else if (TAMIL_PREBASE.has(cp) && prev !== undefined && isTamilConsonant(prev)) {
      out.splice(out.length - 1, 0, cp);
    } else out.push(cp);
  }
  return out;
}
