// Small inline SVG charts for the monitor page: a line chart over windows (linear or log scale, with marked rules such
// as the drift threshold) and a heat strip of score / threshold per window. Plain strings, drawn with innerHTML.

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Line {
  values: readonly (number | null)[];
  colour: string;
  label: string;
}

export interface LineChartOptions {
  lines: readonly Line[];
  /** The number of the first value's window (x axis labels). */
  firstWindow?: number;
  min: number;
  max: number;
  log?: boolean;
  /** Horizontal marks, e.g. the threshold at 1.0. */
  rules?: readonly { y: number; label: string }[];
  format?: (y: number) => string;
  width?: number;
  height?: number;
  title: string;
}

const fmt = (y: number) => (Math.abs(y) >= 100 ? y.toFixed(0) : Math.abs(y) >= 1 ? String(Number(y.toPrecision(3))) : String(Number(y.toPrecision(2))));

/** Values outside [min, max] are drawn at the edge; nulls leave a gap. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 140;
  const left = 44;
  const right = 8;
  const top = 8;
  const bottom = 20;
  const format = o.format ?? fmt;
  const n = Math.max(2, ...o.lines.map((l) => l.values.length));
  const t = (y: number) => (o.log ? Math.log10(Math.max(y, o.min)) : y);
  const [lo, hi] = [t(o.min), t(o.max)];
  const yOf = (y: number) => top + (height - top - bottom) * (1 - (Math.min(Math.max(t(y), lo), hi) - lo) / (hi - lo || 1));
  const xOf = (i: number) => left + ((width - left - right) * i) / (n - 1);
  const ticks = o.log
    ? Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, k) => 10 ** (Math.ceil(lo) + k))
    : [o.min, (o.min + o.max) / 2, o.max];
  const parts = [`<title>${esc(o.title)}</title>`];
  for (const y of ticks) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${yOf(y)}" y2="${yOf(y)}" class="grid"/>`, `<text x="${left - 4}" y="${yOf(y) + 3}" class="tick" text-anchor="end">${esc(format(y))}</text>`);
  }
  for (const r of o.rules ?? []) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${yOf(r.y)}" y2="${yOf(r.y)}" class="rule"/>`, `<text x="${width - right - 2}" y="${yOf(r.y) - 3}" class="rule-label" text-anchor="end">${esc(r.label)}</text>`);
  }
  const first = o.firstWindow ?? 1;
  parts.push(`<text x="${left}" y="${height - 4}" class="tick">window ${first}</text>`, `<text x="${width - right}" y="${height - 4}" class="tick" text-anchor="end">${first + n - 1}</text>`);
  for (const line of o.lines) {
    let d = '';
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null || Number.isNaN(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`;
      pen = true;
    });
    const dots = line.values.length <= 60 ? line.values.map((v, i) => (v === null || Number.isNaN(v) ? '' : `<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="2" fill="${line.colour}"><title>${esc(line.label)}, window ${first + i}: ${esc(format(v))}</title></circle>`)).join('') : '';
    parts.push(`<path d="${d}" fill="none" stroke="${line.colour}" stroke-width="1.5"/>${dots}`);
  }
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(o.title)}">${parts.join('')}</svg>`;
}

/** Colour of a score / threshold ratio: pale to mid blue below 1, amber at 1 to deep red at 8 and above. */
export function ratioColour(r: number): string {
  if (Number.isNaN(r)) return '#c9ced6';
  const mix = (a: number[], b: number[], f: number) => `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * f)).join(',')})`;
  if (r < 1) return mix([236, 241, 248], [122, 160, 212], Math.max(0, r));
  return mix([245, 158, 11], [153, 27, 27], Math.min(1, Math.log2(r) / 3));
}

/** One feature's ratios over windows as a row of cells; a drifted window (ratio above 1) gets a dark tick on top. */
export function heatStrip(ratios: readonly number[], firstWindow: number, name: string, cells = 100): string {
  const w = 4;
  const h = 12;
  const start = cells - ratios.length; // the newest window sits at the right edge
  const rects = ratios.map((r, i) => {
    const x = (start + i) * w;
    const tick = r > 1 ? `<rect x="${x}" y="0" width="${w - 1}" height="2" fill="#111827"/>` : '';
    return `<rect x="${x}" y="0" width="${w - 1}" height="${h}" fill="${ratioColour(r)}"><title>${esc(name)}, window ${firstWindow + i}: score / threshold ${fmt(r)}</title></rect>${tick}`;
  });
  return `<svg class="strip" viewBox="0 0 ${cells * w} ${h}" width="${cells * w}" height="${h}">${rects.join('')}</svg>`;
}

/** The heat strip's colour scale, with 1.0 (the threshold) marked. */
export function ratioLegend(): string {
  const stops = [0, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 3, 4, 6, 8];
  const w = 16;
  const cells = stops.map((r, i) => `<rect x="${i * w}" y="0" width="${w}" height="10" fill="${ratioColour(r)}"/>`).join('');
  const labels = [[0, 'start', '0'], [5 * w, 'middle', '1.0 = threshold'], [stops.length * w, 'end', '≥ 8']] as const;
  const text = labels.map(([x, anchor, t]) => `<text x="${x}" y="22" class="tick" text-anchor="${anchor}">${t}</text>`).join('');
  return `<svg class="legend" viewBox="0 0 ${stops.length * w} 24" width="${stops.length * w}" height="24">${cells}<line x1="${5 * w}" x2="${5 * w}" y1="0" y2="12" stroke="#111827" stroke-width="1.5"/>${text}</svg>`;
}

/** Fills a table: a head row and body rows of HTML cells (`numeric` columns right-aligned), or a "nothing yet" row. */
export function table(element: HTMLElement, head: string[], rows: string[][], numeric: number[] = []): void {
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map((cell, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}${r.length === 1 ? ` colspan="${head.length}"` : ''}>${cell}</td>`).join('')}</tr>`).join('')
    : `<tr><td class="empty-note" colspan="${head.length}">nothing yet</td></tr>`;
  element.innerHTML = `<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody>`;
}
