import { describe, expect, test } from 'vitest';
import { Pool, type Lane, type Replica } from '../../../src/serving/pool.js';
import { autoWorkers } from '../../../src/options.js';
import type { WorkerClient } from '../../../src/rpc/client.js';
import { EdgeInferError } from '../../../src/errors.js';

/** A pool whose lanes get a stand-in client that is alive until `kill(lane)`. */
function pool(size: number, restore = false) {
  const started: number[] = [];
  const released: Replica[] = [];
  const lost: unknown[] = [];
  const p = new Pool(size, {
    start: (lane) => {
      started.push(lane.index);
      lane.client = { alive: true } as unknown as WorkerClient;
    },
    release: (r) => void released.push(r),
    lost: (e) => void lost.push(e),
  });
  const kill = (lane: Lane) => ((lane.client as unknown as { alive: boolean }).alive = false);
  const on = (lane: Lane, handle: number): Replica => ({ lane, generation: (p.connect(lane), lane.generation), handle });
  const loads: Lane[] = [];
  const again = restore ? async (lane: Lane) => (loads.push(lane), on(lane, 100 + loads.length)) : undefined;
  return { p, started, released, lost, kill, on, loads, again };
}

describe('Pool', () => {
  test('a call goes to the replica whose worker has the fewest calls in flight', async () => {
    const { p, on } = pool(2);
    const [a, b] = p.lanes as [Lane, Lane];
    const id = p.place([on(a, 1), on(b, 7)]);
    let finish!: () => void;
    const slow = p.track(a, new Promise<void>((r) => (finish = r)));
    expect(p.pick(id).handle).toBe(7);
    const other = p.track(b, new Promise<void>(() => undefined));
    void other;
    b.busy = 2;
    expect(p.pick(id).handle).toBe(1);
    finish();
    await slow;
    expect(a.busy).toBe(0);
  });

  test('dead replicas are skipped; none left is worker-crashed', () => {
    const { p, on, kill } = pool(2);
    const [a, b] = p.lanes as [Lane, Lane];
    const id = p.place([on(a, 1), on(b, 2)]);
    kill(a);
    expect(p.pick(id).handle).toBe(2);
    expect(p.replicas(id)).toHaveLength(1);
    kill(b);
    expect(() => p.pick(id)).toThrow(EdgeInferError);
    expect(p.replicas(id)).toHaveLength(0);
  });

  test('a crashed lane gets a new worker and replicated models are loaded into it again; placed ones are not', async () => {
    const { p, on, kill, loads, again, started } = pool(2, true);
    const [a, b] = p.lanes as [Lane, Lane];
    const replicated = p.place([on(a, 1), on(b, 2)], again);
    const single = p.place([on(a, 3)]);
    kill(b);
    p.crashed(b);
    await new Promise((r) => setTimeout(r, 0));
    expect(loads).toEqual([b]);
    expect(started).toEqual([0, 1, 1]);
    expect(p.replicas(replicated).map((r) => r.handle).sort()).toEqual([1, 101]);
    expect(p.replicas(single).map((r) => r.handle)).toEqual([3]);
  });

  test('a model removed while it was restored has the new session released', async () => {
    const { p, on, kill, again, released } = pool(2, true);
    const [a, b] = p.lanes as [Lane, Lane];
    const id = p.place([on(a, 1), on(b, 2)], again);
    kill(b);
    p.crashed(b);
    expect(p.remove(id).map((r) => r.handle)).toEqual([1]);
    await new Promise((r) => setTimeout(r, 0));
    expect(released.map((r) => r.handle)).toEqual([101]);
    expect(p.add(id, on(a, 9))).toBe(false);
  });

  test('together() finds the least busy worker holding every model', () => {
    const { p, on } = pool(2);
    const [a, b] = p.lanes as [Lane, Lane];
    const both = p.place([on(a, 1), on(b, 2)]);
    const first = p.place([on(a, 3)]);
    a.busy = 5;
    expect(p.together([both])).toEqual({ lane: b, handles: [2] });
    expect(p.together([both, first])).toEqual({ lane: a, handles: [1, 3] });
  });
});

test('autoWorkers: one per spare core, threads counted, at most 4, one when memory is short', () => {
  expect(autoWorkers(0, { hardwareConcurrency: 2 }, false)).toBe(1);
  expect(autoWorkers(0, { hardwareConcurrency: 4 }, false)).toBe(3);
  expect(autoWorkers(0, { hardwareConcurrency: 16 }, false)).toBe(4);
  expect(autoWorkers(0, { hardwareConcurrency: 8 }, true)).toBe(1); // 4 threads each
  expect(autoWorkers(2, { hardwareConcurrency: 8 }, true)).toBe(3);
  expect(autoWorkers(0, { hardwareConcurrency: 8, deviceMemory: 2 }, false)).toBe(1);
  expect(autoWorkers(0, undefined, false)).toBe(1);
});
