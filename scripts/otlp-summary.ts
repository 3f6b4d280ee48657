// Folds received OTLP/HTTP JSON requests into per-series totals: what the dev receiver's /__otlp/summary answers,
// what the monitor page draws and what tests check counts against. Drift and outcome metrics are also gathered per
// model and feature (`drift`, `outcomes`), as the monitor page's fleet view shows them.

export type Value = string | number | boolean;

export interface Received {
  receivedAt: number;
  signal: 'metrics' | 'logs';
  /** The parsed body. */
  body: unknown;
}

export interface SeriesTotal {
  attributes: Record<string, Value>;
  /** Histograms: measurements; counters: the summed value; gauges: data points received. */
  count: number;
  /** Histograms only. */
  sum?: number;
  bounds?: number[];
  buckets?: number[];
  /** Gauges only: the latest value, and when it was measured (ms since the epoch). */
  value?: number;
  at?: number;
}

/** One model version's feature across every device that sent it. */
export interface DriftFeature {
  model: string;
  version: string;
  feature: string;
  kind: string;
  /** The latest `edge_infer.drift.score` (PSI) and when it was measured; absent before the first. */
  score?: number;
  at?: number;
  /** `edge_infer.drift.alerts`: windows in which this feature drifted. */
  alerts: number;
  /** `edge_infer.drift.feature` summed: the profile's bin edges and the rows counted in each bin. */
  bounds: number[];
  buckets: number[];
  rows: number;
}

/** `edge_infer.outcomes` and `edge_infer.outcome.error` of one model version. */
export interface OutcomeTotal {
  model: string;
  version: string;
  correct: number;
  wrong: number;
  /** Outcomes of a regressor (its error goes to `errorSum` / `errorCount`). */
  joined: number;
  errorCount: number;
  errorSum: number;
}

export interface LogEntry {
  time: number;
  severity: string;
  body: string;
  attributes: Record<string, Value>;
  resource: Record<string, Value>;
}

