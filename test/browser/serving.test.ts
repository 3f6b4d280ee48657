// Serving under load in real Chromium: the main-thread output cache and dynamic batching in the worker.
import { afterAll, describe, expect, test } from 'vitest';
import { createRuntime, EdgeInferError, type Model, type RunResult, type Tensor } from '../../src/index.js';
import { expectCode, MODELS, seeded, vadFeeds } from './helpers.js';

const FIXED = new URL('./fixtures/fixed-shape.onnx', import.meta.url).href;
const ROW_SUM = new URL('./fixtures/row-sum.onnx', import.meta.url).href;
const TINY = '/models/tiny/model.onnx';

type Feeds = Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;

/** Distinct inputs for each model: `i` seeds the data. */
const FEEDS: Record<string, (i: number) => Feeds> = {
  digits: (i) => ({ pixels: { data: seeded(784, i + 1).map(Math.abs), dims: [1, 784] } }),
  forecast: (i) => ({ history: { data: seeded(36, i + 1, 10).map((v) => v + 400), dims: [1, 36] } }),
  tiny: (i) => ({ x: { data: seeded(4, i + 1), dims: [1, 4] } }),
  fixed: (i) => ({ x: { data: seeded(8, i + 1), dims: [2, 4] } }),
  vad: (i) => vadFeeds(seeded(576, i + 1, 0.2)),
};

function sameBits(a: Readonly<Record<string, Tensor>>, b: Readonly<Record<string, Tensor>>): boolean {
  const names = Object.keys(b);
  if (Object.keys(a).join() !== names.join()) return false;
  return names.every((name) => {
    const x = a[name]!;
    const y = b[name]!;
    if (x.dims.join() !== y.dims.join() || x.data.length !== y.data.length) return false;
    const p = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    const q = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
    return p.every((v, i) => v === q[i]);
  });
}

