// What a recorder collected, as OTLP/HTTP JSON items: one per data point (with the head of its metric) and one per
// log record. Loaded with the rest of the export half (pipeline.ts), not with the page.
import type { Item } from './batch.js';
import { attributes, nanos, str, type AttributeValue } from './json.js';
import { BOUNDS, DRIFT_SCORE, DROPPED, KEYS, OVERFLOW, SEP, type Interval, type LogRecord } from './recorder.js';
import type { Drop } from './drops.js';
import { errorCode, redactId } from './redact.js';
import { safeError, type SafeError } from './safe-error.js';

const OVERFLOW_ATTRIBUTES = '[{"key":"otel.metric.overflow","value":{"boolValue":true}}]';

/** Name and unit per metric, in the recorder's order. */
const METRICS = [
  ['edge_infer.inference.duration', 's'],
  ['edge_infer.model.load.duration', 's'],
  ['edge_infer.cache.requests', '1'],
  ['edge_infer.download.size', 'By'],
  ['edge_infer.errors', '1'],
  ['edge_infer.backend.fallbacks', '1'],
  ['edge_infer.telemetry.dropped', '1'],
  ['edge_infer.drift.score', '1'],
  ['edge_infer.drift.alerts', '1'],
  ['edge_infer.drift.feature', '1'],
  ['edge_infer.outcomes', '1'],
  ['edge_infer.outcome.error', '1'],
  ['edge_infer.rollout.rollbacks', '1'],
  ['edge_infer.shadow.runs', '1'],
  ['edge_infer.shadow.duration', 's'],
  ['edge_infer.shadow.max_abs_diff', '1'],
] as const;

/** Everything up to a metric's first data point: histograms or monotonic sums with delta temporality, or a gauge. */
function head(index: number, histogram: boolean): string {
  const [name, unit] = METRICS[index]!;
  const kind = index === DRIFT_SCORE ? 'gauge":{' : (histogram ? 'histogram":{' : 'sum":{"isMonotonic":true,') + '"aggregationTemporality":1,';
  return `{"name":${str(name)},"unit":${str(unit)},"${kind}"dataPoints":[`;
}

export function encode(interval: Interval): { metrics: Item[]; logs: Item[] } {
  const times = `"startTimeUnixNano":"${nanos(interval.start)}","timeUnixNano":"${nanos(interval.end)}"`;
  const metrics: Item[] = [];
  interval.series.forEach((series, index) => {
    let h: string | undefined;
    for (const [key, s] of series) {
      const values = key.split(SEP);
      const attrs = key === OVERFLOW ? OVERFLOW_ATTRIBUTES : attributes(Object.fromEntries(KEYS[index]!.map((k, i) => [k, values[i]!.slice(0, 128)])));
      const a = attrs ? `{"attributes":${attrs},` : '{';
      let json: string;
      if (s.buckets) {
        const counts = s.buckets.map(Math.round);
        const count = counts.reduce((x, y) => x + y, 0);
        const range = count > 0 && s.min <= s.max ? `,"min":${s.min},"max":${s.max}` : '';
        const sum = s.bounds ? '' : `,"sum":${s.sum}`; // pre-binned counts have no sum
        json = `${a}${times},"count":"${count}"${sum},"bucketCounts":["${counts.join('","')}"],"explicitBounds":[${(s.bounds ?? BOUNDS[index]!).join(',')}]${range}}`;
      } else if (index === DRIFT_SCORE) {
        json = `${a}${times},"asDouble":${s.value}}`;
      } else {
        json = `${a}${times},"asInt":"${Math.round(s.value)}"}`;
      }
      const item: Item = { head: (h ??= head(index, s.buckets !== undefined)), json, records: s.records };
      if (index === DROPPED) item.carried = { reason: values[0]!, signal: values[1] as Drop['signal'], count: s.value };
      metrics.push(item);
    }
  });
  return { metrics, logs: interval.logs.map((r): Item => ({ head: '', json: log(r), records: 1 })) };
}

function log(r: LogRecord): string {
  let severity = 9;
  let body = 'device';
  let attrs: Record<string, AttributeValue | undefined>;
  if ('error' in r) {
    const { code, message, details } = safe(r.error);
    severity = 17;
    body = message;
    const version = r.version === undefined ? undefined : redactId(r.version);
    attrs = { 'event.name': 'edge_infer.error', 'error.code': code, 'model.id': r.model, 'model.version': version, 'model.arm': r.arm, ...details };
  } else {
    attrs = r.device;
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
