// Aggregates measurements between two exports (delta temporality): histograms and counters keyed by their
// attribute values, with a cap on series per metric, and a capped list of log records.
import type { Drop, Item } from './batch.js';
import { attributes, nanos, str } from './json.js';

/** Joins attribute values into a series key; values never contain it. */
export const SEP = '\u0001';
const OVERFLOW = '\u0000';
const OVERFLOW_ATTRIBUTES = '[{"key":"otel.metric.overflow","value":{"boolValue":true}}]';

interface Metric {
  head: string;
  keys: readonly string[];
  bounds: readonly number[] | undefined;
  capped: boolean;
  series: Map<string, Series>;
}

interface Series {
  attributes: string;
  records: number;
  value: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[] | undefined;
}

function metric(name: string, unit: string, keys: string[], bounds?: number[], capped = true): Metric {
  const kind = bounds ? 'histogram":{' : 'sum":{"isMonotonic":true,';
  const head = `{"name":${str(name)},"unit":${str(unit)},"${kind}"aggregationTemporality":1,"dataPoints":[`;
  return { head, keys, bounds, capped, series: new Map() };
}

const MODEL = ['model.id', 'model.version'];

/** Seconds. Inference spans sub-millisecond cache-like models to seconds-long runs on slow devices. */
export const INFERENCE_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LOAD_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The metrics, in the order createRecorder() holds them. */
export const INFERENCE = 0, LOAD = 1, CACHE = 2, DOWNLOAD = 3, ERRORS = 4, FALLBACKS = 5, DROPPED = 6;

export interface Recorder {
  /** Adds one measurement to a histogram; `weight` > 1 stands for sampled-out measurements. */
  observe(metric: number, key: string, value: number, weight: number): void;
  /** Adds to a counter. */
  add(metric: number, key: string, value: number): void;
  /** Keeps the log record `build()` encodes, or counts it as dropped when `maxLogs` are already waiting (then not built). */
  log(build: () => string): void;
  /** Counts lost measurements or log records. */
  drop(drop: Drop): void;
  /** Everything since the last collect, as items; starts a new interval. */
  collect(now: number): { metrics: Item[]; logs: Item[] };
  /** Whether anything was recorded since the last collect. */
  readonly empty: boolean;
  /** Series and log records held, and a rough size of their encoding in bytes. */
  readonly held: { series: number; logs: number; bytes: number };
}

export function createRecorder(limits: { maxSeries: number; maxLogs: number; maxBatchBytes: number }, start: number, onFull: () => void): Recorder {
  const metrics = [
    metric('edge_infer.inference.duration', 's', [...MODEL, 'backend', 'status'], INFERENCE_BOUNDS),
    metric('edge_infer.model.load.duration', 's', [...MODEL, 'backend', 'source'], LOAD_BOUNDS),
    metric('edge_infer.cache.requests', '1', [...MODEL, 'cache', 'result']),
    metric('edge_infer.download.size', 'By', MODEL),
    metric('edge_infer.errors', '1', ['error.code', 'model.id']),
    metric('edge_infer.backend.fallbacks', '1', ['model.id', 'backend.from', 'backend.to', 'reason']),
    metric('edge_infer.telemetry.dropped', '1', ['reason', 'signal'], undefined, false),
  ];
  let logs: string[] = [];
  let series = 0;
  let bytes = 0;
  let logBytes = 0;
  let full = false;
  let since = start;

  function grow(m: Metric, key: string): Series {
    let attrs: string;
    const values = key.split(SEP);
    // A value holding SEP cannot be told apart from its neighbours: it counts in the overflow series too.
    if ((m.capped && m.series.size >= limits.maxSeries) || values.length !== m.keys.length) {
      const overflow = m.series.get(OVERFLOW);
      if (overflow) return overflow;
      key = OVERFLOW;
      attrs = OVERFLOW_ATTRIBUTES;
    } else {
      attrs = attributes(Object.fromEntries(m.keys.map((k, i) => [k, values[i]!.slice(0, 128)])));
    }
    const s: Series = { attributes: attrs, records: 0, value: 0, sum: 0, min: Infinity, max: -Infinity, buckets: m.bounds && new Array(m.bounds.length + 1).fill(0) };
    m.series.set(key, s);
    series++;
    bytes += attrs.length + (m.bounds ? 330 : 110);
    if (bytes > limits.maxBatchBytes) fill();
    return s;
  }

  function drop(d: Drop) {
    const m = metrics[DROPPED]!;
    const key = d.reason + SEP + d.signal;
    (m.series.get(key) ?? grow(m, key)).value += d.count;
  }

  function fill() {
    if (!full) (full = true), onFull();
  }

  return {
    observe(index, key, value, weight) {
      const m = metrics[index]!;
      const s = m.series.get(key) ?? grow(m, key);
      const bounds = m.bounds!;
      let i = 0;
      while (i < bounds.length && value > bounds[i]!) i++;
      s.buckets![i]! += weight;
      s.records++;
      s.value += weight;
      s.sum += value * weight;
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
    },
    add(index, key, value) {
      const m = metrics[index]!;
      const s = m.series.get(key) ?? grow(m, key);
      s.records++;
      s.value += value;
    },
    log(build) {
      if (logs.length >= limits.maxLogs) return drop({ reason: 'log-limit', signal: 'logs', count: 1 });
      const json = build();
      logs.push(json);
      logBytes += json.length + 1;
      if (logBytes > limits.maxBatchBytes) fill();
    },
    drop,
    collect(now) {
      const times = `"startTimeUnixNano":"${nanos(since)}","timeUnixNano":"${nanos(now)}"`;
      const items: Item[] = [];
      for (const m of metrics) {
        for (const [key, s] of m.series) {
          const a = s.attributes ? `{"attributes":${s.attributes},` : '{';
          let json: string;
          if (s.buckets) {
            const counts = s.buckets.map(Math.round);
            const count = counts.reduce((x, y) => x + y, 0);
            const range = count > 0 ? `,"min":${s.min},"max":${s.max}` : '';
            json = `${a}${times},"count":"${count}","sum":${s.sum},"bucketCounts":["${counts.join('","')}"],"explicitBounds":[${m.bounds!.join(',')}]${range}}`;
          } else {
            json = `${a}${times},"asInt":"${Math.round(s.value)}"}`;
          }
          const item: Item = { head: m.head, json, records: s.records };
          if (m === metrics[DROPPED]) {
            const [reason, signal] = key.split(SEP) as [string, Drop['signal']];
            item.carried = { reason, signal, count: s.value };
          }
          items.push(item);
        }
        m.series.clear();
      }
      const logItems = logs.map((json): Item => ({ head: '', json, records: 1 }));
      logs = [];
      series = bytes = logBytes = 0;
      full = false;
      since = now;
      return { metrics: items, logs: logItems };
    },
    get empty() {
      return series === 0 && logs.length === 0;
    },
    get held() {
      return { series, logs: logs.length, bytes: bytes + logBytes };
    },
  };
}
