// Checks a request body against the official OTLP definitions (the protobufjs types published in
// @opentelemetry/otlp-transformer): fromObject → toObject must give back exactly what was sent, so an unknown or
// mistyped field fails. Also checks what the types cannot: histogram shapes, delta temporality, 64-bit ints as strings.
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

interface MessageType {
  fromObject(value: unknown): unknown;
  toObject(message: unknown, options: { longs: StringConstructor }): unknown;
}

const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const collector = root.opentelemetry.proto.collector;
const TYPES: Record<'metrics' | 'logs', MessageType> = {
  metrics: collector.metrics.v1.ExportMetricsServiceRequest,
  logs: collector.logs.v1.ExportLogsServiceRequest,
};

/** Problems found in one body; empty when it is a valid OTLP/HTTP JSON request of the signal. */
export function otlpProblems(signal: 'metrics' | 'logs', body: string): string[] {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  const type = TYPES[signal];
  let back: unknown;
  try {
    back = type.toObject(type.fromObject(payload), { longs: String });
  } catch (e) {
    return [`does not map to ${signal} types: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  if (!isDeepStrictEqual(back, payload)) problems.push(`round trip differs: sent ${body.slice(0, 300)} got ${JSON.stringify(back).slice(0, 300)}`);
  if (signal === 'metrics') problems.push(...metricProblems(payload as MetricsRequest));
  return problems;
}

interface MetricsRequest {
  resourceMetrics?: { scopeMetrics?: { metrics?: Metric[] }[] }[];
}
interface Metric {
  name: string;
  histogram?: { aggregationTemporality: number; dataPoints: { count: string; bucketCounts: string[]; explicitBounds: number[] }[] };
  sum?: { aggregationTemporality: number; isMonotonic: boolean };
}

function metricProblems(payload: MetricsRequest): string[] {
  const problems: string[] = [];
  for (const rm of payload.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const temporality = m.histogram?.aggregationTemporality ?? m.sum?.aggregationTemporality;
        if (temporality !== 1) problems.push(`${m.name}: temporality ${temporality}, expected 1 (delta)`);
        for (const p of m.histogram?.dataPoints ?? []) {
          if (p.bucketCounts.length !== p.explicitBounds.length + 1) problems.push(`${m.name}: ${p.bucketCounts.length} buckets for ${p.explicitBounds.length} bounds`);
          const total = p.bucketCounts.reduce((n, c) => n + Number(c), 0);
          if (String(total) !== p.count) problems.push(`${m.name}: bucket counts add up to ${total}, count is ${p.count}`);
        }
      }
    }
  }
  return problems;
}
