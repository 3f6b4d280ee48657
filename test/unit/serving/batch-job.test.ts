// runBatch()'s logic in Node, with a fake model and a Map for IndexedDB: options, sources, rows, ordering under
// out-of-order completion, concurrency, bad items, abort, checkpoints and resume. Real ORT and IndexedDB:
// test/browser/batch-job.test.ts.
import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { runBatchJob, type BatchModel } from '../../../src/serving/batch-job.js';
import { resolveBatchJobOptions, type BatchProgress } from '../../../src/serving/batch-options.js';
import { checkItem, groups, splitRows, stackRows } from '../../../src/serving/batch-rows.js';
import { SourceReader } from '../../../src/serving/batch-source.js';
import type { Checkpoint, JobStore, StoredResult } from '../../../src/serving/job-store.js';
import type { Tensor, ValueInfo } from '../../../src/tensor.js';
import { codeOf } from '../code-of.js';

const sum: { inputs: ValueInfo[]; outputs: ValueInfo[] } = {
  inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 2] }],
  outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 1] }],
};

/** y = x0 + x1 per row, after `delay(call)` ms; records each run's rows and the most runs in flight. */
function fakeModel(options: { dims?: ValueInfo['dims']; delay?: (call: number) => number; sha256?: string; fail?: (call: number) => boolean } = {}) {
  const log = { runs: [] as number[][], inFlight: 0, maxInFlight: 0 };
  const inputs: ValueInfo[] = options.dims ? [{ name: 'x', dtype: 'float32', dims: options.dims }] : sum.inputs;
  const outputs: ValueInfo[] = options.dims ? [{ name: 'y', dtype: 'float32', dims: [1, 1] }] : sum.outputs;
  const model: BatchModel = {
    id: 'sum', inputs, outputs, sha256: options.sha256 ?? 'a'.repeat(64), isDisposed: false,
    async run(feeds) {
      const call = log.runs.length;
      const x = feeds.x!.data as Float32Array;
      const rows = x.length / 2;
      log.runs.push(Array.from({ length: rows }, (_, r) => x[2 * r]!));
      log.maxInFlight = Math.max(log.maxInFlight, ++log.inFlight);
      await new Promise((resolve) => setTimeout(resolve, options.delay?.(call) ?? 0));
      log.inFlight--;
      if (options.fail?.(call)) throw new EdgeInferError('inference-failed', 'boom');
      const y = new Float32Array(rows).map((_, r) => x[2 * r]! + x[2 * r + 1]!);
      return { outputs: { y: { dtype: 'float32', dims: [rows, 1], data: y } } };
    },
  };
  return { model, log };
}

/** A Map standing in for IndexedDB, cloning as IndexedDB would; counts saves. */
function memoryStore(): JobStore & { map: Map<string, unknown>; saves: number } {
  const map = new Map<string, unknown>();
  const s = {
    map, saves: 0,
    checkpoint: async (job: string) => structuredClone(map.get(`job:${job}`)) as Checkpoint | undefined,
    save: async (job: string, batch: number, results: readonly StoredResult[], checkpoint: Checkpoint | undefined) => {
      s.saves++;
      map.set(`batch:${job}:${batch}`, structuredClone(results));
      if (checkpoint) map.set(`job:${job}`, structuredClone(checkpoint));
    },
    mark: async (job: string, checkpoint: Checkpoint) => void map.set(`job:${job}`, structuredClone(checkpoint)),
    read: async (job: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => structuredClone(map.get(`batch:${job}:${from + i}`)) as StoredResult[]),
    delete: async (job: string) => {
      for (const key of [...map.keys()]) if (key === `job:${job}` || key.startsWith(`batch:${job}:`)) map.delete(key);
    },
  };
  return s;
}

const item = (i: number) => ({ x: Float32Array.of(i, 0.5) });
const items = (n: number) => Array.from({ length: n }, (_, i) => item(i));
const values = (results: readonly Record<string, Tensor>[]) => results.map((r) => r.y!.data[0]);
const expected = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i + 0.5);

async function rejection(promise: Promise<unknown>): Promise<EdgeInferError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EdgeInferError);
  return error as EdgeInferError;
}

