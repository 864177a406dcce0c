/**
 * A small page-layout helper over pdf-lib: A4 pages, wrapped Unicode text in
 * the fonts of fonts.ts (a fallback chain per character: Latin, Tamil, CJK),
 * headings, label/value rows, rules and vector QR codes.
 */
import QRCode from 'qrcode';
import {
  PDFDocument, PDFName, PDFString, beginText, endText, moveText, popGraphicsState, pushGraphicsState, rgb, setFillingRgbColor,
  setFontAndSize, showText, type PDFPage, type PDFRef,
} from 'pdf-lib';
import { EmbeddedFont, MissingGlyphError, findFont, visualOrder, type FontRole } from './fonts.ts';

export const A4: [number, number] = [595.28, 841.89];
const CHAINS: Record<'regular' | 'bold', FontRole[]> = { regular: ['latin', 'tamil', 'cjk'], bold: ['latinBold', 'tamilBold', 'cjk'] };
const INK = rgb(0.04, 0.05, 0.05);
export const MUTED = rgb(0.31, 0.33, 0.35);
export const BRAND = rgb(0.043, 0.369, 0.478);

type Weight = 'regular' | 'bold';
interface Run { font: EmbeddedFont; glyphs: { gid: number; text: string }[]; width: number }
export interface TextStyle { size?: number; weight?: Weight; color?: ReturnType<typeof rgb> }

const isSpace = (cp: number) => cp === 0x20 || cp === 0xa0 || cp === 0x3000;
const isJoiner = (cp: number) => cp === 0x200c || cp === 0x200d || (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x0b82 && cp <= 0x0b83) || (cp >= 0x0bbe && cp <= 0x0bcd) || cp === 0x0bd7;
const isCjk = (cp: number) => (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x20000 && cp <= 0x2fa1f);

export class PdfCanvas {
  page!: PDFPage;
  y = 0;
  readonly margin = 56;
  private readonly embedded = new Map<FontRole, EmbeddedFont>();
  private readonly pageFontKeys = new Map<PDFPage, Map<PDFRef, PDFName>>();
  private pages = 0;
  footer: ((page: PDFPage, n: number) => void) | null = null;

  private constructor(readonly doc: PDFDocument) {}

