// load({ warmup: true }) runs once through the whole path before it resolves; that run is the SDK's, not the app's.
import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
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
