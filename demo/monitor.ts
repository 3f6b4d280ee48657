// Live view of what the dev server's OTLP receiver got (scripts/otlp-dev-receiver.ts): counts and latency histograms
// per model and backend, loads, cache hit rates, errors, fallbacks, losses, devices, and drift and outcomes per model
// (monitor-fleet.ts). Polls /__otlp/summary. Above it, "Model monitoring" (monitor-model.ts) streams a bundled
// model's held-out data, shifted on demand, through a monitored model in this page.
import { createTelemetry } from '../src/telemetry/index.js';
import type { OtlpSummary, SeriesTotal, Value } from '../scripts/otlp-summary.js';
import { esc, table as fill } from './monitor-charts.js';
import { renderFleet } from './monitor-fleet.js';
import './monitor-model.js';

const POLL_MS = 2000;
const $ = (id: string) => document.getElementById(id) as HTMLElement;
const service = $('service') as HTMLInputElement;
service.value = new URLSearchParams(location.search).get('service') ?? '';

const table = (id: string, head: string[], rows: string[][], numeric: number[] = []) => fill($(id), head, rows, numeric);

/** The q-quantile in ms, interpolated inside its histogram bucket. */
function quantileMs(s: SeriesTotal, q: number): string {
  const bounds = s.bounds ?? [];
  const buckets = s.buckets ?? [];
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (seen + c >= q * s.count && c > 0) {
      if (i === bounds.length) return `> ${(bounds[i - 1]! * 1000).toFixed(0)}`;
      const low = i === 0 ? 0 : bounds[i - 1]!;
      return ((low + (bounds[i]! - low) * ((q * s.count - seen) / c)) * 1000).toFixed(2);
    }
    seen += c;
  }
  return '–';
}

function histogram(s: SeriesTotal): string {
  const buckets = s.buckets ?? [];
  const max = Math.max(1, ...buckets);
  const bounds = s.bounds ?? [];
  return `<div class="hist">${buckets
    .map((c, i) => {
      const label = i < bounds.length ? `≤ ${bounds[i]! * 1000} ms` : `> ${bounds[i - 1]! * 1000} ms`;
      return `<span class="${c ? '' : 'empty'}" style="height:${Math.max(3, (c / max) * 100)}%" title="${label}: ${c}"></span>`;
    })
    .join('')}</div>`;
}

const attr = (s: SeriesTotal, key: string): Value | undefined => s.attributes[key];
const model = (s: SeriesTotal) => (attr(s, 'otel.metric.overflow') ? '<i>other (over the series cap)</i>' : `${esc(attr(s, 'model.id'))} ${esc(attr(s, 'model.version') ?? '')}`);
const byName = (a: SeriesTotal, b: SeriesTotal) => String(attr(a, 'model.id')).localeCompare(String(attr(b, 'model.id')));