export interface OtlpSummary {
  requests: { metrics: number; logs: number };
  services: string[];
  sessions: number;
  /** By metric name, one entry per attribute set (resource attributes are not part of the key). */
  metrics: Record<string, SeriesTotal[]>;
  logs: LogEntry[];
  /** By model, version and feature, in the order first seen. */
  drift: DriftFeature[];
  outcomes: OutcomeTotal[];
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
type KeyValues = { key: string; value: AnyValue }[] | undefined;

export interface SummaryFilter {
  service?: string | null;
  session?: string | null;
}

/** `maxLogs` most recent log records are kept. */
export function summarize(received: readonly Received[], filter: SummaryFilter = {}, maxLogs = 100): OtlpSummary {
  const out: OtlpSummary = { requests: { metrics: 0, logs: 0 }, services: [], sessions: 0, metrics: {}, logs: [], drift: [], outcomes: [] };
  const services = new Set<string>();
  const sessions = new Set<string>();
  const index = new Map<string, SeriesTotal>();
  for (const r of received) {
    const body = r.body as Record<string, { resource?: { attributes?: KeyValues } }[] | undefined>;
    const resources = body[r.signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs'] ?? [];
    let counted = false;
    for (const rs of resources) {
      const resource = plain(rs.resource?.attributes);
      if (filter.service && resource['service.name'] !== filter.service) continue;
      if (filter.session && resource['session.id'] !== filter.session) continue;
      if (!counted) out.requests[r.signal]++, (counted = true);
      services.add(String(resource['service.name']));
      sessions.add(String(resource['session.id']));
      if (r.signal === 'metrics') addMetrics(rs as MetricsResource, out, index);
      else addLogs(rs as LogsResource, resource, out);
    }
  }
  out.services = [...services].sort();
  out.sessions = sessions.size;
  out.logs = out.logs.sort((a, b) => a.time - b.time).slice(-maxLogs);
  out.drift = driftOf(out.metrics);
  out.outcomes = outcomesOf(out.metrics);
  return out;
}

interface MetricsResource {
  scopeMetrics?: { metrics?: { name: string; histogram?: { dataPoints?: HistogramPoint[] }; sum?: { dataPoints?: SumPoint[] }; gauge?: { dataPoints?: SumPoint[] } }[] }[];
}
interface HistogramPoint {
  attributes?: KeyValues;
  count: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}
interface SumPoint {
  attributes?: KeyValues;
  timeUnixNano?: string;
  asInt?: string;
  asDouble?: number;
}

function addMetrics(rs: MetricsResource, out: OtlpSummary, index: Map<string, SeriesTotal>) {
  for (const sm of rs.scopeMetrics ?? []) {
    for (const m of sm.metrics ?? []) {
      for (const p of m.histogram?.dataPoints ?? m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []) {
        const attributes = plain(p.attributes);
        // Histograms whose bounds differ (a feature's bins from another profile) are kept apart, not summed.
        const bounds = m.histogram ? `\u0000${JSON.stringify((p as HistogramPoint).explicitBounds ?? [])}` : '';
        const key = `${m.name}\u0000${JSON.stringify(Object.entries(attributes).sort())}${bounds}`;
        let total = index.get(key);
        if (!total) {
          total = { attributes, count: 0 };
          index.set(key, total);
          (out.metrics[m.name] ??= []).push(total);
        }
        if (m.histogram) {
          const h = p as HistogramPoint;
          total.count += Number(h.count);
          total.sum = (total.sum ?? 0) + (h.sum ?? 0);
          total.bounds ??= h.explicitBounds ?? [];
          const buckets = (total.buckets ??= new Array((h.bucketCounts ?? []).length).fill(0));
          (h.bucketCounts ?? []).forEach((c, i) => (buckets[i] = (buckets[i] ?? 0) + Number(c)));
        } else if (m.gauge) {
          const g = p as SumPoint;
          const at = Number(BigInt(g.timeUnixNano ?? '0') / 1_000_000n);
          total.count++;
          if (total.at === undefined || at >= total.at) (total.at = at), (total.value = Number(g.asDouble ?? g.asInt ?? NaN));
        } else {
          const s = p as SumPoint;
          total.count += Number(s.asInt ?? s.asDouble ?? 0);
        }
      }
    }
  }
}

interface LogsResource {
  scopeLogs?: { logRecords?: { timeUnixNano?: string; severityText?: string; body?: AnyValue; attributes?: KeyValues }[] }[];
}

function addLogs(rs: LogsResource, resource: Record<string, Value>, out: OtlpSummary) {
  for (const sl of rs.scopeLogs ?? []) {
    for (const l of sl.logRecords ?? []) {
      out.logs.push({
        time: Number(BigInt(l.timeUnixNano ?? '0') / 1_000_000n),
        severity: l.severityText ?? '',
        body: String(l.body ? value(l.body) : ''),
        attributes: plain(l.attributes),
        resource,
      });
    }
  }
}

const text = (s: SeriesTotal, key: string) => String(s.attributes[key] ?? '');

/** Drift series per model, version and feature: its latest score, alerts and summed bins. */
function driftOf(metrics: OtlpSummary['metrics']): DriftFeature[] {
  const features = new Map<string, DriftFeature>();
  const entry = (s: SeriesTotal) => {
    const key = ['model.id', 'model.version', 'feature'].map((k) => text(s, k)).join('\u0000');
    let f = features.get(key);
    if (!f) features.set(key, (f = { model: text(s, 'model.id'), version: text(s, 'model.version'), feature: text(s, 'feature'), kind: '', alerts: 0, bounds: [], buckets: [], rows: 0 }));
    return f;
  };
  for (const s of metrics['edge_infer.drift.feature'] ?? []) {
    if (s.attributes['otel.metric.overflow']) continue;
    const f = entry(s);
    // Two series of one feature have different bins (profiles): the one with more rows is shown.
    if (s.count >= f.rows) Object.assign(f, { bounds: s.bounds ?? [], buckets: [...(s.buckets ?? [])], rows: s.count });
  }
  for (const s of metrics['edge_infer.drift.score'] ?? []) {
    if (s.attributes['otel.metric.overflow']) continue;
    const f = entry(s);
    f.kind = text(s, 'feature.kind');
    if (s.at !== undefined && (f.at === undefined || s.at >= f.at)) (f.score = s.value), (f.at = s.at);
  }
  for (const s of metrics['edge_infer.drift.alerts'] ?? []) if (!s.attributes['otel.metric.overflow']) entry(s).alerts += s.count;
  return [...features.values()];
}

/** Outcomes per model and version: correct and wrong classes, joined regressor outcomes and their mean error. */
function outcomesOf(metrics: OtlpSummary['metrics']): OutcomeTotal[] {
  const models = new Map<string, OutcomeTotal>();
  const entry = (s: SeriesTotal) => {
    const key = `${text(s, 'model.id')}\u0000${text(s, 'model.version')}`;
    let o = models.get(key);
    if (!o) models.set(key, (o = { model: text(s, 'model.id'), version: text(s, 'model.version'), correct: 0, wrong: 0, joined: 0, errorCount: 0, errorSum: 0 }));
    return o;
  };
  for (const s of metrics['edge_infer.outcomes'] ?? []) {
    const outcome = text(s, 'outcome');
    if (outcome === 'correct' || outcome === 'wrong' || outcome === 'joined') entry(s)[outcome] += s.count;
  }
  for (const s of metrics['edge_infer.outcome.error'] ?? []) {
    const o = entry(s);
    o.errorCount += s.count;
    o.errorSum += s.sum ?? 0;
  }
  return [...models.values()];
}

function plain(attributes: KeyValues): Record<string, Value> {
  return Object.fromEntries((attributes ?? []).map((a) => [a.key, value(a.value)]));
}

function value(v: AnyValue): Value {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.doubleValue ?? '';
}

/** Total of a metric over the series whose attributes include `match`. */
export function total(summary: OtlpSummary, metric: string, match: Record<string, Value> = {}): number {
  return (summary.metrics[metric] ?? [])
    .filter((s) => Object.entries(match).every(([k, v]) => s.attributes[k] === v))
    .reduce((n, s) => n + s.count, 0);
}
