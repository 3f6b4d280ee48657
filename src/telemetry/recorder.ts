// Aggregates measurements between two exports (delta temporality): histograms and counters keyed by their
// attribute values, with a cap on series per metric, and a capped list of log records. It holds what was recorded as
// it came: encoding it as OTLP JSON (encode.ts) belongs to the part of telemetry loaded when an export needs it.
import type { Drop } from './drops.js';
import type { AttributeValue } from './json.js';

/** Joins attribute values into a series key; values never contain it. */
export const SEP = '\u0001';
/** The key of a metric's overflow series (`otel.metric.overflow=true`). */
export const OVERFLOW = '\u0000';

/** The metrics, in the order createRecorder() holds them. */
export const INFERENCE = 0, LOAD = 1, CACHE = 2, DOWNLOAD = 3, ERRORS = 4, FALLBACKS = 5, DROPPED = 6;
/** Monitoring: drift score per feature (gauge), drift alerts, per-window feature histograms (the profile's bins), outcomes. */
export const DRIFT_SCORE = 7, DRIFT_ALERTS = 8, FEATURE_BINS = 9, OUTCOMES = 10, OUTCOME_ERROR = 11;
/** Rollouts (rollout-metrics.ts): device rollbacks, shadow runs, their time and their largest difference from the served run. */
export const ROLLBACKS = 12, SHADOW_RUNS = 13, SHADOW_DURATION = 14, SHADOW_DIFF = 15;

/**
 * A model's id, version and rollout arm. The arm is `''` for a model without an assignment, and the encoder skips
 * empty values, so such a model's series carry exactly the attributes they did before arms existed.
 */
const MODEL = ['model.id', 'model.version', 'model.arm'];

/** Per metric, the attribute names its series keys hold values for, in order. */
export const KEYS: readonly (readonly string[])[] = [
  [...MODEL, 'backend', 'status'],
  [...MODEL, 'backend', 'source'],
  [...MODEL, 'cache', 'result'],
  MODEL,
  ['error.code', 'model.id'],
  ['model.id', 'backend.from', 'backend.to', 'reason'],
  ['reason', 'signal'],
  [...MODEL, 'feature', 'feature.kind'],
  [...MODEL, 'feature'],
  [...MODEL, 'feature'],
  [...MODEL, 'outcome'],
  MODEL,
  ['model.id', 'model.version', 'rollout.to', 'reason'],
  [...MODEL, 'shadow.version', 'result', 'error.code'],
  [...MODEL, 'shadow.version'],
  [...MODEL, 'shadow.version'],
];

/** Seconds. Inference spans sub-millisecond cache-like models to seconds-long runs on slow devices. */
export const INFERENCE_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LOAD_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** |predicted − actual| of a regressor's outcomes, in the model's own units. */
export const ERROR_BOUNDS = [0.001, 0.01, 0.1, 1, 10, 100, 1000];
/** Largest |shadow − served| of a run: from float rounding (1e-6) to outputs that have nothing in common (10). */
export const DIFF_BOUNDS = [0.000001, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10];
/** Per metric, the histogram bounds; none for counters and gauges. FEATURE_BINS series carry their own. */
export const BOUNDS: readonly (readonly number[] | undefined)[] = KEYS.map((_, i) =>
  i === INFERENCE || i === SHADOW_DURATION ? INFERENCE_BOUNDS : i === LOAD ? LOAD_BOUNDS : i === OUTCOME_ERROR ? ERROR_BOUNDS : i === SHADOW_DIFF ? DIFF_BOUNDS : undefined);

export interface Series {
  records: number;
  value: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[] | undefined;
  /** A histogram's own bounds, where its metric has none fixed (a profile's bin edges). */
  bounds?: readonly number[];
}

/** A log record as recorded; encode.ts makes OTLP JSON of it at the next export. */
export type LogRecord = { time: number } & (
  /**
   * An error, with its model's redacted id, its raw version and its rollout arm. Its code, message and details are
   * read and redacted when encoded: a held error costs no redaction until then, and at most `maxLogs` are held.
   */
  | { error: unknown; model: string | undefined; version: string | undefined; arm?: string | undefined }
  /** The device context. */
  | { device: Readonly<Record<string, AttributeValue | undefined>> }
);

/** What one collect() takes: an interval's series per metric (by key) and its log records. */
export interface Interval {
  start: number;
  end: number;
  series: readonly Map<string, Series>[];
  logs: readonly LogRecord[];
}

