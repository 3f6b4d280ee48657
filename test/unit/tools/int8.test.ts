import { expect, test } from 'vitest';
import { quantizeInt8 } from '../../../src/tools/quantize/int8.js';

test('per-tensor: symmetric, the largest magnitude maps to 127', () => {
  const q = quantizeInt8(Float32Array.of(-2, -1, 0, 0.5, 1.27), [5], undefined);
  expect(q.scales).toEqual(Float32Array.of(2 / 127));
  expect([...q.values]).toEqual([-127, -64, 0, 32, 81]);
  expect(q.axis).toBeUndefined();
});

test('per-channel along an axis, each channel with its own scale', () => {
  // [2, 3] with channels on axis 1 (columns) and on axis 0 (rows)
  const values = Float32Array.of(1, 10, -0.1, -1, 5, 0.1);
  const cols = quantizeInt8(values, [2, 3], 1);
  expect([...cols.scales].map((s) => s * 127)).toEqual([1, 10, 0.1].map((m) => expect.closeTo(m, 5)));
  expect([...cols.values]).toEqual([127, 127, -127, -127, 64, 127]);
  const rows = quantizeInt8(values, [2, 3], 0);
  expect([...rows.scales].map((s) => s * 127)).toEqual([expect.closeTo(10, 5), expect.closeTo(5, 5)]);
  expect(cols.relativeError).toBeLessThan(rows.relativeError);
});

test('an all-zero channel gets scale 1 and zeros, not a division by zero', () => {
  const q = quantizeInt8(Float32Array.of(0, 0, 3, -3), [2, 2], 0);
  expect([...q.scales]).toEqual([1, 3 / 127].map((s) => expect.closeTo(s, 7)));
  expect([...q.values]).toEqual([0, 0, 127, -127]);
});

test('the dequantized weights stay within half a step of the originals', () => {
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
  const q = quantizeInt8(values, [100, 10], 1);
  values.forEach((v, i) => expect(Math.abs((q.values[i] as number) * (q.scales[i % 10] as number) - v)).toBeLessThanOrEqual((q.scales[i % 10] as number) / 2 + 1e-6));
  expect(q.relativeError).toBeLessThan(0.01);
});
