import { expect, test } from 'vitest';
import {
  chiSquare, chiSquarePValue, chiSquareQuantile, gammaQ, logGamma, normalQuantile, psi,
} from '../../../src/monitor/stats.js';
import { mulberry32 } from '../../../src/random.js';

test('chi-square p-values match tables', () => {
  expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
  expect(chiSquarePValue(18.307038053275146, 10)).toBeCloseTo(0.05, 10);
  expect(chiSquarePValue(6.634896601021214, 1)).toBeCloseTo(0.01, 10);
  expect(chiSquarePValue(5, 2)).toBeCloseTo(Math.exp(-2.5), 12); // df 2: exactly e^(-x/2)
  expect(chiSquarePValue(10, 4)).toBeCloseTo(6 * Math.exp(-5), 14); // df 4: e^(-x/2) (1 + x/2)
  expect(chiSquarePValue(400, 300)).toBeGreaterThan(0);
  expect(chiSquarePValue(0, 3)).toBe(1);
});

test('chi-square quantiles invert the p-value, also for fractional df', () => {
  expect(chiSquareQuantile(0.95, 10)).toBeCloseTo(18.307038053275146, 8);
  expect(chiSquareQuantile(0.99, 1)).toBeCloseTo(6.634896601021214, 8);
  expect(chiSquareQuantile(0.999, 3)).toBeCloseTo(16.26623619623813, 8);
  for (const df of [0.3, 1.7, 9, 250]) {
    for (const p of [0.5, 0.99, 1 - 1e-6]) expect(chiSquarePValue(chiSquareQuantile(p, df), df)).toBeCloseTo(1 - p, 9);
  }
  expect(chiSquareQuantile(0, 4)).toBe(0);
  expect(chiSquareQuantile(1, 4)).toBe(Infinity);
});

test('normal quantiles to 1e-6', () => {
  expect(normalQuantile(0.5)).toBe(0);
  expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
  expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 6);
  expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 6);
  expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 6);
  expect(normalQuantile(1 - 1e-9)).toBeCloseTo(5.997807015007688, 6);
  expect(normalQuantile(0)).toBe(-Infinity);
});

test('incomplete gamma and log-gamma on known values', () => {
  expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
  expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  expect(gammaQ(1, 2)).toBeCloseTo(Math.exp(-2), 14); // Q(1, x) = e^(-x)
  expect(gammaQ(3, 0)).toBe(1);
});

test('PSI: zero-ish when the window matches, known value otherwise, finite with empty bins', () => {
  const reference = [0.25, 0.25, 0.25, 0.25];
  // Smoothing: (25.5 / 102) = 0.25 exactly, so a perfectly matching window scores 0.
  expect(psi([25, 25, 25, 25], reference)).toBeCloseTo(0, 15);
  const w = [40.5 / 102, 10.5 / 102, 25.5 / 102, 25.5 / 102];
  const expected = w.reduce((s, x) => s + (x - 0.25) * Math.log(x / 0.25), 0);
  expect(psi([40, 10, 25, 25], reference)).toBeCloseTo(expected, 14);
  expect(Number.isFinite(psi([100, 0, 0, 0], [0, 0, 0.5, 0.5]))).toBe(true);
  expect(psi([0, 0, 9, 1, 25, 25, 25, 25], reference, 4)).toBeCloseTo(0, 15); // reads at the offset
});

test('chi-square of counts: the reference-rows correction and a bin the reference never saw', () => {
  const plain = chiSquare([40, 10, 25, 25], [0.25, 0.25, 0.25, 0.25]);
  expect(plain.stat).toBeCloseTo(18, 10);
  expect(plain.df).toBe(3);
  expect(plain.p).toBeCloseTo(chiSquarePValue(18, 3), 14);
  expect(chiSquare([40, 10, 25, 25], [0.25, 0.25, 0.25, 0.25], 100).stat).toBeCloseTo(9, 10); // / (1 + 100/100)
  expect(chiSquare([10, 0], [1, 0]).p).toBe(1);
  expect(chiSquare([9, 1], [1, 0]).p).toBe(0);
});

test('mulberry32 is seeded, deterministic and uniform', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const first = Array.from({ length: 5 }, a);
  expect(Array.from({ length: 5 }, b)).toEqual(first);
  expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(first);
  const r = mulberry32(1);
  let sum = 0;
  let outside = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r();
    if (!(x >= 0 && x < 1)) outside++;
    sum += x;
  }
  expect(outside).toBe(0);
  expect(sum / 100_000).toBeCloseTo(0.5, 2);
});
