/**
 * Charts drawn on the server as SVG: a line per series over months, with a
 * <title> and <desc> (role="img", aria-labelledby) for screen readers; the page
 * shows the same figures as a table next to it. No JavaScript.
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface LineChart {
  id: string;
  title: string;
  desc: string;
  /** x labels, in order */
  labels: string[];
  /** values 0..1 (shares), null where there is no figure */
  values: (number | null)[];
  /** a target line (0..1), if any */
  target?: number | null;
  targetLabel?: string;
}

export function lineChartSvg(c: LineChart): string {
  const W = 640, H = 240, L = 44, R = 24, T = 14, B = 36;
  const w = W - L - R, h = H - T - B;
  const n = Math.max(c.labels.length, 1);
  const x = (i: number) => L + (n === 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v: number) => T + h - Math.max(0, Math.min(1, v)) * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="civitas-chart" width="100%" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${c.id}-title ${c.id}-desc" focusable="false">`);
  parts.push(`<title id="${c.id}-title">${esc(c.title)}</title><desc id="${c.id}-desc">${esc(c.desc)}</desc>`);
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(g)}" y2="${y(g)}" stroke="#b1b4b6" stroke-width="1"/>`);
    parts.push(`<text x="${L - 6}" y="${y(g) + 4}" text-anchor="end" font-size="12" fill="#505a5f">${Math.round(g * 100)}%</text>`);
  }
  const step = Math.ceil(n / 12);
  c.labels.forEach((label, i) => {
    if (i % step === 0) parts.push(`<text x="${x(i)}" y="${H - 12}" text-anchor="middle" font-size="12" fill="#505a5f">${esc(label)}</text>`);
  });
  if (c.target !== null && c.target !== undefined) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(c.target)}" y2="${y(c.target)}" stroke="#00703c" stroke-width="2" stroke-dasharray="6 4"/>`);
    if (c.targetLabel) parts.push(`<text x="${W - R}" y="${y(c.target) - 4}" text-anchor="end" font-size="12" fill="#505a5f">${esc(c.targetLabel)}</text>`);
  }
  // the line, broken where a month has no figure
  let d = '';
  let pen = false;
  c.values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
    pen = true;
  });
  if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="#1d70b8" stroke-width="3"/>`);
  c.values.forEach((v, i) => { if (v !== null) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="#1d70b8"/>`); });
  parts.push('</svg>');
  return parts.join('');
}
