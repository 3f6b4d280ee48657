// load({ warmup: true }) runs once through the whole path before it resolves; that run is the SDK's, not the app's.
import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { buildProfile } from '../../src/monitor/profile.js';
import { MODELS, seeded } from './helpers.js';

test('with warmup, one run goes through the run channel before load() resolves; without, none', async () => {
  const original = Worker.prototype.postMessage;
  let runs = 0;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: never[]) {
    if (Array.isArray(message)) runs++; // runs travel as arrays, comlink's calls as objects
    return original.call(this, message, ...rest);
  } as typeof original;
  try {
    const runtime = createRuntime({ backends: ['wasm'] });
    await runtime.load({ url: MODELS.digits }, { warmup: false });
    expect(runs).toBe(0);
    await runtime.load({ url: MODELS.digits }, { warmup: true });
    expect(runs).toBe(1);
    await runtime.dispose();
  } finally {
    Worker.prototype.postMessage = original;
  }
});

test('the warm-up run is neither cached, nor recorded, nor a prediction; a model that rejects made-up inputs still loads', async () => {
  const bodies: string[] = [];
  const runtime = createRuntime({ backends: ['wasm'], telemetry: { exporter: (r) => void bodies.push(r.body), intervalMs: 3_600_000 } });
  const digits = await runtime.load({ url: MODELS.digits }, { warmup: true });
  expect(digits.cacheStats()).toMatchObject({ hits: 0, misses: 0, bypassed: 0, entries: 0 });
  const vad = await runtime.load({ url: MODELS.vad }, { warmup: true }); // made-up sr is rejected by the model
  expect(vad.inputs.map((i) => i.name)).toContain('sr');
  const first = await digits.run({ pixels: seeded(784, 1).map(Math.abs) });
  expect(first.fromCache).toBe(false);
  expect(digits.cacheStats()).toMatchObject({ misses: 1, entries: 1 });
  await runtime.dispose();
  const inference = bodies.flatMap((b) => JSON.parse(b).resourceMetrics ?? [])
    .flatMap((r: { scopeMetrics: { metrics: { name: string; histogram?: { dataPoints: { count: string }[] } }[] }[] }) => r.scopeMetrics.flatMap((s) => s.metrics))
    .filter((m) => m.name === 'edge_infer.inference.duration');
  expect(inference.flatMap((m) => m.histogram!.dataPoints).reduce((n, p) => n + Number(p.count), 0)).toBe(1); // the app's run only
});

test('a monitored model is warmed through the run channel too, and its monitor does not count the warm-up as a row', async () => {
  const plain = createRuntime({ backends: ['wasm'] });
  const reference = await plain.load({ url: MODELS.digits });
  const pixels = seeded(200 * 784, 3).map(Math.abs);
  const { outputs } = await reference.run({ pixels: { data: pixels, dims: [200, 784] } });
  const profile = buildProfile({
    inputs: reference.inputs, outputs: reference.outputs, sha256: reference.sha256, calibrationWindows: 100,
    rows: { inputs: { pixels: { dtype: 'float32', dims: [200, 784], data: pixels } }, outputs: outputs as never },
  });
  await plain.dispose();
  const original = Worker.prototype.postMessage;
  let runs = 0;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: never[]) {
    if (Array.isArray(message)) runs++;
    return original.call(this, message, ...rest);
  } as typeof original;
  const runtime = createRuntime({ backends: ['wasm'], cache: false });
  try {
    const model = await runtime.load({ url: MODELS.digits }, { warmup: true, monitor: { profile, windowSize: 10 } });
    expect(runs).toBe(1);
    const settle = () => new Promise((r) => setTimeout(r, 50)); // a window arrives just after the reply that closed it
    for (let i = 0; i < 9; i++) await model.run({ pixels: seeded(784, 10 + i).map(Math.abs) });
    await settle();
    expect(model.monitor.report().windows).toBe(0); // 9 rows of the app: the warm-up would have made 10
    await model.run({ pixels: seeded(784, 19).map(Math.abs) });
    await settle();
    expect(model.monitor.report().windows).toBe(1);
  } finally {
    Worker.prototype.postMessage = original;
    await runtime.dispose();
  }
});
