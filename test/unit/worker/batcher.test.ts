import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor.js';
import { Batcher, type BatcherHost, type BatchReply, type Scheduler } from '../../../src/worker/batcher.js';

/** A clock and event-loop turns driven by the test. */
class FakeScheduler implements Scheduler {
  time = 0;
  private waiting: (() => void)[] = [];
  now = () => this.time;
  tick = (fn: () => void) => void this.waiting.push(fn);
  /** Runs the callbacks queued so far (one turn of the loop), then lets promise reactions settle. */
  async turn(advanceMs = 0): Promise<void> {
    await settle();
    this.time += advanceMs;
    const due = this.waiting;
    this.waiting = [];
    for (const fn of due) fn();
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** y = 2x per row; every session.run is recorded by its row count. */
function fakeHost(overrides: Partial<BatcherHost> = {}) {
  const runs: number[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const host: BatcherHost = {
    id: 'm',
    inputNames: ['x'],
    enqueue(task) {
      queued++;
      const result = tail.then(task).finally(() => queued--);
      tail = result.catch(() => undefined);
      return result;
    },
    idle: () => queued === 0,
    async run(feeds) {
      const x = feeds.x!;
      runs.push(x.dims[0] ?? 0);
      return { outputs: { y: { dtype: 'float32', dims: [...x.dims], data: (x.data as Float32Array).map((v) => 2 * v) } }, inferenceMs: 1 };
    },
    ...overrides,
  };
  return { host, runs };
}

const x = (rows: number, value: number, width = 3): Record<string, Tensor> => ({
  x: { dtype: 'float32', dims: [rows, width], data: new Float32Array(rows * width).map((_, i) => value + i) },
});

async function drain(scheduler: FakeScheduler, turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await scheduler.turn();
}

describe('Batcher', () => {
  test('a lone request on an idle session runs at once; requests arriving while it runs form the next batch', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const first = batcher.submit(x(1, 10), true);
    const later = [batcher.submit(x(1, 20), true), batcher.submit(x(1, 30), true)];
    await settle(); // no turn of the event loop needed
    expect((await first).batchSize).toBe(1);
    expect(runs).toEqual([1]);
    await drain(scheduler);
    expect((await Promise.all(later)).map((r) => r.batchSize)).toEqual([2, 2]);
    expect(runs).toEqual([1, 2]);
  });

  test('merges requests that arrive together into one run and splits the outputs back exactly', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const replies = [batcher.submit(x(1, 10)), batcher.submit(x(2, 20)), batcher.submit(x(1, 30))];
    await drain(scheduler);
    const [a, b, c] = await Promise.all(replies);
    expect(runs).toEqual([4]);
    expect([...a!.outputs.y!.data]).toEqual([20, 22, 24]);
    expect(b!.outputs.y!.dims).toEqual([2, 3]);
    expect([...b!.outputs.y!.data]).toEqual([40, 42, 44, 46, 48, 50]);
    expect([...c!.outputs.y!.data]).toEqual([60, 62, 64]);
    expect([a!.batchSize, b!.batchSize, c!.batchSize]).toEqual([3, 3, 3]);
    // Each caller's outputs own their buffer, so they can move to the main thread separately.
    expect(a!.outputs.y!.data.buffer).not.toBe(b!.outputs.y!.data.buffer);
    expect(a!.outputs.y!.data.byteLength).toBe(a!.outputs.y!.data.buffer.byteLength);
  });

  test('a lone request waits one turn, then runs alone with its outputs untouched', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const reply = batcher.submit(x(1, 1));
    await settle();
    expect(runs).toEqual([]);
    await scheduler.turn();
    expect(runs).toEqual([1]);
    expect((await reply).batchSize).toBe(1);
  });

  test('never stacks more than maxBatch rows', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 4, maxDelayMs: 2 }, scheduler);
    const replies = Array.from({ length: 10 }, (_, i) => batcher.submit(x(1, i)));
    replies.push(batcher.submit(x(3, 100)), batcher.submit(x(5, 200)));
    await drain(scheduler);
    const results = await Promise.all(replies);
    // The 3-row request does not fit beside the last two singles, so it starts its own batch; 5 rows run alone.
    expect(runs).toEqual([4, 4, 2, 3, 5]);
    results.slice(0, 10).forEach((r, i) => expect(r.outputs.y!.data[0]).toBe(2 * i));
  });

  test('requests whose non-batch dims or dtypes differ go to separate batches', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const replies = [batcher.submit(x(1, 1, 3)), batcher.submit(x(1, 2, 4)), batcher.submit(x(1, 3, 3)), batcher.submit(x(1, 4, 4))];
    await drain(scheduler);
    const results = await Promise.all(replies);
    expect(runs).toEqual([2, 2]);
    expect(results.map((r) => r.outputs.y!.dims[1])).toEqual([3, 4, 3, 4]);
    expect(results.map((r) => r.outputs.y!.data[0])).toEqual([2, 4, 6, 8]);
  });

  test('requests that cannot be stacked run alone: scalar inputs, zero rows, inputs with different rows', async () => {
    const { host, runs } = fakeHost({ inputNames: ['x', 'z'] });
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const scalar = { dtype: 'float32', dims: [], data: new Float32Array(1) } as Tensor;
    const replies = [
      batcher.submit({ ...x(1, 1), z: scalar }),
      batcher.submit({ ...x(1, 1), z: x(2, 0).x! }),
      batcher.submit({ ...x(0, 1), z: x(0, 0).x! }),
    ];
    await drain(scheduler);
    expect((await Promise.all(replies)).map((r) => r.batchSize)).toEqual([1, 1, 1]);
    expect(runs).toEqual([1, 1, 0]);
  });

  test('malformed requests fail alone with their own code; the valid ones still share a batch', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const bad: [Record<string, Tensor>, string][] = [
      [{ x: { dtype: 'float32', dims: [1, 3], data: new Float32Array(2) } }, 'input-shape'],
      [{ x: { dtype: 'float32', dims: [1, 3], data: new Int32Array(3) } }, 'input-dtype'],
      [{ x: { dtype: 'float32', dims: [1, -3], data: new Float32Array(3) } }, 'input-shape'],
      [{ x: { dtype: 'float32', dims: [1, 3], data: [1, 2, 3] as unknown as Float32Array } }, 'input-invalid'],
      [{ ...x(1, 0), w: x(1, 0).x! }, 'input-unknown'],
      [{}, 'input-missing'],
    ];
    const replies = [batcher.submit(x(1, 1)), ...bad.map(([feeds]) => batcher.submit(feeds)), batcher.submit(x(1, 2))];
    await drain(scheduler);
    const settled = await Promise.allSettled(replies);
    const codes = settled.slice(1, -1).map((s) => (s.status === 'rejected' ? (s.reason as EdgeInferError).code : 'resolved'));
    expect(codes).toEqual(bad.map(([, c]) => c));
    const value = (s: PromiseSettledResult<BatchReply> | undefined) => (s as PromiseFulfilledResult<BatchReply>).value.outputs.y!.data[0];
    expect([value(settled[0]), value(settled.at(-1))]).toEqual([2, 4]);
    expect(runs).toEqual([2]);
  });

  test('a failed batched run rejects every member with a typed error and is not retried', async () => {
    let calls = 0;
    const { host } = fakeHost({
      run: async () => {
        calls++;
        throw new Error('out of memory');
      },
    });
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const replies = Array.from({ length: 5 }, (_, i) => batcher.submit(x(1, i)));
    await drain(scheduler);
    for (const s of await Promise.allSettled(replies)) {
      expect(s.status).toBe('rejected');
      const error = (s as PromiseRejectedResult).reason as EdgeInferError;
      expect(error).toBeInstanceOf(EdgeInferError);
      expect(error.code).toBe('inference-failed');
      expect(error.details).toMatchObject({ model: 'm', batchSize: 5 });
    }
    expect(calls).toBe(1);
  });

  test('outputs whose first dim is not the stacked rows fail the whole batch instead of being cut wrongly', async () => {
    const { host } = fakeHost({
      run: async () => ({ outputs: { y: { dtype: 'float32', dims: [1, 3], data: new Float32Array(3) } }, inferenceMs: 1 }),
    });
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const replies = [batcher.submit(x(1, 1)), batcher.submit(x(1, 2))];
    await drain(scheduler);
    for (const s of await Promise.allSettled(replies)) expect(((s as PromiseRejectedResult).reason as EdgeInferError).code).toBe('inference-failed');
  });

  test('keeps waiting while requests keep arriving, but no longer than maxDelayMs', async () => {
    const { host, runs } = fakeHost();
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const replies = [batcher.submit(x(1, 0))];
    for (let t = 1; t <= 5; t++) {
      await settle();
      replies.push(batcher.submit(x(1, t))); // one more arrival during each turn, 1 ms apart
      await scheduler.turn(1);
    }
    await drain(scheduler);
    await Promise.all(replies);
    expect(runs[0]).toBe(3); // left at 2 ms with the requests of t = 0, 1, 2
    expect(runs.reduce((a, b) => a + b, 0)).toBe(6);
  });

  test('requests arriving while the session is busy form the next batch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { host: base, runs } = fakeHost();
    const host = { ...base, run: async (feeds: Record<string, Tensor>) => (runs.length === 0 ? gate.then(() => base.run(feeds)) : base.run(feeds)) };
    const scheduler = new FakeScheduler();
    const batcher = new Batcher(host, { maxBatch: 64, maxDelayMs: 2 }, scheduler);
    const first = batcher.submit(x(1, 0));
    await scheduler.turn(); // the first request leaves alone and holds the session
    const later = Array.from({ length: 6 }, (_, i) => batcher.submit(x(1, i + 1)));
    scheduler.time += 50; // far past maxDelayMs while the session is busy
    await drain(scheduler);
    expect(runs).toEqual([]);
    release();
    await drain(scheduler);
    await Promise.all([first, ...later]);
    expect(runs).toEqual([1, 6]);
  });
});
