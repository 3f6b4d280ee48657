import { afterAll, expect, test } from 'vitest';
import { createRuntime, type EdgeInferError } from '../../src/index.js';
import { crashableRuntime, expectCode, MODELS, seeded, vadFeeds } from './helpers.js';

const runtime = createRuntime({ backends: ['wasm'] });
afterAll(() => runtime.dispose());

test('several models load at once and concurrent runs on one session match sequential runs', async () => {
  const [vad, digits] = await Promise.all([runtime.load({ url: MODELS.vad }), runtime.load({ url: MODELS.digits })]);
  const frames = Array.from({ length: 40 }, (_, i) => seeded(512, i + 1, 0.2));
  const sequential: Float32Array[] = [];
  for (const f of frames) sequential.push((await vad.run(vadFeeds(f))).outputs.stateN!.data as Float32Array);
  const images = Array.from({ length: 40 }, (_, i) => seeded(784, 100 + i).map(Math.abs));
  const concurrent = await Promise.all([
    ...frames.map((f) => vad.run(vadFeeds(f))),
    ...images.map((pixels) => digits.run({ pixels })),
  ]);
  concurrent.slice(0, 40).forEach((r, i) => expect(r.outputs.stateN!.data).toEqual(sequential[i]));
  for (const r of concurrent.slice(40)) expect(r.outputs.probabilities!.dims).toEqual([1, 10]);
  await Promise.all([vad.dispose(), digits.dispose()]);
});

test('inputs are copied by default and moved with { transfer: true }; outputs arrive as whole buffers', async () => {
  const digits = await runtime.load({ url: MODELS.digits });
  const pixels = seeded(784, 7).map(Math.abs);
  const copied = await digits.run({ pixels });
  expect(pixels.length).toBe(784);
  const moved = await digits.run({ pixels }, { transfer: true });
  expect(pixels.length).toBe(0); // detached: the buffer now belongs to the worker
  expect(moved.outputs.probabilities!.data).toEqual(copied.outputs.probabilities!.data);
  const out = copied.outputs.probabilities!.data;
  expect(out.byteLength).toBe(out.buffer.byteLength);
  await digits.dispose();
});

test('the worker hands input buffers back for the next copy, but not the buffers a caller moved', async () => {
  const { runtime: own, workers } = crashableRuntime({ cache: false, batching: false });
  const digits = await own.load({ url: MODELS.digits });
  const handedBack: number[] = []; // bytes handed back with each run's answer
  workers[0]!.addEventListener('message', (e: MessageEvent) => {
    if (Array.isArray(e.data) && e.data[0] > 0) handedBack.push((e.data[3] as ArrayBuffer[]).reduce((n, b) => n + b.byteLength, 0));
  });
  await digits.run({ pixels: seeded(784, 8) });
  await digits.run({ pixels: seeded(784, 9) }, { transfer: true });
  await new Promise((r) => setTimeout(r, 0)); // the SDK's listener resolves the run before this one sees the answer
  expect(handedBack).toEqual([784 * 4, 0]);
  await own.dispose();
});

test('a crashed worker rejects pending runs with worker-crashed, and the runtime recovers', async () => {
  const { runtime: own, workers } = crashableRuntime();
  const vad = await own.load({ url: MODELS.vad });
  workers[0]!.postMessage({ crash: true });
  const pending = Array.from({ length: 50 }, (_, i) => vad.run(vadFeeds(seeded(512, i))));
  for (const s of await Promise.allSettled(pending)) {
    expect(s.status).toBe('rejected');
    expect(((s as PromiseRejectedResult).reason as EdgeInferError).code).toBe('worker-crashed');
  }
  await expectCode(vad.run(vadFeeds(seeded(512, 1))), 'worker-crashed');

  const again = await own.load({ url: MODELS.vad });
  expect(workers).toHaveLength(2);
  expect((await again.run(vadFeeds(seeded(512, 1)))).outputs.output!.dims).toEqual([1, 1]);
  await own.dispose();
});

test('a worker script that fails to start is worker-crashed, not a hang', async () => {
  const own = createRuntime({ createWorker: () => new Worker('/no/such/worker.js', { type: 'module' }) });
  await expectCode(own.load({ url: MODELS.digits }), 'worker-crashed');
  await own.dispose();
});

test('the page is cross-origin isolated, so numThreads takes effect', async () => {
  const threaded = createRuntime({ backends: ['wasm'], numThreads: 2 });
  expect(await threaded.env()).toEqual({ crossOriginIsolated: true, numThreads: 2 });
  const single = createRuntime({ backends: ['wasm'], numThreads: 1 });
  const [a, b] = await Promise.all([threaded.load({ url: MODELS.digits }), single.load({ url: MODELS.digits })]);
  const pixels = seeded(784 * 16, 3).map(Math.abs);
  const [ra, rb] = await Promise.all([a.run({ pixels }), b.run({ pixels })]);
  const pa = ra.outputs.probabilities!.data as Float32Array;
  const pb = rb.outputs.probabilities!.data as Float32Array;
  pa.forEach((v, i) => expect(v).toBeCloseTo(pb[i] as number, 5));
  await Promise.all([threaded.dispose(), single.dispose()]);
});
