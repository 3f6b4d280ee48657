// runtime.runBatch() in real Chromium: the real worker, onnxruntime-web (WASM) and IndexedDB. 10,000 digits items
// equal single model.run() results; a checkpointed job aborted half way resumes in a new runtime (a page reload)
// without running the first half again; a finished job is not rerun; bad items and mismatched checkpoints fail typed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRuntime, type BatchProgress, type Model, type Tensor } from '../../src/index.js';
import { mulberry32 } from '../../src/random.js';
import { expectCode, MODELS } from './helpers.js';
import { storeRuntime, uniqueKey } from './store-helpers.js';

const N = 10_000;
const SAMPLE = Array.from({ length: 200 }, (_, i) => Math.floor((i * N) / 200) + ((i * 37) % 50));

/** Item i: 784 pixels in [0, 1) from a generator seeded with i, so a second pass over the source is the same. */
function pixels(i: number): Float32Array {
  const next = mulberry32(i + 1);
  return Float32Array.from({ length: 784 }, () => next());
}
function* items(n = N): Generator<{ pixels: Float32Array }> {
  for (let i = 0; i < n; i++) yield { pixels: pixels(i) };
}

const argmax = (t: Tensor) => {
  let best = 0;
  for (let i = 1; i < t.data.length; i++) if ((t.data[i] as number) > (t.data[best] as number)) best = i;
  return best;
};
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4));

/** Single-run references: argmax of every item and the full outputs of the sampled ones. */
const reference = { argmax: [] as number[], sample: new Map<number, Record<string, Tensor>>() };

function expectSameAsSingleRuns(results: readonly Record<string, Tensor>[]): void {
  expect(results.length).toBe(N);
  const wrongClass = results.filter((r, i) => argmax(r.probabilities!) !== reference.argmax[i]).length;
  expect(wrongClass).toBe(0);
  for (const i of SAMPLE) {
    const single = reference.sample.get(i)!;
    for (const name of ['probabilities', 'logits']) {
      expect(results[i]![name]!.dims, `item ${i} ${name}`).toEqual(single[name]!.dims);
      expect(bits(results[i]![name]!), `item ${i} ${name}`).toEqual(bits(single[name]!));
    }
  }
}

const disposables: { dispose(): Promise<void> }[] = [];
afterAll(() => Promise.all(disposables.map((r) => r.dispose())));

beforeAll(async () => {
  const single = createRuntime({ backends: ['wasm'], cache: false, batching: false });
  disposables.push(single);
  const model = await single.load({ url: MODELS.digits, id: 'digits' });
  const source = [...items()];
  for (let from = 0; from < N; from += 200) {
    const outs = await Promise.all(source.slice(from, from + 200).map((feeds) => model.run(feeds)));
    outs.forEach((r, k) => {
      reference.argmax.push(argmax(r.outputs.probabilities!));
      if (SAMPLE.includes(from + k)) reference.sample.set(from + k, r.outputs);
    });
  }
}, 180_000);

