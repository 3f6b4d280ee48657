import { describe, expect, test } from 'vitest';
import { Guard } from '../../../src/worker/guard.js';
import { compareOutputs, hasNonFinite } from '../../../src/worker/agreement.js';
import type { Tensor } from '../../../src/tensor.js';

const t = (data: number[], dims = [1, data.length]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(data) });

describe('Guard', () => {
  test('judges nothing before minRuns runs, then the error rate over the last minRuns', () => {
    const guard = new Guard({ minRuns: 10, maxErrorRate: 0.2 });
    for (let i = 0; i < 9; i++) expect(guard.run(i < 5 ? undefined : 1)).toBeUndefined(); // 5 failures, but only 9 runs
    expect(guard.run(1)).toEqual({ code: 'max-error-rate', detail: '50% failed over the last 10 runs, limit 20%' });
    expect(guard.report()).toMatchObject({ runs: 10, failed: 5, errorRate: 0.5 });
  });

  test('the window slides: old failures fall out of it', () => {
    const guard = new Guard({ minRuns: 10, maxErrorRate: 0.3 });
    for (let i = 0; i < 3; i++) guard.run(undefined);
    for (let i = 0; i < 7; i++) expect(guard.run(1)).toBeUndefined(); // 30% is not above 30%
    for (let i = 0; i < 10; i++) expect(guard.run(1)).toBeUndefined();
    expect(guard.report()).toMatchObject({ runs: 20, failed: 3, errorRate: 0 });
  });

  test('p95 of the window against maxP95Ms; failed runs have no time', () => {
    const guard = new Guard({ minRuns: 20, maxP95Ms: 10 });
    for (let i = 0; i < 19; i++) expect(guard.run(i === 0 ? 50 : 1)).toBeUndefined();
    expect(guard.run(1)).toBeUndefined(); // one slow run in 20 is the 100th percentile, not the 95th
    const slow = new Guard({ minRuns: 20, maxP95Ms: 10 });
    let breach;
    for (let i = 0; i < 20; i++) breach = slow.run(i < 2 ? 50 : 1);
    expect(breach).toEqual({ code: 'max-p95-ms', detail: 'p95 50 ms over the last 20 runs, limit 10 ms' });
  });

  test('agreement over the last minRuns comparisons', () => {
    const guard = new Guard({ minRuns: 4, minAgreement: 0.75 });
    expect(guard.compare(true)).toBeUndefined();
    expect(guard.compare(false)).toBeUndefined();
    expect(guard.compare(true)).toBeUndefined();
    expect(guard.compare(true)).toBeUndefined(); // 3 of 4
    expect(guard.compare(false)).toEqual({ code: 'min-agreement', detail: 'agreed with stable on 50% of the last 4 compared runs, limit 75%' });
    expect(guard.report()).toMatchObject({ compared: 5, agreed: 3, agreement: 0.5 });
  });

  test('a large window is judged every minRuns/20 runs, not after each', () => {
    const guard = new Guard({ minRuns: 100, maxErrorRate: 0 });
    for (let i = 0; i < 100; i++) guard.run(1);
    const results = Array.from({ length: 5 }, () => guard.run(undefined));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[4]).toMatchObject({ code: 'max-error-rate' });
  });
});

describe('compareOutputs', () => {
  test('a class axis: the same top-1 per row agrees, whatever the values', () => {
    expect(compareOutputs({ y: t([0.1, 0.7, 0.2, 0.5, 0.4, 0.1], [2, 3]) }, { y: t([0.2, 0.5, 0.3, 0.6, 0.3, 0.1], [2, 3]) }, 1e-3)).toEqual({ agree: true, maxAbsDiff: expect.closeTo(0.2, 6) });
    expect(compareOutputs({ y: t([0.1, 0.7, 0.2, 0.5, 0.4, 0.1], [2, 3]) }, { y: t([0.1, 0.7, 0.2, 0.4, 0.5, 0.1], [2, 3]) }, 1e-3).agree).toBe(false);
  });

  test('no class axis: every value within the tolerance, relative to max(1, |served|)', () => {
    expect(compareOutputs({ y: t([1000], [1, 1]) }, { y: t([1000.5], [1, 1]) }, 1e-3).agree).toBe(true);
    expect(compareOutputs({ y: t([0.5], [1, 1]) }, { y: t([0.502], [1, 1]) }, 1e-3).agree).toBe(false);
  });

  test('NaN, a missing output or another size never agrees', () => {
    expect(compareOutputs({ y: t([0.1, 0.9]) }, { y: t([Number.NaN, Number.NaN]) }, 1e-3)).toEqual({ agree: false, maxAbsDiff: Infinity });
    expect(compareOutputs({ y: t([1]) }, { z: t([1]) }, 1e-3)).toEqual({ agree: false, maxAbsDiff: Infinity });
    expect(compareOutputs({ y: t([1, 2]) }, { y: t([1]) }, 1e-3).agree).toBe(false);
  });

  test('float16 outputs are compared as numbers, not as raw words', () => {
    const half = (bits: number[]): Tensor => ({ dtype: 'float16', dims: [1, 1], data: Uint16Array.from(bits) });
    expect(compareOutputs({ y: half([0x3c00]) }, { y: half([0x3c01]) }, 1e-2)).toEqual({ agree: true, maxAbsDiff: 2 ** -10 }); // 1 and 1.000977
  });
});

test('hasNonFinite looks at float outputs only', () => {
  expect(hasNonFinite({ y: t([1, 2]) })).toBe(false);
  expect(hasNonFinite({ y: t([1, Number.POSITIVE_INFINITY]) })).toBe(true);
  expect(hasNonFinite({ y: { dtype: 'float16', dims: [1], data: Uint16Array.from([0x7e00]) } })).toBe(true);
  expect(hasNonFinite({ y: { dtype: 'int32', dims: [1], data: Int32Array.from([0x7fffffff]) } })).toBe(false);
});