describe('dynamic batching and the output cache under load (WASM)', () => {
  const runtime = createRuntime({ backends: ['wasm'] });
  const reference = createRuntime({ backends: ['wasm'], cache: false, batching: false });
  afterAll(() => Promise.all([runtime.dispose(), reference.dispose()]));

  const URLS: Record<string, string> = { digits: MODELS.digits, forecast: MODELS.forecast, tiny: TINY, fixed: FIXED, vad: MODELS.vad };

  async function loadAll(rt: typeof runtime): Promise<Record<string, Model>> {
    const ids = Object.keys(URLS);
    const models = await Promise.all(ids.map((id) => rt.load({ url: URLS[id]!, id })));
    return Object.fromEntries(ids.map((id, i) => [id, models[i]!]));
  }

  test('10,000 concurrent runs over five models equal sequential single runs bit for bit; invalid ones fail alone', async () => {
    const models = await loadAll(runtime);
    const singles = await loadAll(reference);
    expect(models.digits!.serving.batching).toEqual({ maxBatch: 64, maxDelayMs: 2 });
    expect(models.fixed!.serving.batching).toBe(false); // no free first dimension
    expect(models.vad!.serving).toMatchObject({ batching: false, cache: false, stateful: true, stateInputs: ['state'] });

    const mix = ['digits', 'forecast', 'tiny', 'fixed', 'digits', 'tiny', 'forecast', 'digits', 'tiny', 'vad'];
    const calls = Array.from({ length: 10_000 }, (_, i) => ({ model: mix[i % mix.length]!, seed: i }));
    const expected: Record<string, Tensor>[] = [];
    for (const c of calls) expected.push((await singles[c.model]!.run(FEEDS[c.model]!(c.seed))).outputs);

    const invalid: [() => Promise<unknown>, string][] = [
      [() => models.digits!.run({ pixels: new Float32Array(783) }), 'input-shape'],
      [() => models.digits!.run({ pixels: new Int32Array(784) }), 'input-dtype'],
      [() => models.tiny!.run({ x: new Float32Array(4), y: new Float32Array(4) }), 'input-unknown'],
      [() => models.forecast!.run({}), 'input-missing'],
      [() => models.fixed!.run({ x: { data: new Float32Array(4), dims: [1, 4] } }), 'input-shape'],
    ];
    const pending: Promise<RunResult>[] = [];
    const failures: Promise<unknown>[] = [];
    // Calls come in chunks of 1 to 300: a chunk issued in one task shares a message to the worker; chunks are split
    // by a microtask or by a new task, so the worker also merges runs that arrived in separate messages.
    for (let i = 0, chunk = 0; i < calls.length; chunk++) {
      const end = Math.min(calls.length, i + 1 + ((chunk * 7919) % 300));
      for (; i < end; i++) {
        const c = calls[i]!;
        pending.push(models[c.model]!.run(FEEDS[c.model]!(c.seed)));
        if (i % 100 === 0) {
          const [call, code] = invalid[(i / 100) % invalid.length]!;
          failures.push(expectCode(call(), code as EdgeInferError['code']));
        }
      }
      await (chunk % 3 === 0 ? new Promise((resolve) => setTimeout(resolve, 0)) : null);
    }
    const settled = await Promise.allSettled(pending);
    await Promise.all(failures);

    const rejected = settled.filter((s) => s.status === 'rejected');
    expect(rejected.map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    const results = settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value);
    const wrong = results.filter((r, i) => !sameBits(r.outputs, expected[i]!)).length;
    expect(wrong).toBe(0);

    const sizes = (model: string) => results.filter((_, i) => calls[i]!.model === model).map((r) => r.batchSize);
    expect(Math.max(...sizes('digits'))).toBeGreaterThan(1);
    expect(Math.max(...sizes('tiny'))).toBeGreaterThan(1);
    expect(Math.max(...sizes('digits'))).toBeLessThanOrEqual(64);
    expect(new Set([...sizes('vad'), ...sizes('fixed')])).toEqual(new Set([1]));
    expect(results.every((r) => !r.fromCache)).toBe(true); // every input was distinct
    expect(models.digits!.cacheStats()).toMatchObject({ hits: 0, misses: 3000 });
    expect(models.vad!.cacheStats()).toMatchObject({ hits: 0, misses: 0, bypassed: 1000 });
  }, 180_000);

  test('runs sent in separate messages still share a session.run', async () => {
    const tiny = await runtime.load({ url: TINY, id: 'tiny-messages' }, { cache: false });
    const pending: Promise<RunResult>[] = [];
    for (let i = 0; i < 200; i++) {
      pending.push(tiny.run(FEEDS.tiny!(i)));
      await null; // each run leaves in its own message
    }
    const results = await Promise.all(pending);
    expect(Math.max(...results.map((r) => r.batchSize))).toBeGreaterThan(1);
    results.forEach((r, i) => {
      const x = FEEDS.tiny!(i).x!.data as Float32Array;
      expect([...r.outputs.y!.data]).toEqual([...x].map((v) => Math.fround(2 * v + 1)));
    });
  });

  test('a model whose outputs mix rows fails every member of a batch with a typed error, and runs fine alone', async () => {
    const model = await runtime.load({ url: ROW_SUM, id: 'row-sum' });
    expect(model.serving.batching).not.toBe(false);
    const alone = await model.run({ x: Float32Array.of(1, 2, 3, 4) });
    expect([...alone.outputs.y!.data]).toEqual([1, 2, 3, 4]);
    const together = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => model.run({ x: Float32Array.of(i, i, i, i) })));
    for (const s of together) {
      expect(s.status).toBe('rejected');
      const error = (s as PromiseRejectedResult).reason as EdgeInferError;
      expect(error.code).toBe('inference-failed');
      expect(error.details.batchSize).toBeGreaterThan(1);
    }
    const unbatched = await runtime.load({ url: ROW_SUM, id: 'row-sum-alone' }, { batching: false });
    const each = await Promise.all(Array.from({ length: 8 }, (_, i) => unbatched.run({ x: Float32Array.of(i, i, i, i) })));
    each.forEach((r, i) => expect(r.outputs.y!.data[0]).toBe(i));
  });

  test('dispose right after run() lets the runs already issued finish', async () => {
    const tiny = await runtime.load({ url: TINY, id: 'tiny-dispose' }, { cache: false });
    const pending = Array.from({ length: 20 }, (_, i) => tiny.run(FEEDS.tiny!(i)));
    await tiny.dispose();
    expect((await Promise.all(pending)).map((r) => r.outputs.y!.dims)).toEqual(Array(20).fill([1, 4]));
    await expectCode(tiny.run(FEEDS.tiny!(0)), 'model-disposed');
  });

  test('batching can be turned off per model and per runtime', async () => {
    const off = createRuntime({ backends: ['wasm'], batching: false, cache: false });
    const [a, b] = await Promise.all([off.load({ url: TINY }), runtime.load({ url: TINY, id: 'tiny-off' }, { batching: false })]);
    for (const model of [a, b]) {
      expect(model!.serving.batching).toBe(false);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => model!.run(FEEDS.tiny!(i))));
      expect(new Set(results.map((r) => r.batchSize))).toEqual(new Set([1]));
    }
    await off.dispose();
  });
});

