import { expect, test } from 'vitest';
import { probeFeeds } from '../../src/probe-feeds.js';

test('probe inputs follow the signature: free dims 1, seeded floats in [0, 1), zero integers', () => {
  const feeds = probeFeeds([
    { name: 'pixels', dtype: 'float32', dims: ['batch', 784] },
    { name: 'state', dtype: 'float32', dims: [2, '?', 128] },
    { name: 'sr', dtype: 'int64', dims: [] },
    { name: 'any', dtype: 'uint8', dims: null },
  ])!;
  expect(Object.keys(feeds)).toEqual(['pixels', 'state', 'sr', 'any']);
  expect(feeds.pixels!.dims).toEqual([1, 784]);
  expect(feeds.state!.dims).toEqual([2, 1, 128]);
  expect(feeds.sr).toEqual({ dtype: 'int64', dims: [], data: new BigInt64Array(1) });
  expect(feeds.any!.dims).toEqual([1]);
  const pixels = feeds.pixels!.data as Float32Array;
  expect(pixels.every((v) => v >= 0 && v < 1)).toBe(true);
  expect(new Set(pixels).size).toBeGreaterThan(700);
  // The same inputs every time: probes are comparable across backends and loads.
  expect(probeFeeds([{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }])!.pixels!.data).toEqual(pixels);
});

test('an input too large to make up gives no probe inputs', () => {
  expect(probeFeeds([{ name: 'video', dtype: 'float32', dims: [64, 3, 1024, 1024] }])).toBeUndefined();
});

test('an input named __proto__ is an own key, not a prototype change', () => {
  const feeds = probeFeeds([{ name: '__proto__', dtype: 'float32', dims: [1] }])!;
  expect(Object.keys(feeds)).toEqual(['__proto__']);
  expect(Object.getPrototypeOf(feeds)).toBe(Object.prototype);
});
