// The runtime reports what happens to its models: loads, inferences, cache lookups, errors and fallbacks.
import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { total, type OtlpSummary } from '../../scripts/otlp-summary.js';
import type { ChaosMode } from '../server/otlp-chaos.js';
import { expectCode, MODELS, seeded } from './helpers.js';

test('a runtime with an endpoint sends what its models did, and never the inputs or outputs', async () => {
  const key = `runtime-${Date.now().toString(36)}`;
  const endpoint = new URL(`/__otlp-test/${key}`, location.href).href;
  const runtime = createRuntime({
    manifest: '/models/manifest.json',
    storage: { dbName: `telemetry-${key}` },
    telemetry: { endpoint, serviceName: 'runtime-test', intervalMs: 3_600_000, outbox: false },
  });
  const digits = await runtime.load('digits', { backend: 'wasm' });
  const inputs = Array.from({ length: 30 }, (_, i) => seeded(784, 1000 + i).map(Math.abs));
  for (const pixels of inputs) await digits.run({ pixels });
  for (const pixels of inputs.slice(0, 10)) expect((await digits.run({ pixels })).fromCache).toBe(true);
  await expectCode(digits.run({ pixels: new Float32Array(783) }), 'input-shape');
  await expectCode(runtime.load('not-a-model'), 'model-unknown');
  await runtime.load('forecast'); // auto: the software adapter and the missing WebNN are passed over, with short reasons
  await runtime.dispose(); // sends what was recorded

  const { delivered, requests } = (await (await fetch(`/__otlp-test/${key}/log`)).json()) as {
    delivered: OtlpSummary;
    requests: { problems: string[] }[];
  };
  for (const r of requests) expect(r.problems).toEqual([]);
  const model = { 'model.id': 'digits', 'model.version': digits.version!, backend: 'wasm' };
  expect(total(delivered, 'edge_infer.inference.duration', { ...model, status: 'ok' })).toBe(30);
  expect(total(delivered, 'edge_infer.inference.duration', { ...model, status: 'error' })).toBe(1);
  expect(total(delivered, 'edge_infer.model.load.duration', { 'model.id': 'digits' })).toBe(1);
  // Loaded by id from a manifest without a rollout: the stable arm, on every model series.
  expect(digits.assignment?.arm).toBe('stable');
  expect(total(delivered, 'edge_infer.inference.duration', { ...model, 'model.arm': 'stable' })).toBe(31);
  expect(total(delivered, 'edge_infer.model.load.duration', { 'model.id': 'digits', 'model.arm': 'stable' })).toBe(1);
  expect(total(delivered, 'edge_infer.errors', { 'error.code': 'input-shape' })).toBe(1);
  expect(total(delivered, 'edge_infer.errors', { 'error.code': 'model-unknown' })).toBe(1);
  const cache = delivered.metrics['edge_infer.cache.requests'] ?? [];
  const outputCache = (result: string) =>
    cache.filter((s) => s.attributes.cache === 'output' && s.attributes.result === result).reduce((n, s) => n + s.count, 0);
  expect([outputCache('hit'), outputCache('miss')]).toEqual([10, 30]);
  const weights = cache.filter((s) => s.attributes.cache === 'weights' && s.attributes.result === 'miss').reduce((n, s) => n + s.count, 0);
  expect(weights).toBe(2); // digits and forecast came from the network
  const sent = JSON.stringify(delivered);
  expect(sent).not.toContain(String(inputs[0]![100])); // no raw input values
  expect(delivered.logs.some((l) => l.attributes['event.name'] === 'edge_infer.device')).toBe(true);
  const passedOver = { 'model.id': 'forecast', 'backend.to': 'wasm' };
  expect(total(delivered, 'edge_infer.backend.fallbacks', { ...passedOver, 'backend.from': 'webgpu', reason: 'software-adapter' })).toBe(1);
  expect(total(delivered, 'edge_infer.backend.fallbacks', { ...passedOver, 'backend.from': 'webnn', reason: 'no-webnn' })).toBe(1);
});

test('models loaded by URL: ids reach the collector as origin + path, messages without tokens or numbers', async () => {
  const key = `runtime-url-${Date.now().toString(36)}`;
  const runtime = createRuntime({
    backends: ['wasm'],
    storage: { dbName: `telemetry-${key}` },
    retries: 0,
    telemetry: { endpoint: new URL(`/__otlp-test/${key}`, location.href).href, serviceName: 'runtime-test', intervalMs: 3_600_000, outbox: false },
  });
  const clean = new URL(MODELS.digits, location.href).href;
  const credentials = clean.replace('://', '://user:SECRET@');
  const digits = await runtime.load({ url: `${MODELS.digits}?token=SECRET#access_token=SECRET` });
  await digits.run({ pixels: new Float32Array(784) });
  await expectCode(digits.run({ pixels: new Float32Array(783) }), 'input-shape');
  await expectCode(runtime.load({ url: '/models/missing.onnx?token=SECRET' }), 'model-fetch-failed');
  await runtime.load({ url: credentials }).catch(() => undefined); // fetch refuses URLs with credentials
  await runtime.dispose();

  const { delivered } = (await (await fetch(`/__otlp-test/${key}/log`)).json()) as { delivered: OtlpSummary };
  expect(JSON.stringify(delivered)).not.toMatch(/SECRET|access_token|user:/);
  expect(JSON.stringify(delivered)).not.toMatch(/model\.arm/); // no assignment, no arm attribute
  expect(total(delivered, 'edge_infer.inference.duration', { 'model.id': MODELS.digits, status: 'ok' })).toBe(1);
  expect(total(delivered, 'edge_infer.errors', { 'error.code': 'model-fetch-failed', 'model.id': '/models/missing.onnx' })).toBe(1);
  expect(total(delivered, 'edge_infer.errors', { 'error.code': 'model-fetch-failed', 'model.id': clean })).toBe(1);
  const errors = delivered.logs.filter((l) => l.attributes['event.name'] === 'edge_infer.error');
  expect(errors).toHaveLength(3);
  for (const l of errors) expect(l.body).not.toMatch(/\d/); // numbers in messages may be input values
});

test('runtime.dispose() resolves within 2 s when the telemetry endpoint never answers', async () => {
  const base = `/__otlp-chaos/runtime-${Date.now().toString(36)}`;
  await fetch(`${base}/mode`, { method: 'PUT', body: JSON.stringify({ fates: { hang: 1 }, hangMs: 5000 } satisfies ChaosMode) });
  const runtime = createRuntime({
    backends: ['wasm'],
    manifest: '/models/manifest.json',
    storage: { dbName: `telemetry-hang-${Date.now()}` },
    telemetry: { endpoint: new URL(base, location.href).href, serviceName: 'runtime-test', intervalMs: 3_600_000, outbox: false },
  });
  await expectCode(runtime.load('not-a-model'), 'model-unknown');
  const t0 = performance.now();
  await runtime.dispose();
  expect(performance.now() - t0).toBeLessThan(2000);
});