describe('runtime.runBatch (digits, WASM)', () => {
  test('10,000 items from an array equal single model.run() results, in order', async () => {
    const runtime = createRuntime({ backends: ['wasm'] });
    disposables.push(runtime);
    const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
    const events: BatchProgress[] = [];
    const result = await runtime.runBatch(model, [...items()], { batchSize: 64, concurrency: 2, onProgress: (p) => events.push(p) });
    expect(result).toMatchObject({ done: N, total: N, skipped: 0, checkpoint: undefined });
    expectSameAsSingleRuns(result.results);
    expect(model.cacheStats().bypassed).toBe(Math.ceil(N / 64)); // one run per batch, past the output cache
    expect(events.at(-1)).toMatchObject({ done: N, total: N, etaMs: 0 });
    expect(events.every((e, i) => i === 0 || e.done >= events[i - 1]!.done)).toBe(true);
  }, 120_000);

  test('a checkpointed job aborted at ~50% resumes in a new runtime without rerunning the first half; then it is not rerun at all', async () => {
    const key = uniqueKey('batch-job');
    const first = storeRuntime(key);
    const model = await first.load({ url: MODELS.digits, id: 'digits' });
    const controller = new AbortController();
    let stoppedAt = 0;
    const error = await expectCode(first.runBatch(model, items(), {
      checkpoint: 'digits-10k', signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= N / 2 && !controller.signal.aborted) (stoppedAt = p.done), controller.abort();
      },
    }), 'aborted');
    expect(stoppedAt).toBeGreaterThanOrEqual(N / 2);
    const kept = error.details.stored as number;
    expect(kept % 64).toBe(0);
    expect(kept).toBeGreaterThanOrEqual(stoppedAt);
    expect(kept).toBeLessThan(N * 0.6);
    await first.dispose(); // the page goes away

    const second = storeRuntime(key); // the reloaded page: same database
    disposables.push(second);
    const again = await second.load({ url: MODELS.digits, id: 'digits' });
    const events: BatchProgress[] = [];
    const result = await second.runBatch(again, items(), { checkpoint: 'digits-10k', onProgress: (p) => events.push(p) });
    expect(result).toMatchObject({ done: N, total: N, skipped: kept, checkpoint: 'digits-10k' });
    expectSameAsSingleRuns(result.results);
    // Only the second half ran: one run per remaining batch, and progress started from the kept items.
    expect(again.cacheStats().bypassed).toBe(Math.ceil((N - kept) / 64));
    expect(events.every((e) => e.skipped === kept && e.done > kept)).toBe(true);
    expect(events.at(-1)).toMatchObject({ done: N, skipped: kept });

    // Finished: a third call returns the stored results at once, without reading the source or running anything.
    const untouched = { [Symbol.iterator]: () => ({ next: (): IteratorResult<never> => { throw new Error('the source was read'); } }) };
    const start = performance.now();
    const done = await second.runBatch(again, untouched, { checkpoint: 'digits-10k' });
    expect(done).toMatchObject({ done: N, total: N, skipped: N });
    expect(again.cacheStats().bypassed).toBe(Math.ceil((N - kept) / 64));
    expect(performance.now() - start).toBeLessThan(5000);
    expectSameAsSingleRuns(done.results);
    await done.delete();
    const fresh = await second.runBatch(again, items(100), { checkpoint: 'digits-10k' });
    expect(fresh).toMatchObject({ done: 100, skipped: 0 });
  }, 180_000);

  test("results: 'store' reads back by range and with for await", async () => {
    const runtime = storeRuntime(uniqueKey('batch-store'));
    disposables.push(runtime);
    const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
    const result = await runtime.runBatch(model, items(1000), { batchSize: 50, concurrency: 4, checkpoint: 'store-mode', results: 'store' });
    expect(result).toMatchObject({ done: 1000, results: [] });
    const part = await result.read(475, 530);
    expect(part.map((r) => argmax(r.probabilities!))).toEqual(reference.argmax.slice(475, 530));
    let count = 0;
    for await (const r of result) expect(argmax(r.probabilities!)).toBe(reference.argmax[count++]);
    expect(count).toBe(1000);
  }, 60_000);

  test('a bad item at k fails with input-invalid naming k, keeping the batches before it; mismatched checkpoints fail with options-invalid', async () => {
    const runtime = storeRuntime(uniqueKey('batch-bad'));
    disposables.push(runtime);
    const model: Model = await runtime.load({ url: MODELS.digits, id: 'digits' });
    const k = 333;
    const source: unknown[] = [...items(1000)];
    source[k] = { pixels: new Float32Array(783) };
    const error = await expectCode(runtime.runBatch(model, source as never, { batchSize: 32, checkpoint: 'bad' }), 'input-invalid');
    expect(error.details).toMatchObject({ item: k, input: 'pixels' });
    expect(error.message).toContain(`item ${k}`);
    expect(model.cacheStats().bypassed).toBe(Math.floor(k / 32)); // nothing from k's batch on ran

    await expectCode(runtime.runBatch(model, items(1000), { batchSize: 64, checkpoint: 'bad' }), 'options-invalid').then((e) => expect(e.details.field).toBe('batchSize'));
    const forecast = await runtime.load({ url: MODELS.forecast, id: 'forecast' });
    await expectCode(runtime.runBatch(forecast, [], { batchSize: 32, checkpoint: 'bad' }), 'options-invalid').then((e) => expect(e.details.field).toBe('model'));
    const resumed = await runtime.runBatch(model, items(1000), { batchSize: 32, checkpoint: 'bad' });
    expect(resumed).toMatchObject({ done: 1000, skipped: Math.floor(k / 32) * 32 });
    expect(resumed.results.map((r) => argmax(r.probabilities!))).toEqual(reference.argmax.slice(0, 1000));
    const restarted = await runtime.runBatch(model, items(10), { batchSize: 64, checkpoint: 'bad', restart: true });
    expect(restarted).toMatchObject({ done: 10, skipped: 0 });
  }, 60_000);

  test('the model must be a live model of this runtime; the source an iterable', async () => {
    const runtime = createRuntime({ backends: ['wasm'] });
    const other = createRuntime({ backends: ['wasm'] });
    disposables.push(runtime, other);
    const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
    await expectCode(other.runBatch(model, items(3)), 'options-invalid');
    await expectCode(runtime.runBatch(model, 42 as never), 'options-invalid');
    await expectCode(runtime.runBatch(model, items(3), { concurrency: 0 }), 'options-invalid');
    await model.dispose();
    await expectCode(runtime.runBatch(model, items(3)), 'model-disposed');
  });
});
