// `backends: 'auto'` measures each usable backend once per device and model file. Here WebGPU is SwiftShader's
// software adapter, which auto rules out unless `backendProbe.softwareGpu` lets it compete.
import { afterAll, expect, test } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { MODELS } from './helpers.js';

const runtimes: Runtime[] = [];
const make = (options: Parameters<typeof createRuntime>[0] = {}) => {
  const runtime = createRuntime(options);
  runtimes.push(runtime);
  return runtime;
};
afterAll(() => Promise.all(runtimes.map((r) => r.dispose())));
const db = (name: string) => ({ dbName: `choice-${name}-${Math.random().toString(36).slice(2)}` });

test('auto rules out a software WebGPU adapter and a missing WebNN, and says why', async () => {
  const model = await make({ storage: db('default') }).load({ url: MODELS.digits, id: 'digits' });
  expect(model.backend).toBe('wasm');
  const { mode, chosen, candidates, cached } = model.backendChoice;
  expect({ mode, chosen, cached }).toEqual({ mode: 'auto', chosen: 'wasm', cached: false });
  expect(candidates.map((c) => c.backend)).toEqual(['webgpu', 'webnn', 'wasm']);
  expect(candidates[0]!.reason).toMatch(/software one \(swiftshader\).*auto never chooses it/);
  expect(candidates[1]!.reason).toMatch(/navigator\.ml is missing/);
  expect(candidates[2]!.reason).toBeUndefined();
  expect(model.fallbackReason).toMatch(/^webgpu: .*software.*; webnn: navigator\.ml is missing/);
  expect((await model.run({ pixels: new Float32Array(784) })).outputs.probabilities!.dims).toEqual([1, 10]);
});

test('a forced backend still runs there, software adapter or not', async () => {
  const model = await make({ storage: db('forced') }).load({ url: MODELS.digits, id: 'digits' }, { backend: 'webgpu' });
  expect(model.backend).toBe('webgpu');
  expect(model.backendChoice).toMatchObject({ mode: 'forced', chosen: 'webgpu', cached: false });
});

test('an explicit list keeps first-that-works, without measuring', async () => {
  const model = await make({ backends: ['webgpu', 'wasm'], storage: db('listed') }).load({ url: MODELS.digits, id: 'digits' });
  expect(model.backend).toBe('webgpu');
  expect(model.backendChoice).toEqual({ mode: 'listed', chosen: 'webgpu', candidates: [{ backend: 'webgpu' }], cached: false });
});

test('measures the candidates, keeps the fastest, and the next load reuses the decision', async () => {
  const runtime = make({ storage: db('measured'), backendProbe: { softwareGpu: true } });
  const first = await runtime.load({ url: MODELS.digits, id: 'digits' });
  const { candidates } = first.backendChoice;
  const gpu = candidates.find((c) => c.backend === 'webgpu')!;
  const cpu = candidates.find((c) => c.backend === 'wasm')!;
  expect(gpu.ms).toBeGreaterThan(0);
  expect(cpu.ms).toBeGreaterThan(0);
  expect(first.backendChoice.cached).toBe(false);
  expect(first.backend).toBe(gpu.ms! < cpu.ms! ? 'webgpu' : 'wasm');

  const again = await runtime.load({ url: MODELS.digits, id: 'digits' });
  expect(again.backendChoice).toEqual({ ...first.backendChoice, cached: true });
  expect(again.backend).toBe(first.backend);
  // Another file is another decision (expiry and device keys: test/unit/worker/choice-store.test.ts).
  const other = await runtime.load({ url: MODELS.forecast, id: 'forecast' });
  expect(other.backendChoice.cached).toBe(false);
}, 180_000);

test('a probe that throws on one backend falls back to the next', async () => {
  // Index 9 is outside the 4-row table: WASM's Gather rejects it, the WebGPU EP does not check.
  const probeFeeds = { i: { dtype: 'int64' as const, dims: [1], data: BigInt64Array.of(9n) } };
  const runtime = make({ storage: db('throws'), backendProbe: { softwareGpu: true } });
  const model = await runtime.load({ url: '/test/browser/fixtures/gather.onnx', id: 'gather' }, { probeFeeds });
  expect(model.backend).toBe('webgpu');
  const wasm = model.backendChoice.candidates.find((c) => c.backend === 'wasm')!;
  expect(wasm.ms).toBeUndefined();
  expect(wasm.reason).toMatch(/^probe failed: .*out of data bounds/);
});

test('precision auto measures the gated int8 forms too, keeps the fastest (the smaller on a near tie) and remembers it', async () => {
  const runtime = make({ storage: db('forms'), manifest: '/models/manifest.json' });
  const model = await runtime.load('digits');
  const { candidates, variant, cached } = model.backendChoice;
  const timed = candidates.filter((c) => c.backend === 'wasm');
  expect(timed.map((c) => c.variant)).toEqual(['int8-dynamic', 'int8-weights']);
  for (const c of timed) expect(c.ms).toBeGreaterThan(0);
  const fastest = Math.min(...timed.map((c) => c.ms!));
  expect(timed.find((c) => c.variant === variant)!.ms!).toBeLessThanOrEqual(fastest * 1.05 + 0.005);
  expect(model.version).toBe(`1.0.0+${variant}`);
  expect(cached).toBe(false);
  const again = await runtime.load('digits');
  expect(again.backendChoice).toEqual({ ...model.backendChoice, cached: true });
  expect(again.version).toBe(model.version);
}, 120_000);
