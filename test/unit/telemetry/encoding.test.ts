import { describe, expect, test } from 'vitest';
import { pack, render, type Item } from '../../../src/telemetry/batch.js';
import { attributes, nanos, str } from '../../../src/telemetry/json.js';
import { encode } from '../../../src/telemetry/encode.js';
import { mergeBins } from '../../../src/telemetry/monitor-metrics.js';
import { createRecorder, ERRORS, INFERENCE, INFERENCE_BOUNDS, OVERFLOW, SEP } from '../../../src/telemetry/recorder.js';
import { SDK_VERSION } from '../../../src/telemetry/version.js';
import { total } from '../../../scripts/otlp-summary.js';
import pkg from '../../../package.json' with { type: 'json' };
import { otlpProblems } from '../../server/otlp-decode.js';
import { decoded, type Sent } from './helpers.js';

const T0 = 1_760_000_000_000;
const RESOURCE = `{"attributes":${attributes({ 'service.name': 'test', 'session.id': 'abc' })}}`;
const limits = { maxSeries: 100, maxLogs: 100, maxBatchBytes: 61_440 };

function bodies(items: { metrics: Item[]; logs: Item[] }, max = 61_440): Sent[] {
  const out: Sent[] = [];
  for (const [signal, list] of [['metrics', items.metrics], ['logs', items.logs]] as const) {
    const { batches, oversize } = pack(signal, RESOURCE, list, max);
    expect(oversize).toEqual([]);
    for (const b of batches) out.push({ signal, body: render(b), keepalive: false, abortSignal: new AbortController().signal, at: 0, ok: true });
  }
  return out;
}

test('json pieces: ASCII escapes, typed attribute values, nanosecond strings', () => {
  expect(str('é"\n')).toBe('"\\u00e9\\"\\n"');
  expect(attributes({ a: 'x', b: true, c: 3, d: 0.5, e: undefined, f: '' })).toBe(
    '[{"key":"a","value":{"stringValue":"x"}},{"key":"b","value":{"boolValue":true}},{"key":"c","value":{"intValue":"3"}},{"key":"d","value":{"doubleValue":0.5}}]',
  );
  expect(attributes({})).toBe('');
  expect(nanos(T0 + 0.0015)).toBe('1760000000000002000');
  expect(nanos(0)).toBe('0');
});

test('the SDK version sent is the package version', () => {
  expect(SDK_VERSION).toBe(pkg.version);
});

