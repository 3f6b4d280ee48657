// Aggregates measurements between two exports (delta temporality): histograms and counters keyed by their
// attribute values, with a cap on series per metric, and a capped list of log records. It holds what was recorded as
// it came, raw: naming, redacting and encoding it as OTLP JSON (encode.ts) belong to the part of telemetry loaded
// when an export needs it. So this file is small: it is part of what a page loads up front.
import type { Drop } from './drops.js';

/** Joins attribute values into a series key. A key whose values hold it is encoded as the overflow series. */
export const SEP = '\u0001';
/** The key of a metric's overflow series (`otel.metric.overflow=true`). */
export const OVERFLOW = '\u0000';

/** The metrics, in the order createRecorder() holds them; encode.ts names them and their attributes. */
export const INFERENCE = 0, LOAD = 1, CACHE = 2, DOWNLOAD = 3, ERRORS = 4, FALLBACKS = 5, DROPPED = 6;
/** Monitoring: drift score per feature (gauge), drift alerts, per-window feature histograms (the profile's bins), outcomes. */
export const DRIFT_SCORE = 7, DRIFT_ALERTS = 8, FEATURE_BINS = 9, OUTCOMES = 10, OUTCOME_ERROR = 11;
/** Rollouts (rollout-metrics.ts): device rollbacks, shadow runs, their time and their largest difference from the served run. */
export const ROLLBACKS = 12, SHADOW_RUNS = 13, SHADOW_DURATION = 14, SHADOW_DIFF = 15;

/** Seconds. Inference spans sub-millisecond cache-like models to seconds-long runs on slow devices. */
export const INFERENCE_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LOAD_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** An error's `code` when it looks like one (`'input-shape'`), else `'unknown'`: the errors counter's attribute. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[a-z][a-z0-9-]{0,47}$/.test(code) ? code : 'unknown';
}

export interface Series {
  records: number;
  value: number;
  sum: number;
  min: number;
  max: number;
  /** A histogram's bounds (given by its first measurement) and counts; undefined for counters and gauges. */
  bounds?: readonly number[];
  buckets?: number[];
}

/** A log record as recorded; encode.ts makes OTLP JSON of it at the next export. */
export type LogRecord = { time: number } & (
  /**
   * An error, with its model's id (raw, bounded), version and rollout arm. Its code, message and details are read and
   * redacted when encoded: a held error costs no redaction until then, and at most `maxLogs` are held.
   */
  | { error: unknown; model: string | undefined; version: string | undefined; arm?: string | undefined }
  /** The device context: backend, GPU vendor and architecture (the pipeline adds what `navigator` tells). */
  | { device: readonly unknown[] }
);

/** What one collect() takes: an interval's series per metric (by key) and its log records. */
export interface Interval {
  start: number;
  end: number;
  /** Sparse: a metric without series has no map (read it with forEach). */
  series: readonly Map<string, Series>[];
  logs: readonly LogRecord[];
}

export interface Recorder {
  /** A metric's series for `key`, made if need be (a histogram with `bounds`); the overflow series past `maxSeries`. */
  series(metric: number, key: string, bounds?: readonly number[]): Series;
  /** Adds one measurement to a histogram; `weight` > 1 stands for sampled-out measurements. */
  observe(metric: number, key: string, value: number, weight: number, bounds: readonly number[]): void;
  /** Adds to a counter; with `gauge`, sets the value instead. */
  add(metric: number, key: string, value: number, gauge?: boolean): void;
  /** Keeps a log record, or counts it as dropped when `maxLogs` are already waiting. */
  log(record: LogRecord): void;
  /** Counts lost measurements or log records. */
  drop(drop: Drop): void;
  /** Everything since the last collect; starts a new interval. */
  collect(now: number): Interval;
  /** Whether anything was recorded since the last collect. */
  readonly empty: boolean;
  /** Series and log records held. */
  readonly held: { series: number; logs: number };
}

/**
 * `onGrow` is called whenever a series (with its key, and whether it is a histogram) or a log record is added, not
 * for each measurement: a record call costs a map lookup and a few additions. It may not collect at once: a record
 * is under way when it is called.
 */
export function createRecorder(
  limits: { maxSeries: number; maxLogs: number },
  since: number, // when the first interval starts
  onGrow?: (grown: string | LogRecord, histogram?: boolean) => void,
): Recorder {
  // Per metric (a sparse array: a metric gets its map at its first series), since the last collect.
  let metrics: Map<string, Series>[] = [];
  let logs: LogRecord[] = [];
  let series = 0;

  function get(index: number, key: string, bounds?: readonly number[]): Series {
    const m = (metrics[index] ??= new Map());
    let s = m.get(key);
    if (s) return s;
    // Past maxSeries, the overflow series, made if need be.
    if (index !== DROPPED && m.size >= limits.maxSeries && (s = m.get((key = OVERFLOW)))) return s;
    s = { records: 0, value: 0, sum: 0, min: Infinity, max: -Infinity, bounds, buckets: bounds && Array(bounds.length + 1).fill(0) };
    m.set(key, s);
    series++;
    onGrow?.(key, !!bounds);
    return s;
  }

  function drop(d: Drop) {
    get(DROPPED, d.reason + SEP + d.signal).value += d.count;
  }

  return {
    series: get,
    observe(index, key, value, weight, bounds) {
      const s = get(index, key, bounds);
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
      const s = get(index, key);
      s.records++;
      s.value = gauge ? value : s.value + value;
    },
    log(record) {
      if (logs.length >= limits.maxLogs) return drop({ reason: 'log-limit', signal: 'logs', count: 1 });
      logs.push(record);
      onGrow?.(record);
    },
    drop,
    collect(now) {
      const interval: Interval = { start: since, end: now, series: metrics, logs };
      metrics = [];
      logs = [];
      series = 0;
      since = now;
      return interval;
    },
    get empty() {
      return !(series || logs.length);
    },
    get held() {
      return { series, logs: logs.length };
    },
  };
}
