import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../../src/index.js';
import { agreement, classifierOutput, halfToNumber, percentile, settled } from '../../../demo/lab/stats.js';
import { halfBits } from '../../../src/probe-feeds.js';

const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

describe('percentile', () => {
  test('interpolates between ranks, whatever the order', () => {
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([2, 1], 50)).toBe(1.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95)).toBeCloseTo(10.5, 12);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });

  test('does not reorder the caller\'s array', () => {
    const timings = [3, 1, 2];
    percentile(timings, 50);
    expect(timings).toEqual([3, 1, 2]);
  });
});

describe('settled', () => {
  test('needs a few runs before it can say anything', () => {
    expect(settled([1, 1, 1, 1, 1, 1, 1])).toBe(false);
    expect(settled([1, 1, 1, 1, 1, 1, 1, 1])).toBe(true);
  });

  test('a median still moving by the last quarter is not settled; a steady one is, despite outliers', () => {
    const rising = Array.from({ length: 40 }, (_, i) => 1 + i * 0.05); // warming up the wrong way: median keeps moving
    expect(settled(rising)).toBe(false);
    const steady = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? 9 : 2 + (i % 3) * 0.001)); // rare spikes
    expect(settled(steady)).toBe(true);
  });

  test('differences below the timer resolution count as settled', () => {
    const tiny = Array.from({ length: 16 }, (_, i) => (i < 12 ? 0.1 : 0.104));
    expect(settled(tiny)).toBe(true);
    expect(settled(tiny, 0)).toBe(true); // 4 µs < 5 µs
    const jump = Array.from({ length: 16 }, (_, i) => (i < 7 ? 0.1 : 0.2)); // the median moved to 0.2 in the last quarter
    expect(settled(jump)).toBe(false);
  });
});

describe('agreement', () => {
  const probs = f32([2, 3], [0.7, 0.2, 0.1, 0.1, 0.3, 0.6]);

  test('identical outputs: no difference, cosine 1, every top-1 the same', () => {
    expect(agreement({ p: probs }, { p: probs }, 'p')).toEqual({ maxAbsDiff: 0, cosine: 1, top1: 1 });
  });

  test('one row of two with another arg-max: top-1 0.5, the largest difference and the cosine as computed', () => {
    const other = f32([2, 3], [0.7, 0.2, 0.1, 0.1, 0.6, 0.3]);
    const a = agreement({ p: other }, { p: probs }, 'p');
    expect(a.top1).toBe(0.5);
    expect(a.maxAbsDiff).toBeCloseTo(0.3, 6);
    const x = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3];
    const y = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6];
    const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
    const norm = (v: number[]) => Math.sqrt(v.reduce((s, e) => s + e * e, 0));
    expect(a.cosine).toBeCloseTo(dot / (norm(x) * norm(y)), 6);
    expect(a.cosine).toBeLessThan(1);
  });

  test('every output counts: the difference in a second output, the cosine over all values', () => {
    const logits = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const shifted = f32([2, 3], [1, 2, 3, 4, 5, 8]);
    const a = agreement({ p: probs, logits: shifted }, { p: probs, logits }, 'p');
    expect(a.maxAbsDiff).toBeCloseTo(2, 6);
    expect(a.top1).toBe(1);
    expect(a.cosine).toBeGreaterThan(0.98);
    expect(a.cosine).toBeLessThan(1);
  });

  test('no classifier, no top-1; opposite outputs have cosine -1; zeros agree with zeros', () => {
    const y = f32([1, 2], [1, -2]);
    const a = agreement({ y: f32([1, 2], [-1, 2]) }, { y });
    expect(a.top1).toBeUndefined();
    expect(a.cosine).toBeCloseTo(-1, 12);
    expect(a.maxAbsDiff).toBe(4);
    expect(agreement({ y: f32([2], [0, 0]) }, { y: f32([2], [0, 0]) })).toEqual({ maxAbsDiff: 0, cosine: 1 });
    expect(agreement({ y: f32([2], [0, 0]) }, { y: f32([2], [1, 0]) }).cosine).toBe(0);
  });

  test('NaN on one side is an infinite difference; int64 and float16 outputs compare as numbers', () => {
    expect(agreement({ y: f32([2], [NaN, 1]) }, { y: f32([2], [0, 1]) }).maxAbsDiff).toBe(Infinity);
    const ints = (v: bigint[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: BigInt64Array.from(v) });
    expect(agreement({ y: ints([1n, 5n]) }, { y: ints([1n, 2n]) }).maxAbsDiff).toBe(3);
    const half = (v: number[]): Tensor => ({ dtype: 'float16', dims: [v.length], data: Uint16Array.from(v, halfBits) });
    expect(agreement({ y: half([0.5, 0.25]) }, { y: half([0.5, 0.75]) }).maxAbsDiff).toBe(0.5);
  });

  test('a missing output or other dims cannot be compared', () => {
    expect(() => agreement({}, { p: probs })).toThrow(/output "p"/);
    expect(() => agreement({ p: { ...probs, dims: [3, 2] } }, { p: probs })).toThrow(/\[2,3\]/);
  });
});

describe('classifierOutput', () => {
  test('the output holding class probabilities, not logits or a regression', () => {
    expect(classifierOutput({ logits: f32([2, 3], [1, 2, 3, 4, 5, 6]), probabilities: probsOf() })).toBe('probabilities');
    expect(classifierOutput({ forecast: f32([2, 3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) })).toBeUndefined();
    expect(classifierOutput({ output: f32([2, 1], [1, 1]) })).toBeUndefined(); // one value per row: a score, not classes
    expect(classifierOutput({ p: f32([1, 2, 2], [0.5, 0.5, 0.5, 0.5]) })).toBeUndefined(); // not [batch, K]
  });
});

test('half-precision words decode', () => {
  expect(halfToNumber(0x3c00)).toBe(1);
  expect(halfToNumber(0xc000)).toBe(-2);
  expect(halfToNumber(0x0001)).toBe(2 ** -24);
  expect(halfToNumber(0x7c00)).toBe(Infinity);
  expect(halfToNumber(0x7e00)).toBeNaN();
  for (const v of [0.5, 0.1, 0.999, 2 ** -14]) expect(Math.abs(halfToNumber(halfBits(v)) - v)).toBeLessThanOrEqual(v * 2 ** -11);
});

function probsOf(): Tensor {
  return f32([2, 3], [0.7, 0.2, 0.1, 0.1, 0.3, 0.6]);
}