describe('options and sources', () => {
  test.each([
    [{ batchSize: 0 }], [{ batchSize: 4097 }], [{ batchSize: 1.5 }], [{ batchSize: '8' }], [{ concurrency: 0 }], [{ concurrency: 17 }],
    [{ checkpoint: '' }], [{ checkpoint: 'x'.repeat(129) }], [{ checkpoint: 7 }], [{ onProgress: 1 }], [{ signal: {} }],
    [{ results: 'disk' }], [{ results: 'store' }], [{ restart: 'yes' }], [null], [[]], ['fast'],
  ])('%j is options-invalid', (options) => {
    expect(codeOf(() => resolveBatchJobOptions(options))).toBe('options-invalid');
  });

  test('defaults: 64 per batch, 2 in flight, results in memory', () => {
    expect(resolveBatchJobOptions(undefined)).toMatchObject({ batchSize: 64, concurrency: 2, results: 'memory', restart: false, checkpoint: undefined });
    expect(resolveBatchJobOptions({ batchSize: 4096, concurrency: 16, checkpoint: 'x'.repeat(128), results: 'store' })).toMatchObject({ batchSize: 4096 });
  });

  test.each([['a string', 'abc'], ['a number', 3], ['null', null], ['a plain object', { length: 2 }], ['an iterator without next', { [Symbol.iterator]: () => ({}) }]])(
    'a source that is %s is options-invalid', (_, source) => {
      expect(codeOf(() => new SourceReader(source))).toBe('options-invalid');
    });

  test('arrays know their total; generators and async generators do not', async () => {
    expect(new SourceReader([1, 2, 3]).total).toBe(3);
    const gen = new SourceReader((function* () { yield 1; yield 2; yield 3; })());
    expect(gen.total).toBeUndefined();
    expect(await gen.take(2)).toEqual([1, 2]);
    expect(await gen.take(2)).toEqual([3]);
    expect(await gen.take(2)).toEqual([]);
    const agen = new SourceReader((async function* () { yield 1; yield 2; })());
    expect(await agen.skip(5)).toBe(2);
  });

  test('a sparse array gives undefined for its holes; close() lets a generator clean up', async () => {
    expect(await new SourceReader([1, , 3]).take(3)).toEqual([1, undefined, 3]);
    let cleaned = false;
    const reader = new SourceReader((function* () { try { yield 1; yield 2; } finally { cleaned = true; } })());
    await reader.take(1);
    reader.close();
    expect(cleaned).toBe(true);
  });
});

describe('rows', () => {
  test('an item is checked like run() feeds, and the error names its index', () => {
    expect(checkItem({ id: 'sum', ...sum }, { x: Float32Array.of(1, 2) }, 0, true)[0]!.dims).toEqual([1, 2]);
    for (const bad of [{ x: new Float32Array(3) }, { x: new Int32Array(2) }, { y: new Float32Array(2) }, null, { x: { data: new Float32Array(4), dims: [2, 2] } }]) {
      let error: EdgeInferError | undefined;
      try {
        checkItem({ id: 'sum', ...sum }, bad, 17, true);
      } catch (e) {
        error = e as EdgeInferError;
      }
      expect(error?.code).toBe('input-invalid');
      expect(error?.details.item).toBe(17);
      expect(error?.message).toContain('item 17');
    }
  });

  test('stacked rows split back into the same rows, each in its own buffer', () => {
    const tensors = [0, 1, 2].map((i) => checkItem({ id: 'sum', ...sum }, { x: Float32Array.of(i, 10 + i) }, i, true));
    const stacked = stackRows(sum.inputs, tensors);
    expect(stacked.x).toEqual({ dtype: 'float32', dims: [3, 2], data: Float32Array.of(0, 10, 1, 11, 2, 12) });
    const parts = splitRows('sum', { y: { dtype: 'float32', dims: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) } }, 3);
    expect(parts.map((p) => [...p.y!.data])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(parts.map((p) => p.y!.dims)).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(parts[0]!.y!.data.buffer).not.toBe(parts[1]!.y!.data.buffer);
    expect(parts[0]!.y!.data.buffer.byteLength).toBe(8);
    expect(codeOf(() => splitRows('sum', { y: { dtype: 'float32', dims: [1, 6], data: new Float32Array(6) } }, 3))).toBe('inference-failed');
  });

  test('groups cut where the dims after the first change', () => {
    const t = (width: number) => [{ dtype: 'float32' as const, dims: [1, width], data: new Float32Array(width) }];
    expect(groups([t(2), t(2), t(3), t(3), t(2)])).toEqual([[0, 2], [2, 4], [4, 5]]);
    expect(groups([t(2)])).toEqual([[0, 1]]);
  });
});

