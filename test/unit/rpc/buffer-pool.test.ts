import { describe, expect, test } from 'vitest';
import { BufferPool } from '../../../src/rpc/buffer-pool.js';

describe('BufferPool', () => {
  test('a copy reuses a returned buffer of the same length and holds the source values', () => {
    const pool = new BufferPool();
    const returned = new ArrayBuffer(400);
    pool.give([returned]);
    const source = Float32Array.from({ length: 100 }, (_, i) => i);
    const copy = pool.copy(source);
    expect(copy.buffer).toBe(returned);
    expect(copy).toBeInstanceOf(Float32Array);
    expect([...copy]).toEqual([...source]);
    expect(pool.copy(source).buffer).not.toBe(returned); // taken once only
  });

  test('keeps the element type, BigInt arrays included', () => {
    const pool = new BufferPool();
    pool.give([new ArrayBuffer(800)]);
    const copy = pool.copy(BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i)));
    expect(copy).toBeInstanceOf(BigInt64Array);
    expect(copy[99]).toBe(99n);
  });

  test('a copy never shares the source buffer, and a buffer of another length is not used', () => {
    const pool = new BufferPool();
    const other = new ArrayBuffer(404);
    pool.give([other]);
    const source = new Float32Array(100);
    const copy = pool.copy(source);
    expect(copy.buffer).not.toBe(source.buffer);
    expect(copy.buffer).not.toBe(other);
  });

  test('is bounded: tiny, detached and surplus buffers are dropped', () => {
    const pool = new BufferPool(1000, 2);
    const detached = new ArrayBuffer(200);
    structuredClone(detached, { transfer: [detached] });
    const given = [new ArrayBuffer(200), new ArrayBuffer(200), new ArrayBuffer(200)];
    const tiny = new ArrayBuffer(64);
    pool.give([tiny, detached, ...given]);
    const source = new Float32Array(50);
    const taken = [pool.copy(source).buffer, pool.copy(source).buffer, pool.copy(source).buffer];
    expect(taken.slice(0, 2).every((b) => given.includes(b))).toBe(true);
    expect(given).not.toContain(taken[2]); // only two per length were kept
    expect(pool.copy(new Float32Array(16)).buffer).not.toBe(tiny); // V8 keeps arrays this small on its heap anyway
    pool.give([new ArrayBuffer(600), new ArrayBuffer(600)]); // 1,200 bytes > 1,000
    const big = new Float32Array(150);
    const first = pool.copy(big).buffer;
    expect(first.byteLength).toBe(600);
    expect(pool.copy(big).buffer).not.toBe(first);
  });

  test('copyFeeds copies every tensor and keeps names and dims', () => {
    const pool = new BufferPool();
    const data = new Float32Array([1, 2, 3]);
    const copy = pool.copyFeeds({ x: { dtype: 'float32', dims: [1, 3], data } });
    expect(copy.x!.data).not.toBe(data);
    expect([...copy.x!.data]).toEqual([1, 2, 3]);
    expect(copy.x!.dims).toEqual([1, 3]);
  });
});
