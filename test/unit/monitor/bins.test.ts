import { expect, test } from 'vitest';
import { binOf, classBinOf, quantileEdges, sharesOf } from '../../../src/monitor/bins.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('edges sit at the deciles, so each bin holds a tenth of the rows', () => {
  const values = range(100).reverse(); // order does not matter
  const edges = quantileEdges(values);
  expect(edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const counts = new Array(edges.length + 1).fill(0);
  for (const v of values) counts[binOf(edges, v)]++;
  expect(counts).toEqual(new Array(10).fill(10));
  expect(quantileEdges(range(100), 4)).toEqual([25, 50, 75]);
});

test('equal edges merge: mostly zeros give fewer bins, a constant gets a bin below, at and above it', () => {
  const mostlyZeros = [...new Array(80).fill(0), ...range(20)];
  const edges = quantileEdges(mostlyZeros);
  // 0 is the first 8 deciles and 10 the ninth; 0 is also the minimum, so negatives get a bin of their own.
  expect(edges).toEqual([-Number.MIN_VALUE, 0, 10]);
  const counts = [0, 0, 0, 0];
  for (const v of [...mostlyZeros, -1e-9]) counts[binOf(edges, v)]!++;
  expect(counts).toEqual([1, 80, 10, 10]);
  const constant = quantileEdges(new Array(50).fill(3.5));
  expect(constant).toHaveLength(2);
  expect(constant[1]).toBe(3.5);
  expect([3.4999999, 3.5, 3.5000001].map((v) => binOf(constant, v))).toEqual([0, 1, 2]);
  expect(binOf(constant, constant[0]!)).toBe(0);
  expect(constant[0]).toBeLessThan(3.5);
  expect(constant[0]).toBeGreaterThan(3.5 - 1e-15);
  expect(quantileEdges(new Array(9).fill(-2))[0]).toBeLessThan(-2);
  expect(quantileEdges([-0, -0, -0])).toEqual([-Number.MIN_VALUE, 0]);
  expect(Object.is(quantileEdges([-0, -0, -0])[1], -0)).toBe(false); // no -0 in JSON
  expect(quantileEdges(range(100))[0]).toBe(10); // no extra edge when the lowest edge is above the minimum
});

test('NaN and infinities do not become edges; no finite value gives [0]', () => {
  const edges = quantileEdges([NaN, Infinity, -Infinity, ...range(10)], 2);
  expect(edges).toEqual([5]);
  expect(quantileEdges([NaN, NaN])).toEqual([0]);
});

test('binOf: upper-inclusive bins, NaN in the last one', () => {
  const edges = [0, 1, 2];
  expect(binOf(edges, -5)).toBe(0);
  expect(binOf(edges, 0)).toBe(0);
  expect(binOf(edges, 0.5)).toBe(1);
  expect(binOf(edges, 1)).toBe(1);
  expect(binOf(edges, 2)).toBe(2);
  expect(binOf(edges, 2.01)).toBe(3);
  expect(binOf(edges, Infinity)).toBe(3);
  expect(binOf(edges, -Infinity)).toBe(0);
  expect(binOf(edges, NaN)).toBe(3);
  expect(binOf([7], 7)).toBe(0);
  expect(binOf([7], 8)).toBe(1);
});

test('classBinOf keeps class indices and sends anything else to the last class', () => {
  expect(classBinOf(10, 0)).toBe(0);
  expect(classBinOf(10, 9)).toBe(9);
  expect(classBinOf(10, 10)).toBe(9);
  expect(classBinOf(10, -1)).toBe(9);
  expect(classBinOf(10, 2.5)).toBe(9);
  expect(classBinOf(10, NaN)).toBe(9);
});

test('sharesOf divides by the total', () => {
  expect(sharesOf(Uint32Array.from([1, 3, 0]))).toEqual([0.25, 0.75, 0]);
  expect(sharesOf([0, 0])).toEqual([0, 0]);
});
