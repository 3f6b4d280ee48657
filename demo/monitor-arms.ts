// The monitor page's "Arms" panel: per model id, one column per (version, arm) seen in what the dev receiver got,
// from the series that carry `model.arm` (models loaded by id from a manifest): runs, error rate, latency
// percentiles, drift alerts, outcome quality, shadow agreement and rollbacks, side by side.
import type { OtlpSummary, SeriesTotal } from '../scripts/otlp-summary.js';
import { esc } from './monitor-charts.js';

interface Arm {
  model: string;
  version: string;
  arm: string;
  runs: number;
  errors: number;
  /** Inference histograms of every backend and status, summed (they share the SDK's bounds). */
  bounds: number[];
  buckets: number[];
  alerts?: number;
  correct: number;
  wrong: number;
  joined: number;
  errorCount: number;
  errorSum: number;
  shadow: number;
  agree: number;
  rollbacks: number;
  reasons: Set<string>;
}

const ORDER = ['stable', 'variant', 'pinned', 'rolled-back'];
const text = (s: SeriesTotal, key: string) => String(s.attributes[key] ?? '');

function armsOf(s: OtlpSummary): Arm[] {
  const arms = new Map<string, Arm>();
  const entry = (model: string, version: string, arm: string): Arm => {
    const key = [model, version, arm].join('\u0000');
    let a = arms.get(key);
    if (!a) {
      a = { model, version, arm, runs: 0, errors: 0, bounds: [], buckets: [], correct: 0, wrong: 0, joined: 0, errorCount: 0, errorSum: 0, shadow: 0, agree: 0, rollbacks: 0, reasons: new Set() };
      arms.set(key, a);
    }
    return a;
  };
  /** The series of `metric` that carry an arm, each with its column. */
  const series = (metric: string) => (s.metrics[metric] ?? []).filter((x) => typeof x.attributes['model.arm'] === 'string')
    .map((x) => [x, entry(text(x, 'model.id'), text(x, 'model.version'), text(x, 'model.arm'))] as const);

  for (const [x, a] of series('edge_infer.inference.duration')) {
    a.runs += x.count;
    if (x.attributes.status === 'error') a.errors += x.count;
    const bounds = x.bounds ?? [];
    if (!a.buckets.length) (a.bounds = bounds), (a.buckets = new Array<number>(bounds.length + 1).fill(0));
    if (bounds.join() === a.bounds.join()) (x.buckets ?? []).forEach((c, i) => (a.buckets[i]! += c));
  }
  for (const [x, a] of series('edge_infer.drift.alerts')) a.alerts = (a.alerts ?? 0) + x.count;
  for (const [x, a] of series('edge_infer.outcomes')) {
    const outcome = text(x, 'outcome');
    if (outcome === 'correct' || outcome === 'wrong' || outcome === 'joined') a[outcome] += x.count;
  }
  for (const [x, a] of series('edge_infer.outcome.error')) (a.errorCount += x.count), (a.errorSum += x.sum ?? 0);
  for (const [x, a] of series('edge_infer.shadow.runs')) {
    a.shadow += x.count;
    if (x.attributes.result === 'agree') a.agree += x.count;
  }
  // A rollback names the version it left (model.version) but no arm: it belongs to that version's variant column.
  for (const x of s.metrics['edge_infer.rollout.rollbacks'] ?? []) {
    if (x.attributes['otel.metric.overflow']) continue;
    const a = entry(text(x, 'model.id'), text(x, 'model.version'), 'variant');
    a.rollbacks += x.count;
    a.reasons.add(text(x, 'reason'));
  }
  return [...arms.values()];
}

/** The q-quantile in ms, interpolated linearly inside its bucket (the first bucket starts at 0). */
function quantileMs(a: Arm, q: number): string {
  const count = a.buckets.reduce((n, c) => n + c, 0);
  if (!count) return '–';
  let seen = 0;
  for (let i = 0; i < a.buckets.length; i++) {
    const c = a.buckets[i]!;
    if (c > 0 && seen + c >= q * count) {
      if (i === a.bounds.length) return `> ${a.bounds[i - 1]! * 1000}`;
      const low = i === 0 ? 0 : a.bounds[i - 1]!;
      return ((low + (a.bounds[i]! - low) * ((q * count - seen) / c)) * 1000).toFixed(2);
    }
    seen += c;
  }
  return '–';
}

const share = (part: number, whole: number, digits = 1) => (whole ? `${((100 * part) / whole).toFixed(digits)}% <span class="empty-note">of ${whole}</span>` : '–');

const ROWS: [string, (a: Arm) => string][] = [
  ['runs', (a) => String(a.runs)],
  ['error rate', (a) => share(a.errors, a.runs, 2)],
  ['p50 ms', (a) => quantileMs(a, 0.5)],
  ['p95 ms', (a) => quantileMs(a, 0.95)],
  ['drift alerts', (a) => (a.alerts === undefined ? '–' : String(a.alerts))],
  ['outcome accuracy', (a) => share(a.correct, a.correct + a.wrong)],
  ['regressor mean |error|', (a) => (a.errorCount ? `${(a.errorSum / a.errorCount).toFixed(3)} <span class="empty-note">of ${a.errorCount}</span>` : '–')],
  ['shadow agreement', (a) => share(a.agree, a.shadow)],
  ['rollbacks', (a) => (a.rollbacks ? `${a.rollbacks} <span class="empty-note">(${[...a.reasons].map(esc).join(', ')})</span>` : '–')],
];

export function renderArms(s: OtlpSummary, element: HTMLElement): void {
  const byModel = new Map<string, Arm[]>();
  for (const a of armsOf(s)) byModel.set(a.model, [...(byModel.get(a.model) ?? []), a]);
  if (!byModel.size) {
    element.innerHTML = '<p class="empty-note">No series with a <code>model.arm</code> yet: models loaded by id from a manifest send one (try "Split traffic between two versions" above).</p>';
    return;
  }
  element.innerHTML = [...byModel].sort((x, y) => x[0].localeCompare(y[0])).map(([model, arms]) => {
    arms.sort((x, y) => ORDER.indexOf(x.arm) - ORDER.indexOf(y.arm) || x.version.localeCompare(y.version));
    // Rows that no column has data for are left out (a classifier has no mean error, a page without shadows no agreement).
    const rows = ROWS.filter(([, cell]) => arms.some((a) => cell(a) !== '–'));
    const head = arms.map((a) => `<th class="arm" data-arm="${esc(a.arm)}" data-version="${esc(a.version)}">${esc(a.version)} <span class="badge arm-${esc(a.arm)}">${esc(a.arm)}</span></th>`);
    const body = rows.map(([name, cell]) => `<tr><th>${name}</th>${arms.map((a) => `<td class="n">${cell(a)}</td>`).join('')}</tr>`);
    return `<table class="arms" data-model="${esc(model)}"><thead><tr><th>${esc(model)}</th>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
  }).join('');
}