describe('runBatchJob', () => {
  test('results come back in source order whatever order batches finish in; at most `concurrency` runs in flight', async () => {
    const { model, log } = fakeModel({ delay: (call) => [9, 1, 5, 0, 3][call % 5]! });
    const result = await runBatchJob(model, items(1000), { batchSize: 7, concurrency: 4 }, { dbName: 'x' });
    expect(values(result.results)).toEqual(expected(1000));
    expect(result).toMatchObject({ done: 1000, total: 1000, skipped: 0, checkpoint: undefined });
    expect(log.runs.length).toBe(Math.ceil(1000 / 7));
    expect(log.runs.every((rows, i) => rows.length === (i < 142 ? 7 : 1000 % 7))).toBe(true);
    expect(log.maxInFlight).toBe(4);
    expect(values(await result.read(10, 13))).toEqual([10.5, 11.5, 12.5]);
  });

  test('generators and async generators work, flat rows included; a model without a batch dim runs item by item', async () => {
    const { model } = fakeModel();
    const gen = function* () { for (let i = 0; i < 50; i++) yield { x: Float32Array.of(i, 0.5) }; };
    expect(values((await runBatchJob(model, gen(), { batchSize: 8 }, { dbName: 'x' })).results)).toEqual(expected(50));
    const agen = async function* () { for (let i = 0; i < 50; i++) yield { x: { data: Float32Array.of(i, 0.5), dims: [1, 2] } }; };
    expect(values((await runBatchJob(model, agen(), { batchSize: 64 }, { dbName: 'x' })).results)).toEqual(expected(50));
    const fixed = fakeModel({ dims: [1, 2] });
    const result = await runBatchJob(fixed.model, items(20), { batchSize: 6, concurrency: 2 }, { dbName: 'x' });
    expect(values(result.results)).toEqual(expected(20));
    expect(fixed.log.runs.every((rows) => rows.length === 1)).toBe(true);
    expect(fixed.log.maxInFlight).toBeLessThanOrEqual(12);
  });

  test('a bad item at k fails the job with input-invalid naming k; nothing after its batch runs, the checkpoint keeps what was done', async () => {
    const { model, log } = fakeModel({ delay: () => 2 });
    const source = items(100);
    (source as unknown[])[45] = { x: new Float32Array(3) };
    const store = memoryStore();
    const error = await rejection(runBatchJob(model, source, { batchSize: 10, concurrency: 3, checkpoint: 'bad' }, { dbName: 'x', store }));
    expect(error.code).toBe('input-invalid');
    expect(error.details).toMatchObject({ item: 45, reason: 'input-shape' });
    expect(Math.max(...log.runs.flat())).toBeLessThan(40);
    expect(await store.checkpoint('bad')).toMatchObject({ batches: 4, done: 40, finished: false });
    const fixed = await runBatchJob(model, items(100), { batchSize: 10, checkpoint: 'bad' }, { dbName: 'x', store });
    expect(fixed).toMatchObject({ skipped: 40, done: 100 });
    expect(values(fixed.results)).toEqual(expected(100));
  });

  test('a failed run fails the job after the runs in flight settle', async () => {
    const { model, log } = fakeModel({ fail: (call) => call === 3 });
    const error = await rejection(runBatchJob(model, items(100), { batchSize: 5, concurrency: 2 }, { dbName: 'x' }));
    expect(error.code).toBe('inference-failed');
    expect(log.inFlight).toBe(0);
    expect(log.runs.length).toBeLessThan(8);
  });

  test('abort stops after the batches in flight, keeps the checkpoint and rejects with aborted; a new call resumes without rerunning', async () => {
    const { model, log } = fakeModel({ delay: () => 1 });
    const store = memoryStore();
    const controller = new AbortController();
    const events: BatchProgress[] = [];
    const error = await rejection(runBatchJob(model, items(1000), {
      batchSize: 10, concurrency: 3, checkpoint: 'job', signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.done >= 500) controller.abort();
      },
    }, { dbName: 'x', store, now: (() => { let t = 0; return () => (t += 60); })() }));
    expect(error.code).toBe('aborted');
    expect(log.inFlight).toBe(0);
    const saved = (await store.checkpoint('job'))!;
    expect(saved.done).toBe(saved.batches * 10);
    expect(saved.done).toBeGreaterThanOrEqual(500);
    expect(saved.done).toBeLessThanOrEqual(530);
    expect(events.at(-1)!.done).toBe(saved.done);
    const ranBefore = log.runs.length;
    const resumed = await runBatchJob(model, items(1000), { batchSize: 10, checkpoint: 'job' }, { dbName: 'x', store });
    expect(resumed).toMatchObject({ done: 1000, skipped: saved.done });
    expect(values(resumed.results)).toEqual(expected(1000));
    expect(log.runs.slice(ranBefore).flat()).toEqual(expected(1000, saved.done).map((v) => v - 0.5)); // only the second half ran
  });

  test('a finished job returns its stored results without touching the source', async () => {
    const { model, log } = fakeModel();
    const store = memoryStore();
    await runBatchJob(model, items(30), { batchSize: 4, checkpoint: 'done' }, { dbName: 'x', store });
    const runs = log.runs.length;
    const untouchable = { [Symbol.iterator]: () => ({ next: () => { throw new Error('read'); } }) };
    const again = await runBatchJob(model, untouchable, { batchSize: 4, checkpoint: 'done' }, { dbName: 'x', store });
    expect(again).toMatchObject({ done: 30, total: 30, skipped: 30 });
    expect(values(again.results)).toEqual(expected(30));
    expect(log.runs.length).toBe(runs);
  });

  test("results: 'store' keeps nothing in memory; read() and for await read the store", async () => {
    const { model } = fakeModel();
    const store = memoryStore();
    const result = await runBatchJob(model, items(203), { batchSize: 8, checkpoint: 'big', results: 'store' }, { dbName: 'x', store });
    expect(result.results).toEqual([]);
    expect(values(await result.read(5, 21))).toEqual(expected(21, 5));
    expect(values(await result.read(200))).toEqual([200.5, 201.5, 202.5]);
    const all: Record<string, Tensor>[] = [];
    for await (const r of result) all.push(r);
    expect(values(all)).toEqual(expected(203));
    await expect(result.read(0, 204)).rejects.toMatchObject({ code: 'options-invalid' });
    await result.delete();
    expect(store.map.size).toBe(0);
  });

  test('a checkpoint of another model, batchSize or source is options-invalid saying which; restart starts over', async () => {
    const store = memoryStore();
    await runBatchJob(fakeModel().model, items(20), { batchSize: 4, checkpoint: 'j' }, { dbName: 'x', store });
    const other = fakeModel({ sha256: 'b'.repeat(64) }).model;
    expect((await rejection(runBatchJob(other, items(20), { batchSize: 4, checkpoint: 'j' }, { dbName: 'x', store }))).details).toMatchObject({ field: 'model' });
    expect((await rejection(runBatchJob(fakeModel().model, items(20), { batchSize: 5, checkpoint: 'j' }, { dbName: 'x', store }))).details).toMatchObject({ field: 'batchSize' });
    const restarted = await runBatchJob(other, items(20), { batchSize: 5, checkpoint: 'j', restart: true }, { dbName: 'x', store });
    expect(restarted).toMatchObject({ skipped: 0, done: 20 });
    // An unfinished job fed another source: its item 0 differs.
    const { model } = fakeModel({ fail: (call) => call === 2 });
    await rejection(runBatchJob(model, items(20), { batchSize: 4, concurrency: 1, checkpoint: 'k' }, { dbName: 'x', store }));
    const shifted = items(20).map((_, i) => item(i + 1));
    const error = await rejection(runBatchJob(fakeModel().model, shifted, { batchSize: 4, checkpoint: 'k' }, { dbName: 'x', store }));
    expect(error.details).toMatchObject({ field: 'source' });
    expect((await rejection(runBatchJob(fakeModel().model, items(5), { batchSize: 4, checkpoint: 'k' }, { dbName: 'x', store }))).details).toMatchObject({ field: 'source' });
  });

  test('progress: at most one event per 100 ms, a last one with etaMs 0; rate and ETA from the items this call ran', async () => {
    const { model } = fakeModel();
    let t = 0;
    const events: BatchProgress[] = [];
    await runBatchJob(model, items(100), { batchSize: 1, concurrency: 1, onProgress: (p) => events.push(p) }, { dbName: 'x', now: () => (t += 30) });
    expect(events.length).toBeGreaterThan(10);
    expect(events.length).toBeLessThan(60);
    expect(events.at(-1)).toMatchObject({ done: 100, total: 100, skipped: 0, etaMs: 0 });
    const mid = events[5]!;
    expect(mid.rate).toBeGreaterThan(0);
    expect(mid.etaMs).toBeCloseTo(((100 - mid.done) / mid.rate) * 1000, 6);
    const unknown: BatchProgress[] = [];
    await runBatchJob(model, (function* () { yield item(0); })(), { onProgress: (p) => unknown.push(p) }, { dbName: 'x' });
    expect(unknown.at(-1)).toMatchObject({ done: 1, total: undefined });
  });

  test('a disposed model, a second run of a running job and an aborted signal are refused before any run', async () => {
    const { model, log } = fakeModel({ delay: () => 5 });
    await expect(runBatchJob({ ...model, isDisposed: true }, items(3), {}, { dbName: 'x' })).rejects.toMatchObject({ code: 'model-disposed' });
    const store = memoryStore();
    const first = runBatchJob(model, items(50), { batchSize: 5, checkpoint: 'busy' }, { dbName: 'x', store });
    await expect(runBatchJob(model, items(50), { batchSize: 5, checkpoint: 'busy' }, { dbName: 'x', store })).rejects.toMatchObject({ code: 'options-invalid' });
    await first;
    const runs = log.runs.length;
    await expect(runBatchJob(model, items(3), { signal: AbortSignal.abort() }, { dbName: 'x' })).rejects.toMatchObject({ code: 'aborted' });
    expect(log.runs.length).toBe(runs);
  });
});