  static async create(meta: { title: string; author: string; subject: string; lang: string; created: Date }): Promise<PdfCanvas> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.setTitle(meta.title, { showInWindowTitleBar: true });
    doc.setAuthor(meta.author);
    doc.setSubject(meta.subject);
    doc.setCreator('Civitas');
    doc.setProducer('Civitas (pdf-lib)');
    doc.setCreationDate(meta.created);
    doc.setModificationDate(meta.created);
    doc.catalog.set(PDFName.of('Lang'), PDFString.of(meta.lang));
    const c = new PdfCanvas(doc);
    c.newPage();
    return c;
  }

  get width() { return A4[0] - 2 * this.margin; }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.pages++;
    this.y = A4[1] - this.margin;
  }

  /** Start a new page unless `height` points still fit above the bottom margin. */
  ensureSpace(height: number): void {
    if (this.y - height < this.margin + 24) this.newPage();
  }

  private fontFor(role: FontRole): EmbeddedFont | null {
    const hit = this.embedded.get(role);
    if (hit) return hit;
    const font = findFont(role);
    if (!font) return null;
    // the CJK font serves both weights: embed it once
    const same = [...this.embedded.values()].find((e) => e.font === font);
    const e = same ?? new EmbeddedFont(font, this.doc, this.embedded.size + 1);
    this.embedded.set(role, e);
    return e;
  }

  /** Split text into runs of one font each, in visual order. */
  runs(text: string, weight: Weight, size: number): Run[] {
    const runs: Run[] = [];
    const missing: string[] = [];
    const chain = CHAINS[weight];
    for (const cp of visualOrder(text.replace(/[\r\n\t]+/g, ' '))) {
      const last = runs[runs.length - 1];
      let font: EmbeddedFont | null = null;
      let gid = 0;
      if (last && (isSpace(cp) || isJoiner(cp))) {
        gid = last.font.font.glyph(cp === 0xa0 ? 0x20 : cp);
        if (gid) font = last.font;
      }
      if (!font) {
        for (const role of chain) {
          const f = this.fontFor(role);
          const g = f?.font.glyph(cp) ?? 0;
          if (f && g) { font = f; gid = g; break; }
        }
      }
      if (!font) {
        if (cp < 0x20 || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfeff) continue; // invisible: nothing to draw
        missing.push(String.fromCodePoint(cp));
        continue;
      }
      const w = (font.font.advance(gid) * size) / 1000;
      const g = { gid, text: String.fromCodePoint(cp) };
      if (last && last.font === font) { last.glyphs.push(g); last.width += w; } else runs.push({ font, glyphs: [g], width: w });
    }
    if (missing.length) throw new MissingGlyphError([...new Set(missing)]);
    return runs;
  }

  measure(text: string, style: TextStyle = {}): number {
    const size = style.size ?? 11;
    return this.runs(text, style.weight ?? 'regular', size).reduce((s, r) => s + r.width, 0);
  }

  /** Draw one line of text with its baseline at (x, y). */
  text(text: string, x: number, y: number, style: TextStyle = {}): void {
    const size = style.size ?? 11;
    const color = style.color ?? INK;
    let cx = x;
    for (const run of this.runs(text, style.weight ?? 'regular', size)) {
      const key = this.fontKey(run.font);
      this.page.pushOperators(
        pushGraphicsState(), setFillingRgbColor(color.red, color.green, color.blue), beginText(), setFontAndSize(key, size), moveText(cx, y),
        showText(run.font.encode(run.glyphs)), endText(), popGraphicsState(),
      );
      cx += run.width;
    }
  }

  private fontKey(font: EmbeddedFont): PDFName {
    let keys = this.pageFontKeys.get(this.page);
    if (!keys) { keys = new Map(); this.pageFontKeys.set(this.page, keys); }
    let key = keys.get(font.ref);
    if (!key) { key = this.page.node.newFontDictionary(font.name, font.ref); keys.set(font.ref, key); }
    return key;
  }

  /** Break text into lines no wider than `width`: at spaces, and between CJK characters. */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    const words: string[] = [];
    let current = '';
    for (const ch of text.replace(/[\r\t]+/g, ' ')) {
      const cp = ch.codePointAt(0)!;
      if (ch === '\n') { words.push(current, '\n'); current = ''; continue; }
      if (isCjk(cp)) { if (current) words.push(current); words.push(ch); current = ''; continue; }
      current += ch;
      if (ch === ' ') { words.push(current); current = ''; }
    }
    if (current) words.push(current);
    const lines: string[] = [];
    let line = '';
    for (const word of words) {
      if (word === '\n') { lines.push(line.trimEnd()); line = ''; continue; }
      const candidate = line + word;
      if (!line || this.measure(candidate.trimEnd(), style) <= width) { line = candidate; continue; }
      lines.push(line.trimEnd());
      line = word.trimStart();
      // a single word longer than the line: cut it
      while (this.measure(line, style) > width && line.length > 1) {
        let cut = line.length - 1;
        while (cut > 1 && this.measure(line.slice(0, cut), style) > width) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line.trim() || lines.length === 0) lines.push(line.trimEnd());
    return lines;
  }

  /** Wrapped text at the current position, moving down; new pages as needed. */
  paragraph(text: string, style: TextStyle & { x?: number; width?: number; after?: number } = {}): void {
    const size = style.size ?? 11;
    const lead = size * 1.45;
    const x = style.x ?? this.margin;
    for (const line of this.wrap(text, style.width ?? this.width - (x - this.margin), style)) {
      this.ensureSpace(lead);
      this.y -= lead;
      this.text(line, x, this.y + size * 0.3, style);
    }
    this.y -= style.after ?? 6;
  }

  heading(text: string, size = 16): void {
    this.ensureSpace(size * 3);
    this.y -= size * 0.4;
    this.paragraph(text, { size, weight: 'bold', after: size * 0.35 });
  }

  /** A label and its value side by side (label column ~38%), wrapped. */
  row(label: string, value: string, opts: { labelWidth?: number; size?: number } = {}): void {
    const size = opts.size ?? 10.5;
    const lead = size * 1.45;
    const labelWidth = opts.labelWidth ?? this.width * 0.38;
    const labels = this.wrap(label, labelWidth - 12, { size, weight: 'bold' });
    const values = this.wrap(value || '-', this.width - labelWidth, { size });
    const n = Math.max(labels.length, values.length);
    this.ensureSpace(Math.min(n, 4) * lead + 8);
    for (let i = 0; i < n; i++) {
      this.ensureSpace(lead);
      this.y -= lead;
      if (labels[i]) this.text(labels[i]!, this.margin, this.y + size * 0.3, { size, weight: 'bold' });
      if (values[i]) this.text(values[i]!, this.margin + labelWidth, this.y + size * 0.3, { size });
    }
    this.y -= 4;
    this.rule(0.4, rgb(0.69, 0.71, 0.72));
    this.y -= 2;
  }

  rule(thickness = 1, color = rgb(0.69, 0.71, 0.72)): void {
    this.page.drawLine({ start: { x: this.margin, y: this.y }, end: { x: A4[0] - this.margin, y: this.y }, thickness, color });
  }

  /** A QR code of `text`, `size` points wide, with its top-left corner at (x, top). */
  qr(text: string, x: number, top: number, size: number): void {
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    const quiet = 4;
    const cell = size / (n + 2 * quiet);
    this.page.drawRectangle({ x, y: top - size, width: size, height: size, color: rgb(1, 1, 1) });
    for (let r = 0; r < n; r++) {
      let c = 0;
      while (c < n) {
        if (!qr.modules.get(r, c)) { c++; continue; }
        const start = c;
        while (c < n && qr.modules.get(r, c)) c++;
        this.page.drawRectangle({ x: x + (quiet + start) * cell, y: top - (quiet + r + 1) * cell, width: (c - start) * cell, height: cell, color: rgb(0, 0, 0) });
      }
    }
  }

  /** Write the fonts (subset to what was drawn) and page footers; the document is then ready to sign. */
  finish(): PDFDocument {
    if (this.footer) this.doc.getPages().forEach((p, i) => { this.page = p; this.footer!(p, i + 1); });
    for (const e of new Set(this.embedded.values())) e.finish();
    return this.doc;
  }

  get pageCount() { return this.pages; }
}
