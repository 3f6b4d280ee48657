// What a recorder collected, as OTLP/HTTP JSON items: one per data point (with the head of its metric) and one per
// log record. Loaded with the rest of the export half (pipeline.ts), not with the page: the names of the metrics and
// of their attributes, and the redaction of what was recorded raw, live here.
import type { Item } from './batch.js';
import type { Drop } from './drops.js';
import { attributes, nanos, str, type AttributeValue } from './json.js';
import { DRIFT_SCORE, DROPPED, errorCode, FALLBACKS, FEATURE_BINS, OVERFLOW, SEP, type Interval, type LogRecord, type Series } from './recorder.js';
import { redactId, redactMessage } from './redact.js';
import { safeError, type SafeError } from './safe-error.js';

const OVERFLOW_ATTRIBUTES = '[{"key":"otel.metric.overflow","value":{"boolValue":true}}]';

/**
 * A model's id, version and rollout arm. The arm is `''` for a model without an assignment, and empty values are
 * skipped, so such a model's series carry exactly the attributes they did before arms existed.
 */
const MODEL = ['model.id', 'model.version', 'model.arm'];

/** Per metric, in the recorder's order: name, unit, and the attribute names its series keys hold values for. */
export const METRICS: readonly (readonly [string, string, readonly string[]])[] = [
  ['edge_infer.inference.duration', 's', [...MODEL, 'backend', 'status']],
  ['edge_infer.model.load.duration', 's', [...MODEL, 'backend', 'source']],
  ['edge_infer.cache.requests', '1', [...MODEL, 'cache', 'result']],
  ['edge_infer.download.size', 'By', MODEL],
  ['edge_infer.errors', '1', ['error.code', 'model.id']],
  ['edge_infer.backend.fallbacks', '1', ['model.id', 'backend.from', 'backend.to', 'reason']],
  ['edge_infer.telemetry.dropped', '1', ['reason', 'signal']],
  ['edge_infer.drift.score', '1', [...MODEL, 'feature', 'feature.kind']],
  ['edge_infer.drift.alerts', '1', [...MODEL, 'feature']],
  ['edge_infer.drift.feature', '1', [...MODEL, 'feature']],
  ['edge_infer.outcomes', '1', [...MODEL, 'outcome']],
  ['edge_infer.outcome.error', '1', MODEL],
  ['edge_infer.rollout.rollbacks', '1', ['model.id', 'model.version', 'rollout.to', 'reason']],
  ['edge_infer.shadow.runs', '1', [...MODEL, 'shadow.version', 'result', 'error.code']],
  ['edge_infer.shadow.duration', 's', [...MODEL, 'shadow.version']],
  ['edge_infer.shadow.max_abs_diff', '1', [...MODEL, 'shadow.version']],
];

/** Everything up to a metric's first data point: histograms or monotonic sums with delta temporality, or a gauge. */
function head(index: number, histogram: boolean): string {
  const [name, unit] = METRICS[index]!;
  const kind = index === DRIFT_SCORE ? 'gauge":{' : (histogram ? 'histogram":{' : 'sum":{"isMonotonic":true,') + '"aggregationTemporality":1,';
  return `{"name":${str(name)},"unit":${str(unit)},"${kind}"dataPoints":[`;
}

/**
 * A series key's attributes as they may be sent: every value redacted (a fallback's reason as a message, the rest
 * as ids: URLs lose userinfo, query and fragment) and cut to 128 characters. A key with a value holding SEP cannot
 * be told apart from its neighbours: it goes to the overflow series.
 */
function keyAttributes(index: number, key: string): string {
  const names = METRICS[index]![2];
  const values = key.split(SEP);
  if (key === OVERFLOW || values.length !== names.length) return OVERFLOW_ATTRIBUTES;
  return attributes(Object.fromEntries(names.map((k, i) => [k, (index === FALLBACKS && k === 'reason' ? redactMessage(values[i]!, 100) : redactId(values[i]!)).slice(0, 128)])));
}

/** Adds series `b` into `a` (same attributes once redacted); false when their histogram bounds differ. */
function join(a: Series, b: Series, gauge: boolean): boolean {
  if (a.bounds !== b.bounds && a.bounds?.join() !== b.bounds?.join()) return false;
  a.records += b.records;
  a.value = gauge ? b.value : a.value + b.value;
  a.sum += b.sum;
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  b.buckets?.forEach((c, i) => (a.buckets![i]! += c));
  return true;
}

