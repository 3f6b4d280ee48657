// onnxruntime-web's .wasm: fetched once with progress, kept in IndexedDB, and enough to start offline.
import { expect, test } from 'vitest';
import { createRuntime, type LoadEvent } from '../../src/index.js';
import { expectCode, maxAbsDiff, MODELS, seeded } from './helpers.js';

type RuntimeEvent = Extract<LoadEvent, { type: 'runtime' }>;
const dbName = `edge-infer-assets-${Date.now()}`;

async function prepared(options: Parameters<typeof createRuntime>[0]): Promise<RuntimeEvent[]> {
  const runtime = createRuntime({ backends: ['wasm'], ...options });
  const events: RuntimeEvent[] = [];
  await runtime.prepare({ onProgress: (e) => void (e.type === 'runtime' && events.push(e)) });
  const digits = await runtime.load({ url: MODELS.digits });
  expect((await digits.run({ pixels: seeded(784, 3).map(Math.abs) })).outputs.probabilities!.dims).toEqual([1, 10]);
  await runtime.dispose();
  return events;
}

test('the first start downloads the .wasm with progress; the next start reads it from IndexedDB', async () => {
  const first = await prepared({ storage: { dbName } });
  expect(first.length).toBeGreaterThan(1);
  expect(first.every((e) => !e.cached)).toBe(true);
  const last = first.at(-1)!;
  expect(last.url).toMatch(/ort-wasm-simd-threaded\.wasm$/); // the plain build: WASM needs nothing more
  expect(last.loaded).toBeGreaterThan(10_000_000);
  if (last.total !== undefined) expect(last.loaded).toBe(last.total);
  for (let i = 1; i < first.length; i++) expect(first[i]!.loaded).toBeGreaterThan(first[i - 1]!.loaded);

  const second = await prepared({ storage: { dbName } });
  expect(second).toEqual([{ type: 'runtime', url: last.url, loaded: last.loaded, total: last.loaded, cached: true }]);
});

test('with the .wasm kept, the runtime starts even where the server no longer has it (as offline)', async () => {
  await prepared({ storage: { dbName } });
  const events = await prepared({ storage: { dbName }, wasmPaths: '/no/such/place/' });
  expect(events).toHaveLength(1);
  expect(events[0]!.cached).toBe(true);
});

test('an HTML page or a 404 where the .wasm should be is runtime-assets-unavailable naming the URL and content-type; the runtime recovers', async () => {
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths: '/no/such/place/', storage: { dbName: `${dbName}-empty` } });
  const error = await expectCode(runtime.prepare(), 'runtime-assets-unavailable');
  expect(error.message).toContain('/no/such/place/ort-wasm-simd-threaded.wasm');
  expect(error.message).toMatch(/content-type/);
  await expectCode(runtime.load({ url: MODELS.digits }), 'runtime-assets-unavailable'); // a new worker, same answer
  await runtime.dispose();
  const fine = createRuntime({ backends: ['wasm'], storage: { dbName: `${dbName}-empty` } });
  expect((await fine.load({ url: MODELS.digits })).backend).toBe('wasm');
  await fine.dispose();
});

test('WebGPU gets the JSPI build where the browser has JSPI, and WASM models keep the plain build beside it', async () => {
  const gpuBuild = typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function' ? 'jspi' : 'asyncify';
  const runtime = createRuntime({ backends: ['webgpu', 'wasm'], storage: { dbName: `${dbName}-mixed` } });
  const urls: string[] = [];
  await runtime.prepare({ onProgress: (e) => void (e.type === 'runtime' && urls.push(e.url)) });
  expect([...new Set(urls)].map((u) => u.slice(u.lastIndexOf('/') + 1))).toEqual([
    `ort-wasm-simd-threaded.${gpuBuild}.wasm`, 'ort-wasm-simd-threaded.wasm',
  ]);
  const onGpu = await runtime.load({ url: MODELS.digits });
  const onCpu = await runtime.load({ url: MODELS.digits }, { backend: 'wasm' });
  expect([onGpu.backend, onGpu.build, onCpu.backend, onCpu.build]).toEqual(['webgpu', gpuBuild, 'wasm', 'wasm']);
  const pixels = seeded(784, 5).map(Math.abs);
  const [a, b] = await Promise.all([onGpu.run({ pixels }), onCpu.run({ pixels })]);
  expect(maxAbsDiff(a.outputs.probabilities!.data as Float32Array, b.outputs.probabilities!.data as Float32Array)).toBeLessThan(1e-3);
  await runtime.dispose();
}, 120_000);

test('prepare() validates its options', async () => {
  const runtime = createRuntime();
  await expectCode(runtime.prepare(null as never), 'options-invalid');
  await expectCode(runtime.prepare({ onProgress: 'no' as never }), 'options-invalid');
  await expectCode(runtime.prepare({ signal: AbortSignal.abort() }), 'aborted');
  await runtime.dispose();
});
