// The lab's pictures, drawn with uPlot (small, fast canvas charts): latency per cell (p50 bars, p95 whiskers), size
// against latency, the forecast against the actual series, the VAD's speech probability over the waveform. The
// digits confusion matrix is an HTML table (confusion.ts). Missing data (skipped cells, a stopped run) leaves a
// chart out or says so; it never throws.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { kib } from './controls.js';
import type { LabRow, QualityDetail, VariantName } from './types.js';

export const COLORS: Record<VariantName, string> = { fp32: '#2563eb', 'int8-dynamic': '#f59e0b', 'int8-weights': '#10b981' };
const LINE_COLORS = ['#2563eb', '#f59e0b', '#10b981', '#a855f7', '#ef4444', '#0891b2', '#64748b', '#db2777'];
const VARIANT_ORDER: VariantName[] = ['fp32', 'int8-dynamic', 'int8-weights'];

const live = new WeakMap<HTMLElement, uPlot>();
const shortBackend = (r: Pick<LabRow, 'backend' | 'threads'>) => (r.backend === 'wasm' ? `wasm×${r.threads}` : r.backend);
const SHORT_VARIANT: Record<VariantName, string> = { fp32: 'fp32', 'int8-dynamic': 'i8-dyn', 'int8-weights': 'i8-w' };
const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** A titled box for one chart inside `parent`, reused across renders. */
export function chartBox(parent: HTMLElement, name: string, title: string): HTMLElement {
  let box = parent.querySelector<HTMLElement>(`[data-chart="${name}"]`);
  if (!box) {
    box = document.createElement('figure');
    box.className = 'chart';
    box.dataset.chart = name;
    parent.append(box);
  }
  live.get(box)?.destroy();
  box.replaceChildren(Object.assign(document.createElement('h3'), { textContent: title }));
  return box;
}

function draw(box: HTMLElement, options: Omit<uPlot.Options, 'width'>, data: uPlot.AlignedData): void {
  const width = Math.max(260, Math.min(box.clientWidth || 560, 720));
  live.set(box, new uPlot({ ...options, width } as uPlot.Options, data, box));
}

export function empty(box: HTMLElement, why: string): void {
  box.append(Object.assign(document.createElement('p'), { className: 'empty', textContent: why }));
}

/** p50 bars (one series per variant, for the legend's colours) with p95 whiskers drawn over them. */
export function latencyChart(box: HTMLElement, rows: readonly LabRow[]): void {
  const cells = rows.filter((r) => isNum(r.p50Ms));
  if (cells.length === 0) return empty(box, 'no cell was timed');
  const x = cells.map((_, i) => i);
  const labels = cells.map((r) => `${SHORT_VARIANT[r.variant]} ${shortBackend(r)} b${r.batch}`);
  const variants = VARIANT_ORDER.filter((v) => cells.some((r) => r.variant === v));
  const top = Math.max(...cells.map((r) => (isNum(r.p95Ms) ? r.p95Ms : r.p50Ms!)));
  const whiskers = (u: uPlot) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#1d232b';
    ctx.lineWidth = devicePixelRatio;
    cells.forEach((r, i) => {
      if (!isNum(r.p95Ms)) return;
      const cx = u.valToPos(i, 'x', true);
      const [y50, y95] = [u.valToPos(r.p50Ms!, 'y', true), u.valToPos(r.p95Ms, 'y', true)];
      const half = 4 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(cx, y50);
      ctx.lineTo(cx, y95);
      ctx.moveTo(cx - half, y95);
      ctx.lineTo(cx + half, y95);
      ctx.stroke();
    });
    ctx.restore();
  };
  draw(box, {
    height: 260,
    scales: { x: { time: false, range: [-0.6, cells.length - 0.4] }, y: { range: [0, top * 1.1 || 1] } },
    axes: [
      { splits: () => x, values: (_u, splits) => splits.map((i) => labels[i] ?? ''), rotate: -45, size: 100, gap: 2, font: '10px system-ui' },
      { label: 'ms (p50, whisker p95)', size: 56 },
    ],
    series: [
      { label: 'cell', value: (_u, i) => (i === null ? '' : labels[i] ?? '') },
      ...variants.map((v) => ({
        label: v, fill: COLORS[v], stroke: COLORS[v], paths: uPlot.paths.bars!({ size: [0.7, 48] }), points: { show: false },
        value: (_u: uPlot, val: number | null) => (val === null ? '–' : `${val.toFixed(3)} ms`),
      })),
    ],
    hooks: { draw: [whiskers] },
  }, [x, ...variants.map((v) => cells.map((r) => (r.variant === v ? r.p50Ms : null)))]);
}

