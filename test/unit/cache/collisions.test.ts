// Every input hashes alike here: a hash collision must cost a miss, never another input's outputs.
import { expect, test, vi } from 'vitest';
import { OutputCache } from '../../../src/cache/output-cache.js';
import type { Tensor } from '../../../src/tensor.js';

vi.mock('../../../src/cache/hash.js', async (original) => ({
  ...(await original<typeof import('../../../src/cache/hash.js')>()),
  hashTensors: () => ({ lo: 42, hi: 42 }),
}));

test('colliding inputs never answer with each other\'s outputs', () => {
  const model = new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }).open('m');
  const feed = (v: number): Tensor[] => [{ dtype: 'float32', dims: [1], data: Float32Array.of(v) }];
  const miss = model.lookup(feed(1));
  if (miss.hit) throw new Error('expected a miss');
  model.store(miss.pending!, { y: { dtype: 'float32', dims: [1], data: Float32Array.of(10) } });
  expect(model.lookup(feed(2)).hit).toBe(false);
  const hit = model.lookup(feed(1));
  expect(hit.hit && hit.outputs.y!.data[0]).toBe(10);
});