function render(s: OtlpSummary) {
  $('overview').textContent = `${s.requests.metrics} metric and ${s.requests.logs} log requests from ${s.sessions} session(s) of ${s.services.join(', ') || 'no service yet'}`;
  const inference = [...(s.metrics['edge_infer.inference.duration'] ?? [])].sort(byName);
  table('inference', ['model', 'backend', 'status', 'runs', 'mean ms', 'p50 ms', 'p95 ms', 'histogram (0.5 ms … 10 s)'], inference.map((x) => [
    model(x), esc(attr(x, 'backend')), esc(attr(x, 'status')), String(x.count), ((x.sum ?? 0) / Math.max(1, x.count) * 1000).toFixed(2), quantileMs(x, 0.5), quantileMs(x, 0.95), histogram(x),
  ]), [3, 4, 5, 6]);
  table('loads', ['model', 'backend', 'source', 'loads', 'mean ms'], [...(s.metrics['edge_infer.model.load.duration'] ?? [])].sort(byName).map((x) => [
    model(x), esc(attr(x, 'backend')), esc(attr(x, 'source')), String(x.count), ((x.sum ?? 0) / Math.max(1, x.count) * 1000).toFixed(0),
  ]), [3, 4]);
  const cache = new Map<string, { label: string; hit: number; miss: number }>();
  for (const x of s.metrics['edge_infer.cache.requests'] ?? []) {
    const key = `${model(x)} · ${esc(attr(x, 'cache'))}`;
    const entry = cache.get(key) ?? { label: key, hit: 0, miss: 0 };
    entry[attr(x, 'result') === 'hit' ? 'hit' : 'miss'] += x.count;
    cache.set(key, entry);
  }
  const downloads = s.metrics['edge_infer.download.size'] ?? [];
  table('cache', ['model · cache', 'hits', 'misses', 'hit rate'], [...cache.values()].map((c) => [c.label, String(c.hit), String(c.miss), `${((100 * c.hit) / Math.max(1, c.hit + c.miss)).toFixed(1)}%`]).concat(
    downloads.map((x) => [`${model(x)} · downloaded`, `${(x.count / 1e6).toFixed(2)} MB`, '', '']),
  ), [1, 2, 3]);
  const problems = [
    ...(s.metrics['edge_infer.errors'] ?? []).map((x) => ['error', esc(attr(x, 'error.code')), model(x), String(x.count)]),
    ...(s.metrics['edge_infer.backend.fallbacks'] ?? []).map((x) => ['fallback', `${esc(attr(x, 'backend.from'))} → ${esc(attr(x, 'backend.to'))}: ${esc(attr(x, 'reason'))}`, model(x), String(x.count)]),
    ...(s.metrics['edge_infer.telemetry.dropped'] ?? []).map((x) => ['telemetry dropped', `${esc(attr(x, 'reason'))} (${esc(attr(x, 'signal'))})`, '', String(x.count)]),
  ];
  table('problems', ['kind', 'what', 'model', 'count'], problems, [3]);
  const devices = new Map<string, string[]>();
  for (const l of s.logs.filter((l) => l.attributes['event.name'] === 'edge_infer.device')) {
    const a = l.attributes;
    const row = [a.backend, a['gpu.vendor'], a['gpu.architecture'], a['device.hardware_concurrency'], a['device.memory_gb']].map(esc);
    devices.set(row.join('|'), row);
  }
  table('devices', ['backend', 'GPU vendor', 'GPU architecture', 'cores', 'memory GB'], [...devices.values()], [3, 4]);
  const errors = s.logs.filter((l) => l.attributes['event.name'] === 'edge_infer.error').slice(-20).reverse();
  table('logs', ['time', 'code', 'model', 'message'], errors.map((l) => [new Date(l.time).toLocaleTimeString(), esc(l.attributes['error.code']), esc(l.attributes['model.id']), esc(l.body)]));
  renderFleet(s, $('fleet-drift'), $('fleet-outcomes'));
}

let timer: ReturnType<typeof setTimeout> | undefined;

async function poll() {
  clearTimeout(timer);
  try {
    const query = service.value ? `?service=${encodeURIComponent(service.value)}` : '';
    const response = await fetch(`/__otlp/summary${query}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`the dev receiver answered ${response.status}`);
    render((await response.json()) as OtlpSummary);
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
  } catch (error) {
    $('status').textContent = `no summary: ${String(error)} (is this the dev server, npm run demo?)`;
  }
  timer = setTimeout(poll, POLL_MS);
}

// Synthetic traffic, sent through the SDK's own telemetry to this server, so the page shows something at once.
$('sample').addEventListener('click', async () => {
  const telemetry = createTelemetry({ endpoint: location.origin, serviceName: 'monitor-sample' }, { store: null });
  const models = [{ id: 'digits', version: 'sample', backend: 'webgpu' as const }, { id: 'digits', version: 'sample', backend: 'wasm' as const }, { id: 'forecast', version: 'sample', backend: 'wasm' as const }];
  telemetry.setDevice({ backend: 'webgpu' });
  for (const m of models) {
    telemetry.recordLoad({ ...m, source: Math.random() < 0.5 ? 'cache' : 'network', bytes: 800_000 }, 100 + Math.random() * 900);
    for (let i = 0; i < 200; i++) telemetry.recordInference(m, (m.backend === 'webgpu' ? 0.4 : 1.5) * Math.exp(Math.random() * 2));
    for (let i = 0; i < 50; i++) telemetry.recordCache(m, Math.random() < 0.3);
  }
  telemetry.recordFallback(models[1]!, 'webgpu', 'no adapter');
  telemetry.recordError({ code: 'input-shape', message: 'pixels: expected [batch,784], got [1,783]' }, models[0]);
  // Drift windows (the last two drifted) and outcomes, as a monitored model records them.
  const { recordDrift, recordOutcome } = await import('../src/telemetry/monitor-metrics.js');
  for (let w = 0; w < 5; w++) {
    const counts = w < 3 ? [20, 60, 100, 20] : [5, 15, 60, 120];
    recordDrift(telemetry, models[0]!, [{ name: 'pixels.mean', kind: 'input', score: w < 3 ? 0.02 : 0.4, drift: w >= 3, edges: [0.1, 0.13, 0.16], counts }]);
  }
  for (let i = 0; i < 100; i++) recordOutcome(telemetry, models[0]!, Math.random() < 0.9 ? 'correct' : 'wrong');
  await telemetry.dispose();
});

service.addEventListener('change', () => void poll());
void poll();
