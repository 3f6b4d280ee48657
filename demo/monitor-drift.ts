// Draws the monitor page's "Model monitoring" part from a stream's state, the model's drift report and its outcome
// quality: status, progress, per-feature score / threshold over windows, the alert log and quality per window.
import type { ClassifierScore, MonitorReport, QualityReport, RegressorScore } from '../src/index.js';
import { esc, heatStrip, lineChart, ratioLegend } from './monitor-charts.js';
import type { StreamState } from './monitor-stream.js';

export interface Alert {
  event: 'drift' | 'recovered';
  window: number;
  at: number;
  features: readonly string[];
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;

const scoreOf = (kind: QualityReport['kind'], s: ClassifierScore | RegressorScore) => (kind === 'classifier' ? (s as ClassifierScore).accuracy : (s as RegressorScore).mae);

/** Quality per closed window as the page saw it: a quality report holds only the last 20 windows. */
export class QualityLog {
  readonly values: (number | null | undefined)[] = [];

  add(q: QualityReport): void {
    const closed = Math.floor((q.total.count - q.last.count) / q.windowSize);
    const first = closed - q.windows.length; // the 0-based number of q.windows[0]
    q.windows.forEach((s, i) => (this.values[first + i] = scoreOf(q.kind, s)));
  }
}

const STATUS_TEXT: Record<MonitorReport['status'], string> = {
  off: 'unmonitored', 'warming-up': 'warming up', ok: 'ok', drift: 'drift',
};

export function renderModel(state: StreamState, report: MonitorReport | undefined, quality: QualityReport | undefined, log: QualityLog, alerts: readonly Alert[]): void {
  const status = report?.status;
  const badge = $('m-badge');
  badge.className = `badge ${status ?? state.phase}`;
  badge.textContent = status ? STATUS_TEXT[status] : state.phase === 'loading' ? 'loading…' : state.phase;
  const windowSize = report?.windowSize ?? 0;
  const passes = state.passRows ? ` (${(state.rows / state.passRows).toFixed(1)} passes over ${state.passRows} held-out rows)` : '';
  const o = state.outcomes;
  const missed = (['unknown', 'expired', 'duplicate', 'rejected'] as const).filter((k) => o[k] > 0).map((k) => `${k} ${o[k]}`);
  $('m-progress').textContent = [
    `${state.message}${state.backend ? ` on ${state.backend}` : ''}`,
    `${state.rows} rows streamed${passes}`,
    status && status !== 'off' ? `${report!.windows} windows of ${windowSize} closed, ${report!.alerts} alert(s)` : '',
    `outcomes: ${o.joined} joined, ${o.unlabelled} not reported (no label or no prediction id)${missed.length ? `, ${missed.join(', ')}` : ''}`,
  ].filter(Boolean).join(' · ');
  Object.assign(document.body.dataset, {
    stream: state.phase, rows: String(state.rows), monitorStatus: status ?? '',
    monitorWindows: String(report?.windows ?? 0), monitorAlerts: String(report?.alerts ?? 0), qualityWindows: String(log.values.length),
  });

  const note = $('m-note');
  const reason = report?.reason ?? 'the model runs unmonitored';
  const off = status === 'off' ? [`${reason[0]!.toUpperCase()}${reason.slice(1)}.`, ...state.warnings.filter((w) => w !== reason)] : [];
  note.hidden = off.length === 0 && state.phase !== 'error';
  note.textContent = state.phase === 'error' ? state.message : `${off.join(' ')} Rows still run; no drift windows or outcome quality come of them.`;

  drift(report);
  $('m-alerts').innerHTML = alerts.length
    ? alerts.slice().reverse().map((a) => `<li class="${a.event}"><b>${a.event}</b> at window ${a.window}, ${new Date(a.at).toLocaleTimeString()}${a.features.length ? `: ${a.features.slice(0, 6).map(esc).join(', ')}${a.features.length > 6 ? ` and ${a.features.length - 6} more` : ''}` : ''}</li>`).join('')
    : '<li class="empty-note">no alerts yet</li>';
  renderQuality(quality, log, state);
}

function drift(report: MonitorReport | undefined): void {
  const history = report?.history ?? [];
  if (!report || report.status === 'off' || history.length === 0) {
    const waiting = report?.status === 'warming-up' ? `waiting for the first window of ${report.windowSize} rows` : 'no windows';
    $('m-max').innerHTML = `<p class="empty-note">${waiting}</p>`;
    $('m-drifted').textContent = '';
    $('m-features').innerHTML = '';
    return;
  }
  const first = report.windows - history.length + 1;
  const kinds = report.features.map((f) => f.kind);
  const maxOf = (kind: 'input' | 'output') => history.map((h) => Math.max(0, ...h.ratios.filter((_, i) => kinds[i] === kind && !Number.isNaN(h.ratios[i]))));
  const top = Math.max(10, ...history.flatMap((h) => h.ratios.filter(Number.isFinite)));
  $('m-max').innerHTML = lineChart({
    title: 'Largest score / threshold per window', firstWindow: first, log: true, min: 0.05, max: Math.min(1e4, 10 ** Math.ceil(Math.log10(top))),
    lines: [{ values: maxOf('input'), colour: '#2563eb', label: 'inputs' }, { values: maxOf('output'), colour: '#9333ea', label: 'outputs' }],
    rules: [{ y: 1, label: '1.0 = threshold' }],
  });
  const last = report.last;
  const drifted = last?.features.filter((f) => f.drift).map((f) => f.name) ?? [];
  $('m-drifted').innerHTML = `Last window (${report.windows}): ${drifted.length ? `<b>${drifted.length} of ${report.features.length} features drifted</b>: ${drifted.map(esc).join(', ')}` : `no feature over its threshold (${report.features.length} watched)`}`;
  const rows = report.features.map((f, i) => {
    const score = last?.features[i];
    const cells = [
      esc(f.name), f.kind, heatStrip(history.map((h) => h.ratios[i]!), first, f.name),
      score ? score.score.toFixed(3) : '–', score ? score.threshold.toFixed(3) : '–', score ? (score.score / score.threshold).toFixed(2) : '–', score ? score.p.toPrecision(2) : '–',
    ];
    return `<tr${score?.drift ? ' class="drifted"' : ''}>${cells.map((c, k) => `<td${k >= 3 ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`;
  });
  $('m-features').innerHTML = `<thead><tr><th>feature</th><th>kind</th><th>score / threshold, last ${history.length} windows ${ratioLegend()}</th><th>score</th><th>threshold</th><th>ratio</th><th>p</th></tr></thead><tbody>${rows.join('')}</tbody>`;
}

function renderQuality(quality: QualityReport | undefined, log: QualityLog, state: StreamState): void {
  if (!quality) {
    $('m-quality').innerHTML = `<p class="empty-note">${state.phase === 'loading' ? '' : 'no outcome quality: outcomes are joined to the predictions of a monitored model only'}</p>`;
    return;
  }
  const classifier = quality.kind === 'classifier';
  const values = Array.from(log.values.slice(-100), (v) => v ?? null);
  const first = log.values.length - values.length + 1;
  const name = classifier ? 'accuracy' : state.model?.id === 'vad' ? 'mean |p − label|' : 'MAE';
  const show = (v: number | null | undefined) => (v === null || v === undefined ? '–' : classifier ? `${(v * 100).toFixed(1)}%` : v.toFixed(3));
  const top = Math.max(1e-9, ...values.map((v) => v ?? 0), scoreOf(quality.kind, quality.last) ?? 0);
  const chart = values.length
    ? lineChart({
      title: `${name} per window of ${quality.windowSize} outcomes`, firstWindow: first, min: 0, max: classifier ? 1 : Number((top * 1.15).toPrecision(2)),
      lines: [{ values, colour: '#059669', label: name }], format: classifier ? (y) => `${(y * 100).toFixed(0)}%` : undefined,
    })
    : `<p class="empty-note">no window of ${quality.windowSize} outcomes closed yet</p>`;
  const missed = quality.unknown + quality.expired + quality.duplicate;
  $('m-quality').innerHTML = `${chart}<p>${name}: last closed window ${show(values.at(-1))} · window being filled ${show(scoreOf(quality.kind, quality.last))} (${quality.last.count} of ${quality.windowSize})`
    + ` · all ${quality.total.count} outcomes ${show(scoreOf(quality.kind, quality.total))}${classifier ? '' : `, bias ${show((quality.total as RegressorScore).bias)}`}${missed ? ` · ${missed} not joined` : ''}</p>`
    + `<p class="empty-note">An outcome is ${esc(state.outcome)}.</p>`;
}
