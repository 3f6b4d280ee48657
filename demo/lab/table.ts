// Per model a card: the recommendation line, the quantizer's message for a dropped model, the table of cells (filled
// live as the engine measures them) and its charts.
import { kib } from './controls.js';
import type { LabModelResult, LabRow, Quality, Recommendation } from './types.js';

const COLUMNS = [
  ['variant', 'variant'], ['backend', 'backend'], ['threads', 'threads'], ['batch', 'batch'], ['bytes', 'bytes'],
  ['cold', 'load cold ms'], ['warm', 'load warm ms'], ['first', 'first ms'], ['p50', 'p50 ms'], ['p95', 'p95 ms'],
  ['per-second', 'rows/s'], ['max-diff', 'max |diff|'], ['cosine', 'cosine'], ['top1', 'top-1'], ['quality', 'quality'], ['error', 'error'],
] as const;
const NUMERIC = new Set(['threads', 'batch', 'bytes', 'cold', 'warm', 'first', 'p50', 'p95', 'per-second', 'max-diff', 'cosine', 'top1']);

const results = () => document.getElementById('results')!;
const rowKey = (r: Pick<LabRow, 'variant' | 'backend' | 'threads' | 'batch'>) => `${r.variant}|${r.backend}|${r.threads}|${r.batch}`;

export const ms = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1));
const fixed = (v: number | null | undefined, digits: number) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | undefined, digits = 1) => (v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`);
const sci = (v: number | undefined) => (v === undefined ? '–' : v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : v.toPrecision(2));

export function qualityText(q: Quality | undefined): string {
  if (!q) return '–';
  if (q.kind === 'accuracy') return `${pct(q.accuracy)} accuracy`;
  if (q.kind === 'frames') return `${pct(q.agreement)} frames`;
  return q.horizons.map((h) => `${h.months}m ${h.mae.toFixed(2)}`).join(' · ');
}

function cells(r: LabRow): Record<(typeof COLUMNS)[number][0], string> {
  return {
    variant: r.variant, backend: r.backend, threads: String(r.threads), batch: String(r.batch), bytes: kib(r.bytes),
    cold: ms(r.loadMs.cold), warm: ms(r.loadMs.warm), first: ms(r.firstMs), p50: ms(r.p50Ms), p95: ms(r.p95Ms),
    'per-second': fixed(r.perSecond, 0), 'max-diff': sci(r.agreement?.maxAbsDiff), cosine: fixed(r.agreement?.cosine, 5),
    top1: pct(r.agreement?.top1), quality: qualityText(r.quality), error: r.error ? `${r.error.code}: ${r.error.message}` : '',
  };
}

/** The card of `model`, made on first use. */
export function modelCard(model: string): HTMLElement {
  const existing = [...results().querySelectorAll<HTMLElement>('.model-result')].find((el) => el.dataset.model === model);
  if (existing) return existing;
  const card = document.createElement('section');
  card.className = 'card model-result';
  card.dataset.model = model;
  const head = COLUMNS.map(([key, label]) => `<th data-col="${key}"${NUMERIC.has(key) ? ' class="n"' : ''}>${label}</th>`).join('');
  card.innerHTML = `<h2></h2><p class="recommendation none">measuring…</p><p class="message" hidden></p>
    <div class="table-wrap"><table class="results"><thead><tr>${head}</tr></thead><tbody></tbody></table></div>
    <div class="charts"></div>`;
  card.querySelector('h2')!.textContent = model;
  results().append(card);
  return card;
}

/** Adds the row of one cell (wasm-1 and wasm-n on a 1-thread device make two rows alike: both are shown). */
export function showRow(model: string, row: LabRow): void {
  const body = modelCard(model).querySelector('tbody')!;
  const tr = body.insertRow();
  tr.dataset.key = rowKey(row);
  tr.className = row.error ? 'failed' : '';
  const text = cells(row);
  tr.innerHTML = COLUMNS.map(([col]) => `<td data-col="${col}"${NUMERIC.has(col) ? ' class="n"' : col === 'error' ? ' class="error"' : ''}></td>`).join('');
  COLUMNS.forEach(([col], i) => (tr.cells[i]!.textContent = text[col]));
  body.parentElement!.classList.toggle('has-errors', !!body.querySelector('tr.failed'));
}

export function showRecommendation(model: string, recommendation: Recommendation): void {
  const card = modelCard(model);
  const line = card.querySelector<HTMLElement>('.recommendation')!;
  line.textContent = recommendation.text;
  line.classList.toggle('none', !recommendation.pick);
  const pick = recommendation.pick;
  const picked = pick && [...card.querySelectorAll<HTMLTableRowElement>('table.results tbody tr')].find((tr) => tr.dataset.key === rowKey({ ...pick, batch: 1 }));
  for (const tr of card.querySelectorAll('table.results tbody tr')) tr.classList.toggle('pick', tr === picked);
}

/** Everything a finished (or stopped) model result says: its rows, recommendation and the quantizer's message. */
export function showResult(result: LabModelResult): HTMLElement {
  const card = modelCard(result.model);
  card.querySelector('h2')!.textContent = `${result.model}${result.bundled ? '' : ' (your file)'}`;
  card.querySelector('table.results tbody')!.replaceChildren(); // the report's order replaces the live one
  for (const row of result.rows) showRow(result.model, row);
  showRecommendation(result.model, result.recommendation);
  const note = card.querySelector<HTMLElement>('.message')!;
  note.hidden = !result.quantizeError;
  const int8 = result.rows.some((r) => r.variant !== 'fp32');
  note.textContent = result.quantizeError ? `The quantizer: ${result.quantizeError}.${int8 ? '' : ' Only the fp32 file is compared.'}` : '';
  return card;
}

/** Cards of models a stopped run never reached. */
export function showNotReached(done: readonly string[]): void {
  for (const card of results().querySelectorAll<HTMLElement>('.model-result')) {
    if (done.includes(card.dataset.model!)) continue;
    card.querySelector('.recommendation')!.textContent = 'not measured: the run was stopped before this model';
  }
}

export function clearResults(): void {
  results().replaceChildren();
}
