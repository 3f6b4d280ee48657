// `edge-infer drift-report`: fleet-level drift from stored OTLP/HTTP JSON requests. Devices export each closed
// monitoring window's bin counts as the histogram `edge_infer.drift.feature` (delta temporality, bounds = the
// profile's bin edges, classes c at bounds c + 0.5); summed across devices they form one large window per feature,
// scored against the profile with the threshold calibrated for that many rows. No Node API here: cli.ts reads files.
import type { Profile, ProfileFeature } from '../monitor/profile-types.js';
import { psi } from '../monitor/stats.js';
import { thresholdsFor } from '../monitor/window.js';

export const FEATURE_METRIC = 'edge_infer.drift.feature';
export const ALERTS_METRIC = 'edge_infer.drift.alerts';
const CUMULATIVE = 2; // OTLP AggregationTemporality: sums of those cannot be added up across requests

export interface DriftReportOptions {
  /** Only data points whose `model.id` is this. */
  readonly model?: string;
}

export interface FeatureDrift {
  readonly name: string;
  readonly kind: 'input' | 'output';
  /** Rows summed over every device's windows. */
  readonly rows: number;
  /** Data points (device windows) summed. */
  readonly points: number;
  /** PSI of the summed counts against the reference; null without rows. */
  readonly psi: number | null;
  /** The profile's threshold for a window of `rows` rows; null without rows. */
  readonly threshold: number | null;
  readonly drift: boolean;
  /** Alerts devices raised for this feature (`edge_infer.drift.alerts`). */
  readonly alerts: number;
}

export interface DriftReport {
  readonly model: string | null;
  /** Lines read; lines that were not JSON; metrics requests among them. */
  readonly lines: number;
  readonly badLines: number;
  readonly requests: number;
  /** Distinct `session.id` resource attributes that sent feature counts or alerts. */
  readonly devices: number;
  /** `model.id` values seen on drift data points (before `--model` filtering). */
  readonly models: readonly string[];
  readonly features: readonly FeatureDrift[];
  /** Alerts devices raised on the profile's features (`edge_infer.drift.alerts`), and devices that raised any. */
  readonly alerts: number;
  readonly devicesAlerting: number;
  /** Data points skipped: bounds unlike the profile's edges; features the profile does not have; cumulative or malformed points. */
  readonly mismatched: number;
  readonly unknownFeatures: number;
  readonly skipped: number;
}

type Json = Record<string, unknown>;
type KeyValue = { key?: unknown; value?: Record<string, unknown> };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Attribute values as plain strings (OTLP AnyValue: string, int, double or bool). */
function attributesOf(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list(value) as KeyValue[]) {
    const v = kv?.value;
    if (typeof kv?.key !== 'string' || !isObject(v)) continue;
    const plain = v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue;
    if (plain !== undefined) out.set(kv.key, String(plain));
  }
  return out;
}

/** The bounds a device sends for a feature: its edges, or c + 0.5 between classes. */
export function boundsOf(feature: ProfileFeature): number[] {
  return feature.edges ? [...feature.edges] : Array.from({ length: (feature.classes ?? 1) - 1 }, (_, c) => c + 0.5);
}