/** File bytes against p50 at batch 1: one point per variant and backend, a series per backend. */
export function sizeChart(box: HTMLElement, rows: readonly LabRow[]): void {
  const points = rows.filter((r) => r.batch === 1 && isNum(r.p50Ms));
  if (points.length === 0) return empty(box, 'no batch-1 cell was timed');
  const xs = [...new Set(points.map((r) => r.bytes))].sort((a, b) => a - b);
  const backends = [...new Set(points.map(shortBackend))];
  const series = backends.map((b) => xs.map((bytes) => points.find((r) => shortBackend(r) === b && r.bytes === bytes)?.p50Ms ?? null));
  const tags = (u: uPlot) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.font = `${10 * devicePixelRatio}px system-ui`;
    ctx.fillStyle = '#424b57';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    for (const r of points) ctx.fillText(r.variant, u.valToPos(r.bytes, 'x', true) + 6 * devicePixelRatio, u.valToPos(r.p50Ms!, 'y', true) - 4 * devicePixelRatio);
    ctx.restore();
  };
  const spread = (lo: number, hi: number): [number, number] => (lo === hi ? [lo * 0.5, hi * 1.5] : [lo - (hi - lo) * 0.15, hi + (hi - lo) * 0.35]);
  const p50s = points.map((r) => r.p50Ms!);
  draw(box, {
    height: 240,
    scales: { x: { time: false, range: () => spread(xs[0]!, xs.at(-1)!) }, y: { range: () => [0, Math.max(...p50s) * 1.25 || 1] } },
    axes: [{ label: 'file size', values: (_u, s) => s.map((v) => (v < 0 ? '' : kib(v))) }, { label: 'p50 ms', size: 56 }],
    series: [
      { label: 'bytes' },
      ...backends.map((b, i) => ({ label: b, stroke: LINE_COLORS[i % LINE_COLORS.length], paths: () => null, points: { show: true, size: 9, fill: LINE_COLORS[i % LINE_COLORS.length] } })),
    ],
    hooks: { draw: [tags] },
  }, [xs, ...series]);
}

type Detail<K extends QualityDetail['kind']> = Extract<QualityDetail, { kind: K }>;
/** One detail per variant (keys are `variant/backend`; wasm-1 first, as the engine runs it first): a readable legend. */
function detailsOf<K extends QualityDetail['kind']>(detail: Record<string, QualityDetail> | undefined, kind: K): [string, Detail<K>][] {
  const all = Object.entries(detail ?? {}).filter((e): e is [string, Detail<K>] => e[1].kind === kind);
  const byVariant = new Map<string, [string, Detail<K>]>();
  for (const [key, d] of all.sort(([a], [b]) => Number(!a.endsWith('/wasm-1')) - Number(!b.endsWith('/wasm-1')))) {
    const variant = key.split('/')[0]!;
    if (!byVariant.has(variant)) byVariant.set(variant, [key, d]);
  }
  return [...byVariant.values()];
}

/** The held-out series and each cell's longest-horizon forecast from the first window. */
export function forecastChart(box: HTMLElement, detail: Record<string, QualityDetail> | undefined): void {
  const found = detailsOf(detail, 'mae').filter(([, d]) => d.actual.length > 0);
  if (found.length === 0) return empty(box, 'no forecast was evaluated (quality off, or the run stopped first)');
  const actual = found[0]![1].actual;
  const length = Math.max(actual.length, ...found.map(([, d]) => d.forecast.start + d.forecast.values.length));
  const x = Array.from({ length }, (_, i) => i);
  const lines = found.map(([, d]) => x.map((i) => d.forecast.values[i - d.forecast.start] ?? null));
  draw(box, {
    height: 240,
    scales: { x: { time: false } },
    axes: [{ label: 'month of the held-out series' }, { label: 'CO₂ ppm', size: 56 }],
    series: [
      { label: 'month' },
      { label: 'actual', stroke: '#1d232b', width: 1.5 },
      ...found.map(([key], i) => ({ label: key, stroke: LINE_COLORS[(i + 1) % LINE_COLORS.length], width: 1.5, dash: i ? [5, 3] : [] })),
    ],
  }, [x, x.map((i) => actual[i] ?? null), ...lines]);
}

/** Speech probability per frame of each cell over the clip's waveform peaks. */
export function vadChart(box: HTMLElement, detail: Record<string, QualityDetail> | undefined): void {
  const found = detailsOf(detail, 'frames').filter(([, d]) => d.probabilities.length > 0);
  if (found.length === 0) return empty(box, 'no speech probabilities (quality off, or the run stopped first)');
  const peaks = found[0]![1].peaks;
  const x = Array.from({ length: Math.max(peaks.length, ...found.map(([, d]) => d.probabilities.length)) }, (_, i) => i);
  draw(box, {
    height: 240,
    scales: { x: { time: false }, p: { range: [0, 1.05] }, amp: { range: [0, Math.max(1e-6, ...peaks) * 1.05] } },
    axes: [{ label: 'frame (32 ms)' }, { scale: 'p', label: 'speech probability', size: 56 }, { scale: 'amp', side: 1, show: false }],
    series: [
      { label: 'frame' },
      { label: 'waveform peak', scale: 'amp', stroke: '#cbd2da', fill: 'rgba(148,163,184,0.35)', width: 1 },
      ...found.map(([key], i) => ({ label: key, scale: 'p', stroke: LINE_COLORS[i % LINE_COLORS.length], width: 1.5 })),
    ],
  }, [x, x.map((i) => peaks[i] ?? null), ...found.map(([, d]) => x.map((i) => d.probabilities[i] ?? null))]);
}
