import { afterEach, describe, expect, test, vi } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import { total } from '../../../scripts/otlp-summary.js';
import { decoded, model } from './helpers.js';
import { setup } from './setup.js';
import { codeOf as code } from '../code-of.js';

afterEach(() => void vi.useRealTimers());


describe('off unless an endpoint or exporter is set', () => {
  test.each([[undefined], [{}], [{ serviceName: 'app' }]])('%j: no listeners, no timers, calls are no-ops', (options) => {
    vi.useFakeTimers();
    const window = new EventTarget();
    const add = vi.spyOn(window, 'addEventListener');
    const telemetry = createTelemetry(options, { window, document: Object.assign(new EventTarget(), { visibilityState: 'visible' }) });
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.sessionId).toBe('');
    telemetry.recordInference(model, 1);
    telemetry.recordError(new Error('x'));
    expect(add).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(telemetry.stats()).toEqual({ series: 0, logs: 0, queued: 0, down: false, unreported: [] });
  });
});

describe('recording', () => {
  test('exports on the interval, and nothing when nothing was recorded', async () => {
    const { telemetry, sent, advance } = setup({ intervalMs: 5000 });
    await advance(20_000);
    expect(sent).toHaveLength(0);
    for (let i = 0; i < 42; i++) telemetry.recordInference(model, 2);
    await advance(4999);
    expect(sent).toHaveLength(0);
    await advance(1);
    expect(total(decoded(sent), 'edge_infer.inference.duration', { 'model.id': 'digits', backend: 'wasm', status: 'ok' })).toBe(42);
  });

  test('a batch that reaches maxBatchBytes leaves at once', async () => {
    const { telemetry, sent, advance } = setup({ intervalMs: 3_600_000, maxBatchBytes: 4096, maxSeries: 10_000 });
    for (let i = 0; i < 40; i++) telemetry.recordInference({ ...model, id: `model-${i}` }, 1);
    await advance(0);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((s) => s.body.length <= 4096)).toBe(true);
    expect(total(decoded(sent), 'edge_infer.inference.duration')).toBe(40);
  });

  test('loads, weight and output cache, downloads, fallbacks, errors and the device', async () => {
    const { telemetry, sent } = setup({ serviceVersion: '1.4.0', resourceAttributes: { 'deployment.environment.name': 'test' } });
    telemetry.recordLoad({ ...model, source: 'network', bytes: 1000 }, 1200);
    telemetry.recordLoad({ ...model, source: 'cache', bytes: 1000 }, 80);
    telemetry.recordLoad({ ...model, source: 'bytes' }, 50);
    telemetry.recordCache(model, true);
    telemetry.recordCache(model, true);
    telemetry.recordCache(model, false);
    telemetry.recordFallback(model, 'webgpu', 'no adapter');
    const error = new EdgeInferError('model-fetch-failed', 'GET https://cdn.example.com/m.onnx?token=secret failed', { status: 503, url: 'https://x/y?key=1', nested: { a: 1 } });
    telemetry.recordError(error, model);
    telemetry.recordError('plain text');
    telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
    telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
    await telemetry.flush();
    const s = decoded(sent);
    expect(total(s, 'edge_infer.model.load.duration')).toBe(3);
    expect(total(s, 'edge_infer.model.load.duration', { source: 'network' })).toBe(1);
    expect(total(s, 'edge_infer.cache.requests', { cache: 'weights', result: 'hit' })).toBe(1);
    expect(total(s, 'edge_infer.cache.requests', { cache: 'weights', result: 'miss' })).toBe(1);
    expect(total(s, 'edge_infer.cache.requests', { cache: 'output', result: 'hit' })).toBe(2);
    expect(total(s, 'edge_infer.cache.requests', { cache: 'output', result: 'miss' })).toBe(1);
    expect(total(s, 'edge_infer.download.size')).toBe(1000);
    expect(total(s, 'edge_infer.backend.fallbacks', { 'backend.from': 'webgpu', 'backend.to': 'wasm', reason: 'no adapter' })).toBe(1);
    expect(total(s, 'edge_infer.errors', { 'error.code': 'model-fetch-failed', 'model.id': 'digits' })).toBe(1);
    expect(total(s, 'edge_infer.errors', { 'error.code': 'unknown' })).toBe(1);
    const [fetchFailed, plain, device] = s.logs;
    expect(fetchFailed!.body).toBe('GET https://cdn.example.com/m.onnx failed');
    expect(fetchFailed!.attributes).toMatchObject({ 'error.code': 'model-fetch-failed', 'error.details.status': 503, 'error.details.url': 'https://x/y' });
    expect(fetchFailed!.attributes).not.toHaveProperty('error.details.nested');
    expect(plain!.body).toBe('plain text');
    expect(device!.attributes).toMatchObject({ 'event.name': 'edge_infer.device', backend: 'webgpu', 'gpu.vendor': 'google', 'device.hardware_concurrency': 8, 'device.memory_gb': 4 });
    expect(s.logs).toHaveLength(3); // the same device once
    expect(fetchFailed!.resource).toMatchObject({
      'service.name': 'unit', 'service.version': '1.4.0', 'deployment.environment.name': 'test', 'session.id': 'session-1',
      'telemetry.sdk.name': 'edge-infer', 'telemetry.sdk.language': 'webjs', 'telemetry.sdk.version': '0.1.0',
    });
  });

  test('errors are read when exported; one whose message cannot be made text is sent without it, and the rest still leaves', async () => {
    const { telemetry, sent } = setup();
    const error = new EdgeInferError('inference-failed', 'run 1 failed', { status: 500 });
    telemetry.recordError(error, model);
    telemetry.recordError({ code: 'worker-crashed', message: Object.create(null) }, model);
    telemetry.recordInference(model, 1);
    await telemetry.flush();
    const s = decoded(sent);
    expect(s.logs.map((l) => [l.attributes['error.code'], l.body])).toEqual([['inference-failed', 'run # failed'], ['worker-crashed', '']]);
    expect(s.logs[0]!.attributes).toMatchObject({ 'error.details.status': 500, 'model.id': 'digits', 'model.version': '1.0.0' });
    expect(total(s, 'edge_infer.errors')).toBe(2);
    expect(total(s, 'edge_infer.inference.duration')).toBe(1);
  });

  test('the device is logged again only when one of its values changes', async () => {
    const { telemetry, sent } = setup();
    telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google' });
    telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google' });
    telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
    telemetry.setDevice({ backend: 'wasm', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
    telemetry.setDevice({ backend: 'wasm', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
    await telemetry.flush();
    expect(decoded(sent).logs.map((l) => [l.attributes.backend, l.attributes['gpu.architecture']])).toEqual([
      ['webgpu', undefined],
      ['webgpu', 'swiftshader'],
      ['wasm', 'swiftshader'],
    ]);
  });

  test('a random session id per telemetry, never reused', () => {
    const a = createTelemetry({ exporter: () => undefined }, { store: null });
    const b = createTelemetry({ exporter: () => undefined }, { store: null });
    expect(a.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.sessionId).not.toBe(b.sessionId);
    void a.dispose();
    void b.dispose();
  });

  test('sampling keeps a fraction of inferences and scales their counts', async () => {
    let i = 0;
    const { telemetry, sent } = setup({ sampleRate: 0.25 }, undefined, { random: () => [0.1, 0.3, 0.6, 0.9][i++ % 4]! });
    for (let n = 0; n < 400; n++) telemetry.recordInference(model, 1);
    await telemetry.flush();
    expect(total(decoded(sent), 'edge_infer.inference.duration')).toBe(400);
  });

  test('a burst of 100,000 records keeps memory bounded and counts drops exactly', async () => {
    const { telemetry, sent } = setup({ maxSeries: 50, maxLogs: 20 });
    for (let i = 0; i < 100_000; i++) {
      telemetry.recordInference({ ...model, id: `model-${i}` }, i % 7);
      telemetry.recordError(new EdgeInferError('inference-failed', `run ${i} failed`));
    }
    expect(telemetry.stats()).toMatchObject({ series: 50 + 1 + 1 + 1, logs: 20 }); // + overflow, errors, dropped
    await telemetry.flush();
    const s = decoded(sent);
    expect(total(s, 'edge_infer.inference.duration')).toBe(100_000);
    expect(total(s, 'edge_infer.errors')).toBe(100_000);
    expect(s.logs.length + total(s, 'edge_infer.telemetry.dropped', { reason: 'log-limit', signal: 'logs' })).toBe(100_000);
  });

  test('dispose sends what is left, removes its listeners and ignores later records', async () => {
    const { telemetry, sent, window } = setup();
    const remove = vi.spyOn(window, 'removeEventListener');
    telemetry.recordInference(model, 1);
    await telemetry.dispose();
    expect(remove).toHaveBeenCalledWith('pagehide', expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
    telemetry.recordInference(model, 1);
    await telemetry.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.keepalive).toBe(true);
  });
});

describe('privacy', () => {
  test('ids, versions, reasons, messages and details leave without URL secrets or input values', async () => {
    const { telemetry, sent } = setup();
    const raw = { id: 'https://user:pw@cdn.example.com/m.onnx?token=SECRET#frag', version: 'v1?sig=SECRET', backend: 'wasm' as const };
    const relative = { id: 'm.onnx?sig=SECRET', backend: 'wasm' as const };
    telemetry.recordInference(raw, 1);
    telemetry.recordInference(relative, 1);
    telemetry.recordLoad({ ...raw, source: 'network', bytes: 10 }, 5);
    telemetry.recordCache(raw, true);
    telemetry.recordFallback(raw, 'webgpu', 'failed at https://x.example/y?SECRET');
    const ort = `model "${raw.id}" failed to run: indices element out of data bounds, idx=8123 must be within the inclusive range [-1000,999]`;
    telemetry.recordError(new EdgeInferError('inference-failed', ort, { model: raw.id, input: 'ids', values: 8123, note: 'SECRET' }), raw);
    await telemetry.flush();
    const all = sent.map((s) => s.body).join('\n');
    expect(all).not.toMatch(/SECRET|pw@|user:|frag|8123/);
    const s = decoded(sent);
    expect(total(s, 'edge_infer.inference.duration', { 'model.id': 'https://cdn.example.com/m.onnx', 'model.version': 'v1' })).toBe(1);
    expect(total(s, 'edge_infer.inference.duration', { 'model.id': 'm.onnx' })).toBe(1);
    expect(total(s, 'edge_infer.errors', { 'error.code': 'inference-failed', 'model.id': 'https://cdn.example.com/m.onnx' })).toBe(1);
    expect(s.logs[0]!.attributes).toMatchObject({ 'model.id': 'https://cdn.example.com/m.onnx', 'error.details.input': 'ids' });
    expect(Object.keys(s.logs[0]!.attributes)).not.toContain('error.details.values');
  });
});

describe('held raw, redacted when exported', () => {
  test('ids that differ only in what redaction removes make one series; so do reasons that differ in digits', async () => {
    const { telemetry, sent } = setup();
    for (const sig of ['a', 'b', 'c']) {
      const signed = { id: `https://cdn.example.com/m.onnx?sig=${sig}`, version: `v1#${sig}`, backend: 'wasm' as const };
      telemetry.recordInference(signed, 1);
      telemetry.recordFallback(signed, 'webgpu', `probe ${sig === 'a' ? 1 : 22} failed`);
    }
    telemetry.recordError(new EdgeInferError('inference-failed', 'x'), { id: 'm.onnx?token=SECRET' });
    await telemetry.flush();
    const s = decoded(sent);
    expect(s.metrics['edge_infer.inference.duration']).toHaveLength(1);
    expect(total(s, 'edge_infer.inference.duration', { 'model.id': 'https://cdn.example.com/m.onnx', 'model.version': 'v1' })).toBe(3);
    expect(s.metrics['edge_infer.backend.fallbacks']).toHaveLength(1);
    expect(total(s, 'edge_infer.backend.fallbacks', { reason: 'probe # failed' })).toBe(3);
    expect(total(s, 'edge_infer.errors', { 'model.id': 'm.onnx' })).toBe(1);
    expect(s.logs[0]!.attributes['model.id']).toBe('m.onnx');
    expect(sent.map((r) => r.body).join()).not.toMatch(/sig=|SECRET|#[abc]/);
  });

  test('a very long id is cut where no URL userinfo can be split', async () => {
    const { telemetry, sent } = setup();
    const secret = 'S'.repeat(3000);
    telemetry.recordInference({ id: `https://user:${secret}@cdn.example.com/m.onnx`, backend: 'wasm' }, 1);
    telemetry.recordInference({ id: `https://cdn.example.com/${'d/'.repeat(1000)}m.onnx?sig=SECRET`, backend: 'wasm' }, 1);
    telemetry.recordError('x', { id: `data:application/octet-stream;base64,${'QUJD/'.repeat(1000)}` });
    await telemetry.flush();
    const all = sent.map((r) => r.body).join();
    expect(all).not.toMatch(/user|SSS|SECRET|QUJD/);
    expect(total(decoded(sent), 'edge_infer.inference.duration')).toBe(2);
  });

  test('log records that near maxBatchBytes leave at once', async () => {
    const { telemetry, sent, advance } = setup({ intervalMs: 3_600_000, maxBatchBytes: 4096 });
    telemetry.recordInference(model, 1); // the pipeline is made at the first record
    await advance(0);
    for (let i = 0; i < 10; i++) telemetry.recordError(new EdgeInferError('inference-failed', 'x'.repeat(400)));
    await advance(0);
    expect(sent.some((r) => r.signal === 'logs')).toBe(true);
  });
});

describe('validation', () => {
  const { telemetry } = setup();
  test.each([
    ['no model', () => telemetry.recordInference(undefined as never, 1)],
    ['a model without id', () => telemetry.recordInference({ backend: 'wasm' } as never, 1)],
    ['an unknown backend', () => telemetry.recordInference({ id: 'a', backend: 'webgl' } as never, 1)],
    ['a negative duration', () => telemetry.recordInference(model, -1)],
    ['a NaN duration', () => telemetry.recordInference(model, Number.NaN)],
    ['an unknown status', () => telemetry.recordInference(model, 1, 'fine' as never)],
    ['an unknown source', () => telemetry.recordLoad({ ...model, source: 'disk' as never }, 1)],
    ['fractional bytes', () => telemetry.recordLoad({ ...model, source: 'network' }, 1, 1.5)],
    ['a non-boolean hit', () => telemetry.recordCache(model, 'yes' as never)],
    ['an unknown cache', () => telemetry.recordCache(model, true, 'disk' as never)],
    ['an unknown fallback backend', () => telemetry.recordFallback(model, 'cpu' as never, 'x')],
    ['a device without backend', () => telemetry.setDevice({} as never)],
  ])('%s → telemetry-invalid', (_, fn) => {
    expect(code(fn)).toBe('telemetry-invalid');
  });
});
