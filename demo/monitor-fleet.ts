// The receiver part's monitoring tables: drift per model and feature (latest score, alerts, the feature's bins summed
// over every device) and outcomes per model, from /__otlp/summary's `drift` and `outcomes`; and the rollout arms
// side by side (monitor-arms.ts) where the page has a #fleet-arms element.
import type { DriftFeature, OtlpSummary } from '../scripts/otlp-summary.js';
import { renderArms } from './monitor-arms.js';
import { esc, table } from './monitor-charts.js';

/** Features shown per model version; the rest (no alerts, lowest scores) are counted in one line. */
const PER_MODEL = 8;

const number = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** The summed bins as bars; each bar's title names its range. */
function bins(f: DriftFeature): string {
  const max = Math.max(1, ...f.buckets);
  const range = (i: number) => (i === 0 ? `< ${f.bounds[0] ?? '∞'}` : i === f.bounds.length ? `≥ ${f.bounds[i - 1]}` : `${f.bounds[i - 1]} … ${f.bounds[i]}`);
  return `<div class="hist">${f.buckets
    .map((c, i) => `<span class="${c ? '' : 'empty'}" style="height:${Math.max(3, (c / max) * 100)}%" title="${esc(range(i))}: ${c}"></span>`)
    .join('')}</div>`;
}

export function renderFleet(s: OtlpSummary, drift: HTMLElement, outcomes: HTMLElement): void {
  const byModel = new Map<string, DriftFeature[]>();
  for (const f of s.drift ?? []) {
    const key = `${f.model} ${f.version}`;
    byModel.set(key, [...(byModel.get(key) ?? []), f]);
  }
  const rows: string[][] = [];
  for (const [model, features] of [...byModel].sort((a, b) => a[0].localeCompare(b[0]))) {
    const sorted = [...features].sort((a, b) => b.alerts - a.alerts || (b.score ?? 0) - (a.score ?? 0));
    for (const f of sorted.slice(0, PER_MODEL)) {
      rows.push([esc(model), esc(f.feature), esc(f.kind), number(f.score), f.at ? new Date(f.at).toLocaleTimeString() : '–', String(f.alerts), String(f.rows), bins(f)]);
    }
    const rest = sorted.slice(PER_MODEL);
    if (rest.length) rows.push([`<span class="empty-note">${esc(model)}: ${rest.length} more features, ${rest.reduce((n, f) => n + f.alerts, 0)} alerts among them</span>`]);
  }
  table(drift, ['model', 'feature', 'kind', 'latest score (PSI)', 'at', 'alerts', 'rows', 'rows per profile bin (all devices)'], rows, [3, 5, 6]);
  table(outcomes, ['model', 'correct', 'wrong', 'accuracy', 'regressor outcomes', 'mean |error|'], (s.outcomes ?? []).map((o) => [
    `${esc(o.model)} ${esc(o.version)}`, String(o.correct), String(o.wrong),
    o.correct + o.wrong ? `${((100 * o.correct) / (o.correct + o.wrong)).toFixed(1)}%` : '–',
    String(o.joined), o.errorCount ? number(o.errorSum / o.errorCount) : '–',
  ]), [1, 2, 3, 4, 5]);
  const arms = drift.ownerDocument.getElementById('fleet-arms');
  if (arms) renderArms(s, arms);
}