export interface Recorder {
  /** Adds one measurement to a histogram; `weight` > 1 stands for sampled-out measurements. */
  observe(metric: number, key: string, value: number, weight: number): void;
  /** Adds to a counter; with `gauge`, sets the value instead. */
  add(metric: number, key: string, value: number, gauge?: boolean): void;
  /** Adds pre-binned counts to a histogram whose series has its own bounds (`counts.length === bounds.length + 1`). */
  merge(metric: number, key: string, bounds: readonly number[], counts: ArrayLike<number>): void;
  /** Keeps a log record, or counts it as dropped when `maxLogs` are already waiting. */
  log(record: LogRecord): void;
  /** Counts lost measurements or log records. */
  drop(drop: Drop): void;
  /** Everything since the last collect; starts a new interval. */
  collect(now: number): Interval;
  /** Whether anything was recorded since the last collect. */
  readonly empty: boolean;
  /** Series and log records held, and about the size of their encoding in bytes. */
  readonly held: { series: number; logs: number; bytes: number };
}

/**
 * `onFull` is called once an interval's encoding nears `maxBatchBytes`; `onGrow` whenever a series or a log record is
 * added (not for each measurement: a record call costs a map lookup and a few additions). Neither may collect at
 * once: a record is under way when they are called.
 */
export function createRecorder(
  limits: { maxSeries: number; maxLogs: number; maxBatchBytes: number },
  start: number,
  onFull: () => void,
  onGrow: () => void = () => undefined,
): Recorder {
  let metrics = KEYS.map(() => new Map<string, Series>());
  let logs: LogRecord[] = [];
  let series = 0;
  let bytes = 0; // of the series, and of the log records: they go in separate requests
  let logBytes = 0;
  let full = false;
  let since = start;

  function grow(index: number, key: string): Series {
    const m = metrics[index]!;
    const values = key.split(SEP);
    // A value holding SEP cannot be told apart from its neighbours: it counts in the overflow series too.
    if ((index !== DROPPED && m.size >= limits.maxSeries) || values.length !== KEYS[index]!.length) {
      const overflow = m.get(OVERFLOW);
      if (overflow) return overflow;
      key = OVERFLOW;
    }
    const bounds = BOUNDS[index];
    const s: Series = { records: 0, value: 0, sum: 0, min: Infinity, max: -Infinity, buckets: bounds && new Array(bounds.length + 1).fill(0) };
    m.set(key, s);
    series++;
    onGrow();
    // About the length of the point's encoding: an attribute costs about 50 bytes and its value.
    bytes += key.length + 50 * values.length + (bounds || index === FEATURE_BINS ? 330 : 110);
    if (bytes > limits.maxBatchBytes) fill();
    return s;
  }

  function fill() {
    if (!full) (full = true), onFull();
  }

  function drop(d: Drop) {
    const key = d.reason + SEP + d.signal;
    (metrics[DROPPED]!.get(key) ?? grow(DROPPED, key)).value += d.count;
  }

  return {
    observe(index, key, value, weight) {
      const s = metrics[index]!.get(key) ?? grow(index, key);
      const bounds = BOUNDS[index]!;
      let i = 0;
      while (i < bounds.length && value > bounds[i]!) i++;
      s.buckets![i]! += weight;
      s.records++;
      s.value += weight;
      s.sum += value * weight;
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
    },
    add(index, key, value, gauge) {
      const s = metrics[index]!.get(key) ?? grow(index, key);
      s.records++;
      s.value = gauge ? value : s.value + value;
    },
    merge(index, key, bounds, counts) {
      const s = metrics[index]!.get(key) ?? grow(index, key);
      // Another profile's bins under the same names (or the overflow series): counted as lost, not mixed in.
      if (s.bounds && s.bounds !== bounds && s.bounds.join() !== bounds.join()) return drop({ reason: 'bounds-mismatch', signal: 'metrics', count: 1 });
      if (!s.buckets) (s.bounds = bounds), (s.buckets = new Array(bounds.length + 1).fill(0));
      for (let i = 0; i < counts.length && i < s.buckets.length; i++) s.buckets[i]! += counts[i]!;
      s.records++;
    },
    log(record) {
      if (logs.length >= limits.maxLogs) return drop({ reason: 'log-limit', signal: 'logs', count: 1 });
      logs.push(record);
      onGrow();
      // About the length of its encoding: an error's message (at most 500 once redacted), details and model; the device.
      const message = 'error' in record ? (record.error as { message?: unknown } | null)?.message : '';
      logBytes += 400 + (typeof message === 'string' ? Math.min(message.length, 500) : 100);
      if (logBytes > limits.maxBatchBytes) fill();
    },
    drop,
    collect(now) {
      const interval: Interval = { start: since, end: now, series: metrics, logs };
      metrics = KEYS.map(() => new Map());
      logs = [];
      series = bytes = logBytes = 0;
      full = false;
      since = now;
      return interval;
    },
    get empty() {
      return series === 0 && logs.length === 0;
    },
    get held() {
      return { series, logs: logs.length, bytes: bytes + logBytes };
    },
  };
}
