import { describe, expect, test } from 'vitest';
import { hashTensors, sameTensor } from '../../../src/cache/hash.js';
import type { Tensor } from '../../../src/tensor.js';

const f32 = (values: number[], dims = [values.length]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const key = (tensors: Tensor[]) => {
  const { lo, hi } = hashTensors(tensors);
  return `${lo}:${hi}`;
};

describe('hashTensors', () => {
  test('is stable for equal inputs, wherever their bytes sit', () => {
    const buffer = new ArrayBuffer(64);
    const view = new Float32Array(buffer, 8, 4);
    view.set([1, 2, 3, 4]);
    expect(key([f32([1, 2, 3, 4])])).toBe(key([{ dtype: 'float32', dims: [4], data: view }]));
  });

  test('differs when only the dims differ', () => {
    expect(key([f32([1, 2, 3, 4, 5, 6], [2, 3])])).not.toBe(key([f32([1, 2, 3, 4, 5, 6], [3, 2])]));
    expect(key([f32([1, 2, 3, 4], [4])])).not.toBe(key([f32([1, 2, 3, 4], [1, 4])]));
  });

  test('differs when only the dtype differs (same bytes)', () => {
    const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
    const asInt: Tensor = { dtype: 'int32', dims: [2], data: new Int32Array(bytes.buffer.slice(0)) };
    const asUint: Tensor = { dtype: 'uint32', dims: [2], data: new Uint32Array(bytes.buffer.slice(0)) };
    expect(key([asInt])).not.toBe(key([asUint]));
  });

  test('covers every input, unaligned byte tails and bigint data', () => {
    const odd = new Uint8Array(new ArrayBuffer(16), 1, 7).fill(5);
    const base = [{ dtype: 'uint8', dims: [7], data: odd } as Tensor, f32([0])];
    const changed = [{ dtype: 'uint8', dims: [7], data: Uint8Array.from([5, 5, 5, 5, 5, 5, 6]) } as Tensor, f32([0])];
    expect(key(base)).not.toBe(key(changed));
    expect(key(base)).toBe(key([{ dtype: 'uint8', dims: [7], data: new Uint8Array(7).fill(5) }, f32([0])]));
    expect(key(base)).not.toBe(key([base[0]!, f32([1])]));
    const big = (v: bigint): Tensor => ({ dtype: 'int64', dims: [], data: BigInt64Array.of(v) });
    expect(key([big(16000n)])).not.toBe(key([big(8000n)]));
  });

  test('has no collisions over 100,000 nearby inputs (64 bits)', () => {
    const seen = new Set<string>();
    const data = new Float32Array(784);
    for (let i = 0; i < 100_000; i++) {
      data[i % 784] = i;
      seen.add(key([{ dtype: 'float32', dims: [1, 784], data }]));
    }
    expect(seen.size).toBe(100_000);
  });
});

describe('sameTensor', () => {
  test('compares bits, not float values', () => {
    expect(sameTensor(f32([0]), f32([-0]))).toBe(false);
    expect(sameTensor(f32([NaN]), f32([NaN]))).toBe(true);
    expect(sameTensor(f32([1, 2], [2]), f32([1, 2], [1, 2]))).toBe(false);
  });
});
