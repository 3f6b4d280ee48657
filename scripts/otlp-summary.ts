// Folds received OTLP/HTTP JSON requests into per-series totals: what the dev receiver's /__otlp/summary answers,
// what the monitor page draws and what tests check counts against.

export type Value = string | number | boolean;

export interface Received {
  receivedAt: number;
  signal: 'metrics' | 'logs';
  /** The parsed body. */
  body: unknown;
}

export interface SeriesTotal {
  attributes: Record<string, Value>;
  /** Histograms: measurements; counters: the summed value. */
  count: number;
  /** Histograms only. */
  sum?: number;
  bounds?: number[];
  buckets?: number[];
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
  const out: OtlpSummary = { requests: { metrics: 0, logs: 0 }, services: [], sessions: 0, metrics: {}, logs: [] };
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
  return out;
}

interface MetricsResource {
  scopeMetrics?: { metrics?: { name: string; histogram?: { dataPoints?: HistogramPoint[] }; sum?: { dataPoints?: SumPoint[] } }[] }[];
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
  asInt?: string;
  asDouble?: number;
}

function addMetrics(rs: MetricsResource, out: OtlpSummary, index: Map<string, SeriesTotal>) {
  for (const sm of rs.scopeMetrics ?? []) {
    for (const m of sm.metrics ?? []) {
      for (const p of m.histogram?.dataPoints ?? m.sum?.dataPoints ?? []) {
        const attributes = plain(p.attributes);
        const key = `${m.name}\u0000${JSON.stringify(Object.entries(attributes).sort())}`;
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