/** The items of an interval, and what could not be encoded (series that differ only in what redaction removed, with other bounds). */
export function encode(interval: Interval, machine: readonly unknown[] = []): { metrics: Item[]; logs: Item[]; lost: Drop[] } {
  const times = `"startTimeUnixNano":"${nanos(interval.start)}","timeUnixNano":"${nanos(interval.end)}"`;
  const metrics: Item[] = [];
  let mismatched = 0;
  interval.series.forEach((series, index) => {
    // Raw keys that redact alike, and keys that turn out to belong in the overflow series, make one point.
    const points = new Map<string, [Series, string]>();
    for (const [key, s] of series) {
      const attrs = keyAttributes(index, key);
      const same = points.get(attrs);
      if (!same) points.set(attrs, [s, key]);
      else if (!join(same[0], s, index === DRIFT_SCORE)) mismatched += s.records;
    }
    let h: string | undefined;
    for (const [attrs, [s, key]] of points) {
      const a = attrs ? `{"attributes":${attrs},` : '{';
      let json: string;
      if (s.buckets) {
        const counts = s.buckets.map(Math.round);
        const count = counts.reduce((x, y) => x + y, 0);
        const range = count > 0 && s.min <= s.max ? `,"min":${s.min},"max":${s.max}` : '';
        const sum = index === FEATURE_BINS ? '' : `,"sum":${s.sum}`; // pre-binned counts have no sum
        json = `${a}${times},"count":"${count}"${sum},"bucketCounts":["${counts.join('","')}"],"explicitBounds":[${s.bounds!.join(',')}]${range}}`;
      } else if (index === DRIFT_SCORE) {
        json = `${a}${times},"asDouble":${s.value}}`;
      } else {
        json = `${a}${times},"asInt":"${Math.round(s.value)}"}`;
      }
      const item: Item = { head: (h ??= head(index, s.buckets !== undefined)), json, records: s.records };
      if (index === DROPPED) {
        const [reason, signal] = key.split(SEP);
        item.carried = { reason: reason!, signal: signal as Drop['signal'], count: s.value };
      }
      metrics.push(item);
    }
  });
  const lost: Drop[] = mismatched ? [{ reason: 'bounds-mismatch', signal: 'metrics', count: mismatched }] : [];
  return { metrics, logs: interval.logs.map((r): Item => ({ head: '', json: log(r, machine), records: 1 })), lost };
}

/** The attribute names of a device record's values (setDevice() in telemetry.ts keeps them in this order), then of `machine`'s. */
const DEVICE = ['backend', 'gpu.vendor', 'gpu.architecture', 'device.hardware_concurrency', 'device.memory_gb'];

/** `machine`: what `navigator` tells of the device (hardware concurrency, memory in GB), added to device records. */
function log(r: LogRecord, machine: readonly unknown[]): string {
  let severity = 9;
  let body = 'device';
  let attrs: Record<string, AttributeValue | undefined>;
  if ('error' in r) {
    const { code, message, details } = safe(r.error);
    severity = 17;
    body = message;
    const id = (value: string | undefined) => (value === undefined ? undefined : redactId(value));
    attrs = { 'event.name': 'edge_infer.error', 'error.code': code, 'model.id': id(r.model), 'model.version': id(r.version), 'model.arm': r.arm, ...details };
  } else {
    attrs = { 'event.name': 'edge_infer.device' };
    [...r.device, ...machine].forEach((v, i) => (attrs[DEVICE[i]!] = v as AttributeValue | undefined));
  }
  const t = nanos(r.time);
  const a = attributes(attrs);
  return `{"timeUnixNano":"${t}","observedTimeUnixNano":"${t}","severityNumber":${severity},"severityText":"${severity === 17 ? 'ERROR' : 'INFO'}","body":{"stringValue":${str(body)}}${a ? `,"attributes":${a}` : ''}}`;
}

/** safeError(), which cannot fail an export: an error whose message cannot be turned into text is sent without one. */
function safe(error: unknown): SafeError {
  try {
    return safeError(error);
  } catch {
    return { code: errorCode(error), message: '', details: {} };
  }
}