describe('recorder → OTLP', () => {
  test('N inferences show as N in the histograms, by model, version, backend and status', () => {
    const r = createRecorder(limits, T0, () => undefined);
    for (let i = 0; i < 1000; i++) r.observe(INFERENCE, `digits${SEP}1.0.0${SEP}${SEP}wasm${SEP}ok`, (i % 20) / 1000, 1, INFERENCE_BOUNDS);
    for (let i = 0; i < 7; i++) r.observe(INFERENCE, `digits${SEP}1.0.0${SEP}${SEP}webgpu${SEP}error`, 0.003, 1, INFERENCE_BOUNDS);
    const summary = decoded(bodies(encode(r.collect(T0 + 10_000))));
    const name = 'edge_infer.inference.duration';
    expect(total(summary, name, { backend: 'wasm', status: 'ok', 'model.id': 'digits', 'model.version': '1.0.0' })).toBe(1000);
    expect(total(summary, name, { backend: 'webgpu', status: 'error' })).toBe(7);
    const wasm = summary.metrics[name]!.find((s) => s.attributes.backend === 'wasm')!;
    expect(wasm.sum).toBeCloseTo(9.5, 6); // 50 × (0 + 1 + … + 19) ms
    expect(wasm.buckets![0]).toBe(50); // 0 ms
    expect(wasm.buckets![1]).toBe(50); // (0.5, 1] ms
    expect(wasm.buckets!.reduce((a, b) => a + b)).toBe(1000);
  });

  test('delta: a collect starts a new interval and its points start where the last ended', () => {
    const r = createRecorder(limits, T0, () => undefined);
    r.observe(INFERENCE, `m${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
    const first = JSON.parse(bodies(encode(r.collect(T0 + 1000)))[0]!.body);
    expect(r.empty).toBe(true);
    r.observe(INFERENCE, `m${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
    const second = JSON.parse(bodies(encode(r.collect(T0 + 2000)))[0]!.body);
    const point = (p: typeof first) => p.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0];
    expect(point(first).startTimeUnixNano).toBe(nanos(T0));
    expect(point(second).startTimeUnixNano).toBe(point(first).timeUnixNano);
    expect(point(second).count).toBe('1');
    expect(point(second).attributes.map((a: { key: string }) => a.key)).toEqual(['model.id', 'backend', 'status']); // empty version left out
  });

  test('series beyond maxSeries merge into one otel.metric.overflow series; counts stay exact', () => {
    const r = createRecorder({ ...limits, maxSeries: 5 }, T0, () => undefined);
    for (let i = 0; i < 1000; i++) r.observe(INFERENCE, `model-${i}${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
    expect(r.held.series).toBe(6);
    const summary = decoded(bodies(encode(r.collect(T0 + 1))));
    const series = summary.metrics['edge_infer.inference.duration']!;
    expect(series).toHaveLength(6);
    expect(series.find((s) => s.attributes['otel.metric.overflow'] === true)?.count).toBe(995);
    expect(total(summary, 'edge_infer.inference.duration')).toBe(1000);
  });

  test('log records beyond maxLogs are counted as dropped, exactly', () => {
    const r = createRecorder({ ...limits, maxLogs: 3 }, T0, () => undefined);
    for (let i = 0; i < 10; i++) r.log({ time: T0, error: new Error('x'), model: undefined, version: undefined });
    const summary = decoded(bodies(encode(r.collect(T0 + 1))));
    expect(summary.logs).toHaveLength(3);
    expect(total(summary, 'edge_infer.telemetry.dropped', { reason: 'log-limit', signal: 'logs' })).toBe(7);
  });

  test('sampled measurements count 1/rate times', () => {
    const r = createRecorder(limits, T0, () => undefined);
    for (let i = 0; i < 3; i++) r.observe(INFERENCE, `m${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.002, 1 / 0.25, INFERENCE_BOUNDS);
    const summary = decoded(bodies(encode(r.collect(T0 + 1))));
    expect(total(summary, 'edge_infer.inference.duration')).toBe(12);
    expect(summary.metrics['edge_infer.inference.duration']![0]!.sum).toBeCloseTo(0.024, 9);
  });

  test('onGrow hears of each new series (its key, whether a histogram) and log record, not of each measurement', () => {
    const grown: unknown[] = [];
    const r = createRecorder({ ...limits, maxSeries: 2 }, T0, (item, histogram) => void grown.push([item, histogram]));
    for (let i = 0; i < 3; i++) r.observe(INFERENCE, `model-${i % 2}${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
    r.observe(INFERENCE, `model-2${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS); // the overflow series
    r.add(ERRORS, `unknown${SEP}`, 1);
    const record = { time: T0, error: new Error('x'), model: undefined, version: undefined };
    r.log(record);
    expect(grown).toEqual([[`model-0${SEP}${SEP}${SEP}wasm${SEP}ok`, true], [`model-1${SEP}${SEP}${SEP}wasm${SEP}ok`, true], [OVERFLOW, true], [`unknown${SEP}`, false], [record, undefined]]);
  });
});

describe('packing', () => {
  test('many series split into bodies of at most maxBatchBytes, each decodable, nothing lost', () => {
    const r = createRecorder({ ...limits, maxSeries: 10_000 }, T0, () => undefined);
    for (let i = 0; i < 500; i++) r.observe(INFERENCE, `modèle-${i}${SEP}v${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
    const sent = bodies(encode(r.collect(T0 + 1)), 8192);
    expect(sent.length).toBeGreaterThan(10);
    for (const s of sent) expect(s.body.length).toBeLessThanOrEqual(8192);
    expect(Math.max(...sent.map((s) => s.body.length))).toBeGreaterThan(7500); // packed tight
    const summary = decoded(sent);
    expect(total(summary, 'edge_infer.inference.duration')).toBe(500);
    expect(summary.metrics['edge_infer.inference.duration']!.some((s) => s.attributes['model.id'] === 'modèle-7')).toBe(true);
  });

  test('an item too big for any body is returned, not sent', () => {
    const item: Item = { head: '', json: `{"body":{"stringValue":"${'x'.repeat(3000)}"}}`, records: 1 };
    const { batches, oversize } = pack('logs', RESOURCE, [item], 2048);
    expect(batches).toEqual([]);
    expect(oversize).toEqual([item]);
  });
});

test('the OTLP check rejects what a collector would not map', () => {
  const good = '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"a","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[{"asInt":"1"}]}}]}]}]}';
  expect(otlpProblems('metrics', good)).toEqual([]);
  expect(otlpProblems('metrics', good.replace('"asInt":"1"', '"asInt":1'))).not.toEqual([]); // int64 must be a string
  expect(otlpProblems('metrics', good.replace('"name"', '"nmae"'))).not.toEqual([]); // unknown field
  expect(otlpProblems('metrics', good.replace('"aggregationTemporality":1', '"aggregationTemporality":2'))).not.toEqual([]); // cumulative
  expect(otlpProblems('logs', good)).not.toEqual([]); // wrong signal
  expect(otlpProblems('metrics', good.slice(1))).not.toEqual([]);
});

test('attribute values are cut to 128 characters, and a value holding the key separator counts as overflow', () => {
  const r = createRecorder(limits, T0, () => undefined);
  r.observe(INFERENCE, `${'m'.repeat(500)}${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
  r.observe(INFERENCE, `a${SEP}b${SEP}${SEP}${SEP}wasm${SEP}ok`, 0.001, 1, INFERENCE_BOUNDS);
  const series = decoded(bodies(encode(r.collect(T0 + 1)))).metrics['edge_infer.inference.duration']!;
  expect(series.map((s) => String(s.attributes['model.id'] ?? '').length)).toEqual([128, 0]);
  expect(series[1]!.attributes['otel.metric.overflow']).toBe(true);
});

test('feature bins of raw keys that redact alike add up; under other bounds they are counted as lost', () => {
  const r = createRecorder(limits, T0);
  const key = (id: string) => `${id}${SEP}1.0.0${SEP}${SEP}pixels.mean`;
  mergeBins(r, key('m.onnx?sig=a'), [0.1, 0.2], [1, 2, 3]);
  mergeBins(r, key('m.onnx?sig=b'), [0.1, 0.2], [4, 5, 6]);
  mergeBins(r, key('m.onnx?sig=c'), [0.5], [7, 8]);
  const { metrics, lost } = encode(r.collect(T0 + 1));
  const series = decoded(bodies({ metrics, logs: [] })).metrics['edge_infer.drift.feature']!;
  expect(series).toHaveLength(1);
  expect(series[0]).toMatchObject({ attributes: { 'model.id': 'm.onnx' }, buckets: [5, 7, 9], bounds: [0.1, 0.2] });
  expect(lost).toEqual([{ reason: 'bounds-mismatch', signal: 'metrics', count: 1 }]);
});