describe('output cache (WASM)', () => {
  let posted = 0;
  const runtime = createRuntime({
    backends: ['wasm'],
    createWorker: () => {
      const worker = new Worker(new URL('../../src/worker/worker.ts', import.meta.url), { type: 'module' });
      const post = worker.postMessage.bind(worker) as (...args: unknown[]) => void;
      worker.postMessage = (...args: unknown[]) => {
        posted++;
        post(...args);
      };
      return worker;
    },
  });
  afterAll(() => runtime.dispose());

  test('a hit is answered on the main thread with equal outputs, and mutating them cannot corrupt the cache', async () => {
    const digits = await runtime.load({ url: MODELS.digits, id: 'digits' });
    const feeds = FEEDS.digits!(1);
    const miss = await digits.run(feeds);
    const before = posted;
    const hit = await digits.run(FEEDS.digits!(1));
    expect(posted).toBe(before); // no message to the worker
    expect(hit).toMatchObject({ fromCache: true, inferenceMs: 0, batchSize: 0 });
    expect(sameBits(hit.outputs, miss.outputs)).toBe(true);
    (hit.outputs.probabilities!.data as Float32Array).fill(0);
    (miss.outputs.logits!.data as Float32Array).fill(0);
    (feeds.pixels!.data as Float32Array).fill(0); // the caller reuses its input buffer
    const again = await digits.run(FEEDS.digits!(1));
    expect(again.fromCache).toBe(true);
    expect(sameBits(again.outputs, (await digits.run(FEEDS.digits!(1), { cache: false })).outputs)).toBe(true);
    expect(digits.cacheStats()).toMatchObject({ hits: 2, misses: 1, bypassed: 1, entries: 1, bytes: 784 * 4 + 20 * 4 });
    await digits.dispose();
  });

  test('stateful models are never cached unless allowed; then repeated frames hit', async () => {
    const vad = await runtime.load({ url: MODELS.vad, id: 'vad' });
    const frame = FEEDS.vad!(3);
    expect((await vad.run(frame)).fromCache).toBe(false);
    expect((await vad.run(frame)).fromCache).toBe(false);
    expect(vad.cacheStats()).toMatchObject({ hits: 0, misses: 0, bypassed: 2 });
    expect((await vad.run(frame, { cache: true })).fromCache).toBe(false);
    expect((await vad.run(frame, { cache: true })).fromCache).toBe(true);
    const allowed = await runtime.load({ url: MODELS.vad, id: 'vad-cached' }, { cache: true });
    await allowed.run(frame);
    expect((await allowed.run(frame)).fromCache).toBe(true);
    await Promise.all([vad.dispose(), allowed.dispose()]);
  });

  test('inputs that differ only in dims are separate entries; transfer: true detaches buffers on a hit too', async () => {
    const tiny = await runtime.load({ url: TINY, id: 'tiny' });
    const data = seeded(8, 5);
    const two = await tiny.run({ x: { data, dims: [2, 4] } });
    expect(two.outputs.y!.dims).toEqual([2, 4]);
    const moved = seeded(8, 5);
    const hit = await tiny.run({ x: { data: moved, dims: [2, 4] } }, { transfer: true });
    expect(hit.fromCache).toBe(true);
    expect(moved.length).toBe(0);
    await expectCode(tiny.run({ x: { data: seeded(8, 5), dims: [8, 1] } }), 'input-shape'); // validated before the cache
    await tiny.dispose();
  });

  test('per-model cache: false and a runtime without a cache never answer from it', async () => {
    const uncached = await runtime.load({ url: TINY, id: 'tiny-uncached' }, { cache: false });
    await uncached.run(FEEDS.tiny!(1));
    expect((await uncached.run(FEEDS.tiny!(1))).fromCache).toBe(false);
    const none = createRuntime({ backends: ['wasm'], cache: false });
    const model = await none.load({ url: TINY });
    await model.run(FEEDS.tiny!(1));
    expect((await model.run(FEEDS.tiny!(1))).fromCache).toBe(false);
    expect(model.cacheStats().entries).toBe(0);
    await none.dispose();
  });

  test('two files under one id never share entries: the cache is keyed by content, not by name', async () => {
    const bytes = new Uint8Array(await (await fetch(MODELS.digits)).arrayBuffer());
    const changed = bytes.slice();
    const middle = changed.length >> 1;
    for (let i = middle; i < middle + 8; i++) changed[i]! ^= 0x40; // same length, different weights
    const a = await runtime.load({ bytes, id: 'm' });
    const b = await runtime.load({ bytes: changed, id: 'm' });
    expect(a.sha256).not.toBe(b.sha256);
    const pixels = seeded(784, 77).map(Math.abs);
    const fromA = await a.run({ pixels });
    const fromB = await b.run({ pixels });
    expect(fromB.fromCache).toBe(false);
    expect(sameBits(fromB.outputs, (await b.run({ pixels }, { cache: false })).outputs)).toBe(true);
    expect(sameBits(fromB.outputs, fromA.outputs)).toBe(false);
    const again = await runtime.load({ bytes, id: 'other-name' }); // same file: its entries are found again
    expect((await again.run({ pixels })).fromCache).toBe(true);
    await Promise.all([a.dispose(), b.dispose(), again.dispose()]);
  });

  test('an input larger than the whole cache is neither copied nor stored', async () => {
    const own = createRuntime({ backends: ['wasm'], cache: { maxBytes: 1024 } });
    const digits = await own.load({ url: MODELS.digits });
    const pixels = seeded(784, 5).map(Math.abs); // 3,136 bytes
    await digits.run({ pixels });
    expect((await digits.run({ pixels })).fromCache).toBe(false);
    expect(digits.cacheStats()).toMatchObject({ bypassed: 2, misses: 0, entries: 0, bytes: 0 });
    await own.dispose();
  });

  test('run() rejects a non-boolean cache option with options-invalid', async () => {
    const tiny = await runtime.load({ url: TINY, id: 'tiny-options' });
    await expectCode(tiny.run(FEEDS.tiny!(1), { cache: 'yes' as unknown as boolean }), 'options-invalid');
  });
});

describe('dynamic batching on WebGPU', () => {
  const runtime = createRuntime({ backends: ['webgpu'], cache: false });
  const reference = createRuntime({ backends: ['webgpu'], cache: false, batching: false });
  afterAll(() => Promise.all([runtime.dispose(), reference.dispose()]));

  // SwiftShader's WebGPU may sum in another order at another batch size, so outputs are compared within 1e-5.
  test('concurrent runs match sequential single runs within 1e-5', async () => {
    const [batched, single] = await Promise.all([runtime.load({ url: MODELS.digits }), reference.load({ url: MODELS.digits })]);
    const expected: Float32Array[] = [];
    for (let i = 0; i < 16; i++) expected.push((await single!.run(FEEDS.digits!(i))).outputs.probabilities!.data as Float32Array);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => batched!.run(FEEDS.digits!(i))));
    expect(Math.max(...results.map((r) => r.batchSize))).toBeGreaterThan(1);
    let worst = 0;
    results.forEach((r, i) => (r.outputs.probabilities!.data as Float32Array).forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected[i]![j]!)))));
    expect(worst).toBeLessThan(1e-5);
  }, 180_000); // WebGPU on a software adapter (SwiftShader): each run is slow; 32 sequential runs took 40-51 s here
});