/** Reads stored requests, one per line: the dev receiver's `{ receivedAt, signal, body }` or a bare OTLP JSON body. */
export function driftReport(profile: Profile, lines: Iterable<string>, options: DriftReportOptions = {}): DriftReport {
  const index = new Map(profile.features.map((f, i) => [f.name, i]));
  const bounds = profile.features.map(boundsOf);
  const counts = profile.features.map((f) => new Float64Array(f.reference.length));
  const points = new Array<number>(profile.features.length).fill(0);
  const alertsBy = new Array<number>(profile.features.length).fill(0);
  const devices = new Set<string>();
  const alerting = new Set<string>();
  const models = new Set<string>();
  const tally = { lines: 0, badLines: 0, requests: 0, alerts: 0, mismatched: 0, unknownFeatures: 0, skipped: 0 };

  const histogramPoint = (p: Json, device: string, cumulative: boolean) => {
    const attrs = attributesOf(p.attributes);
    const model = attrs.get('model.id');
    if (model !== undefined) models.add(model);
    if (options.model !== undefined && model !== options.model) return;
    const f = index.get(attrs.get('feature') ?? '');
    if (f === undefined) return void tally.unknownFeatures++;
    const buckets = list(p.bucketCounts).map(Number);
    if (cumulative || !buckets.every((c) => Number.isInteger(c) && c >= 0)) return void tally.skipped++;
    const want = bounds[f] as number[];
    const got = list(p.explicitBounds);
    if (got.length !== want.length || buckets.length !== want.length + 1 || !want.every((b, i) => sameBound(b, got[i]))) return void tally.mismatched++;
    const c = counts[f] as Float64Array;
    buckets.forEach((n, i) => (c[i] = (c[i] as number) + n));
    points[f] = (points[f] as number) + 1;
    devices.add(device);
  };
  const alertPoint = (p: Json, device: string) => {
    const attrs = attributesOf(p.attributes);
    const model = attrs.get('model.id');
    if (model !== undefined) models.add(model);
    if (options.model !== undefined && model !== options.model) return;
    const n = Number(p.asInt ?? p.asDouble ?? 0);
    const f = index.get(attrs.get('feature') ?? '');
    if (f === undefined || !(Number.isFinite(n) && n > 0)) return; // alerts on features the profile lacks are another profile's
    tally.alerts += n;
    alertsBy[f] = (alertsBy[f] as number) + n;
    devices.add(device);
    alerting.add(device);
  };

  for (const line of lines) {
    if (line.trim() === '') continue;
    tally.lines++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      tally.badLines++;
      continue;
    }
    const body = isObject(parsed) && 'body' in parsed ? parsed.body : parsed;
    if (!isObject(body) || !Array.isArray(body.resourceMetrics)) continue; // logs, or not OTLP
    tally.requests++;
    for (const rs of body.resourceMetrics as Json[]) {
      const device = attributesOf(isObject(rs?.resource) ? rs.resource.attributes : undefined).get('session.id') ?? '';
      for (const sm of list(rs?.scopeMetrics) as Json[]) {
        for (const m of list(sm?.metrics) as Json[]) {
          if (m?.name === FEATURE_METRIC && isObject(m.histogram)) {
            const cumulative = m.histogram.aggregationTemporality === CUMULATIVE;
            for (const p of list(m.histogram.dataPoints)) if (isObject(p)) histogramPoint(p, device, cumulative);
          } else if (m?.name === ALERTS_METRIC && isObject(m.sum) && m.sum.aggregationTemporality !== CUMULATIVE) {
            for (const p of list(m.sum.dataPoints)) if (isObject(p)) alertPoint(p, device);
          }
        }
      }
    }
  }

  const thresholds = new Map<number, number[]>(); // by rows: features with the same rows share one lookup
  const features = profile.features.map((f, i): FeatureDrift => {
    const c = counts[i] as Float64Array;
    const rows = c.reduce((a, b) => a + b, 0);
    const base = { name: f.name, kind: f.kind, rows, points: points[i] as number, alerts: alertsBy[i] as number };
    if (rows === 0) return { ...base, psi: null, threshold: null, drift: false };
    let t = thresholds.get(rows);
    if (!t) thresholds.set(rows, (t = thresholdsFor(profile, rows)));
    const score = psi(c, f.reference);
    return { ...base, psi: score, threshold: t[i] as number, drift: score > (t[i] as number) };
  });
  return {
    model: options.model ?? null, ...tally, devices: devices.size, models: [...models].sort(), features,
    devicesAlerting: alerting.size,
  };
}

/** Bounds as sent are the profile's doubles printed by JSON; allow only a last-digit difference from a re-encoder. */
function sameBound(want: number, got: unknown): boolean {
  const g = typeof got === 'string' ? Number(got) : got;
  if (typeof g !== 'number') return false;
  return g === want || Math.abs(g - want) <= 1e-12 * Math.max(Math.abs(want), Math.abs(g));
}
