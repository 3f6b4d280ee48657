import { describe, expect, test } from 'vitest';
import { OutputCache, type ModelCache, type PendingEntry } from '../../../src/cache/output-cache.js';
import type { Tensor } from '../../../src/tensor.js';

const input = (seed: number, length = 4): Tensor[] => [{ dtype: 'float32', dims: [1, length], data: new Float32Array(length).fill(seed) }];
const output = (value: number): Record<string, Tensor> => ({ y: { dtype: 'float32', dims: [1, 2], data: Float32Array.of(value, value + 1) } });

/** Runs the miss path like Model.run does: lookup, then store what the "worker" answered. */
function run(cache: ModelCache, seed: number, length = 4): { fromCache: boolean; y: Float32Array } {
  const found = cache.lookup(input(seed, length));
  if (found.hit) return { fromCache: true, y: found.outputs.y!.data as Float32Array };
  const outputs = output(seed);
  if (found.pending) cache.store(found.pending, outputs);
  return { fromCache: false, y: outputs.y!.data as Float32Array };
}

describe('OutputCache', () => {
  test('answers a repeated input with equal outputs and counts hits and misses', () => {
    const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }).open('digits@1');
    expect(run(model, 1).fromCache).toBe(false);
    const again = run(model, 1);
    expect(again.fromCache).toBe(true);
    expect([...again.y]).toEqual([1, 2]);
    expect(model.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1, bytes: 16 + 8 });
  });

  test('outputs handed out and inputs stored are copies: mutating them cannot corrupt the cache', () => {
    const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }).open('m');
    const feeds = input(3);
    const found = model.lookup(feeds);
    if (found.hit) throw new Error('expected a miss');
    const outputs = output(3);
    model.store(found.pending!, outputs);
    (outputs.y!.data as Float32Array).fill(-1); // the caller's own result
    (feeds[0]!.data as Float32Array).fill(99); // the caller reuses its input buffer
    const first = model.lookup(input(3));
    expect(first.hit && [...first.outputs.y!.data]).toEqual([3, 4]);
    if (first.hit) (first.outputs.y!.data as Float32Array).fill(-2);
    const second = model.lookup(input(3));
    expect(second.hit && [...second.outputs.y!.data]).toEqual([3, 4]);
    expect(model.lookup(input(99)).hit).toBe(false);
  });

  test('inputs that differ only in dims or dtype are different entries', () => {
    const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }).open('m');
    const flat: Tensor[] = [{ dtype: 'float32', dims: [4], data: new Float32Array(4) }];
    const found = model.lookup(flat);
    if (!found.hit) model.store(found.pending!, output(0));
    expect(model.lookup([{ dtype: 'float32', dims: [2, 2], data: new Float32Array(4) }]).hit).toBe(false);
    expect(model.lookup([{ dtype: 'int32', dims: [4], data: new Int32Array(4) }]).hit).toBe(false);
    expect(model.lookup(flat).hit).toBe(true);
  });

  test('models are separate namespaces, and models of the same name share entries', () => {
    const cache = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity });
    const a = cache.open('a@1');
    const b = cache.open('b@1');
    run(a, 1);
    expect(b.lookup(input(1)).hit).toBe(false);
    const a2 = cache.open('a@1');
    expect(a2.lookup(input(1)).hit).toBe(true);
    a.close();
    expect(a2.lookup(input(1)).hit).toBe(true); // still open through a2
    a2.close();
    expect(cache.open('a@1').lookup(input(1)).hit).toBe(false); // last close dropped the entries
  });

  test('stays within maxBytes: entries go, counted as rejected or evicted, and bytes match what is held', () => {
    const model = new OutputCache({ maxEntries: 1000, maxBytes: 24 * 5, ttlMs: Infinity }).open('m');
    for (let i = 0; i < 20; i++) run(model, i);
    const stats = model.stats();
    expect(stats.bytes).toBeLessThanOrEqual(120);
    expect(stats.entries).toBe(stats.bytes / 24);
    expect(stats.rejected + stats.evictions).toBe(20 - stats.entries);
    expect(run(model, 0, 64).fromCache).toBe(false); // 264 bytes: larger than the whole cache
    expect(run(model, 0, 64).fromCache).toBe(false);
    expect(model.stats().bytes).toBeLessThanOrEqual(120);
  });

  test('stays within maxEntries and keeps the frequent entries through a scan', () => {
    const model = new OutputCache({ maxEntries: 50, maxBytes: 1e9, ttlMs: Infinity }).open('m');
    for (let round = 0; round < 4; round++) for (let i = 0; i < 20; i++) run(model, i);
    for (let i = 1000; i < 1200; i++) run(model, i);
    for (let i = 0; i < 20; i++) expect(run(model, i).fromCache).toBe(true);
    expect(model.stats().entries).toBeLessThanOrEqual(50);
    expect(model.stats().rejected).toBeGreaterThan(100);
  });

  test('entries expire after ttlMs on the injected clock', () => {
    let now = 0;
    const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: 100, now: () => now }).open('m');
    run(model, 1);
    now = 99;
    expect(run(model, 1).fromCache).toBe(true);
    now = 100;
    expect(run(model, 1).fromCache).toBe(false); // expired, looked up again and stored anew
    expect(model.stats()).toMatchObject({ expired: 1, entries: 1 });
    now = 150;
    expect(run(model, 1).fromCache).toBe(true);
  });

  test('clear drops entries and keeps the counters', () => {
    const cache = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity });
    const model = cache.open('m');
    run(model, 1);
    run(model, 1);
    cache.clear();
    expect(model.stats()).toMatchObject({ hits: 1, misses: 1, entries: 0, bytes: 0 });
    expect(run(model, 1).fromCache).toBe(false);
  });
  test('inputs larger than the cache are neither hashed, copied nor stored; neither are entries over the limit', () => {
    const model = new OutputCache({ maxEntries: 10, maxBytes: 64, ttlMs: Infinity }).open('m');
    const big = model.lookup(input(1, 17)); // 68 bytes of input
    expect(big).toEqual({ hit: false });
    const edge = model.lookup(input(2, 14)); // 56 bytes of input + 8 of output = 64: fits
    model.store((edge as { pending: PendingEntry }).pending, output(2));
    const over = model.lookup(input(3, 15)); // 60 + 8 > 64
    model.store((over as { pending: PendingEntry }).pending, output(3));
    expect(model.stats()).toMatchObject({ bypassed: 1, misses: 2, entries: 1, bytes: 64 });
  });
  test('a tensor named __proto__ is an entry like any other, not a prototype', () => {
    const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }).open('m');
    const outputs: Record<string, Tensor> = {};
    Object.defineProperty(outputs, '__proto__', { value: output(5).y, enumerable: true });
    const miss = model.lookup(input(5));
    model.store((miss as { pending: PendingEntry }).pending, outputs);
    const hit = model.lookup(input(5));
    expect(hit.hit && Object.keys(hit.outputs)).toEqual(['__proto__']);
    expect(hit.hit && Object.getPrototypeOf(hit.outputs)).toBe(Object.prototype);
  });
});
