import { expect, test } from 'vitest';
import type { Profile } from '../../../src/monitor/profile-types.js';
import { DriftWindow, score, thresholdsFor } from '../../../src/monitor/window.js';
import { codeOf } from '../code-of.js';

const profile: Profile = {
  format: 'edge-infer-profile',
  version: 1,
  model: { inputs: [{ name: 'x', dtype: 'float32', dims: ['batch'], rowDims: [] }], outputs: [{ name: 'p', dtype: 'float32', dims: ['batch', 3], rowDims: [3] }] },
  samples: 1000,
  seed: 1,
  falseAlarmRate: 0.01,
  features: [
    { name: 'x', kind: 'input', tensor: 'x', source: { of: 'value', index: 0 }, edges: [-1, 0, 1], reference: [0.25, 0.25, 0.25, 0.25] },
    { name: 'p.class', kind: 'output', tensor: 'p', source: { of: 'class' }, classes: 3, reference: [0.5, 0.3, 0.2] },
  ],
  windows: [{ size: 50, thresholds: [0.2, 0.1] }, { size: 200, thresholds: [0.05, 0.03] }, { size: 1000, thresholds: [0.012, 0.008] }],
};

test('a window bins each row, reports full and starts over on take', () => {
  const w = new DriftWindow(profile, 3);
  w.add([-2, 0]);
  w.add([0.5, 2]);
  expect(w.full).toBe(false);
  w.add([NaN, 7]); // NaN: last bin; an unknown class: the last class
  expect(w.full).toBe(true);
  w.add(Float64Array.from([1, 1])); // still counted
  const taken = w.take();
  expect(taken.rows).toBe(4);
  expect(taken.counts.map((c) => Array.from(c))).toEqual([[1, 0, 2, 1], [1, 1, 2]]);
  expect(w.rows).toBe(0);
  expect(w.full).toBe(false);
  expect(w.take().counts.map((c) => Array.from(c))).toEqual([[0, 0, 0, 0], [0, 0, 0]]);
  expect(taken.counts[0]![0]).toBe(1); // the taken counts are not reused
});

test('bad rows and sizes throw input-invalid', () => {
  expect(codeOf(() => new DriftWindow(profile, 0))).toBe('input-invalid');
  expect(codeOf(() => new DriftWindow(profile, 2.5))).toBe('input-invalid');
  expect(codeOf(() => new DriftWindow(profile, 5).add([1]))).toBe('input-invalid');
  expect(codeOf(() => score(profile, [new Uint32Array(4)], 200))).toBe('input-invalid');
  expect(codeOf(() => score(profile, [new Uint32Array(4), new Uint32Array(4)], 200))).toBe('input-invalid');
  expect(codeOf(() => thresholdsFor(profile, 0))).toBe('input-invalid');
});

test('scores: a window like the reference does not drift; a shifted one does, with a small p', () => {
  const like = score(profile, [Uint32Array.from([50, 50, 50, 50]), Uint32Array.from([100, 60, 40])], 200);
  expect(like.map((s) => s.drift)).toEqual([false, false]);
  expect(like.map((s) => s.threshold)).toEqual([0.05, 0.03]);
  expect(like[0]!.score).toBeCloseTo(0, 12);
  expect(like[0]!.p).toBeGreaterThan(0.99);
  expect(like[1]).toMatchObject({ name: 'p.class', kind: 'output' });
  const shifted = score(profile, [Uint32Array.from([10, 30, 60, 100]), Uint32Array.from([100, 60, 40])], 200);
  expect(shifted[0]).toMatchObject({ name: 'x', kind: 'input', drift: true });
  expect(shifted[0]!.score).toBeGreaterThan(0.05);
  expect(shifted[0]!.p).toBeLessThan(1e-6);
  expect(shifted[1]!.drift).toBe(false);
});

test('thresholds: exact at calibrated sizes, linear in 1/n + 1/N between them, scaled outside', () => {
  const x = (n: number) => 1 / n + 1 / profile.samples;
  expect(thresholdsFor(profile, 200)).toEqual([0.05, 0.03]);
  const t = (x(100) - x(50)) / (x(200) - x(50));
  expect(thresholdsFor(profile, 100)[0]).toBeCloseTo(0.2 + t * (0.05 - 0.2), 14);
  expect(thresholdsFor(profile, 20)[1]).toBeCloseTo(0.1 * (x(20) / x(50)), 14);
  expect(thresholdsFor(profile, 5000)[0]).toBeCloseTo(0.012 * (x(5000) / x(1000)), 14);
  let previous = Infinity;
  for (const n of [10, 50, 60, 120, 200, 500, 999, 1000, 4000]) {
    const [value] = thresholdsFor(profile, n);
    expect(value).toBeLessThan(previous);
    previous = value!;
  }
});

test('a feature the reference never saw vary drifts exactly when a row leaves its bin, at any window size', async () => {
  const { buildProfile } = await import('../../../src/monitor/profile.js');
  const rows = 300;
  const x = Float32Array.from({ length: rows }, (_, i) => (i * 7919) % 101);
  const profile = buildProfile({
    inputs: [{ name: 'x', dtype: 'float32', dims: ['n', 1] }, { name: 'sr', dtype: 'float32', dims: ['n', 1] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: ['n', 1] }],
    rows: {
      inputs: { x: { dtype: 'float32', dims: [rows, 1], data: x }, sr: { dtype: 'float32', dims: [rows, 1], data: new Float32Array(rows).fill(16000) } },
      outputs: { y: { dtype: 'float32', dims: [rows, 1], data: x } },
    },
    calibrationWindows: 100,
  });
  const sr = profile.features.findIndex((f) => f.name === 'sr[0]');
  const only = profile.features[sr]!.reference.findIndex((s) => s > 0);
  for (const n of [37, 50, 51, 200, 233, 1000, 4000]) {
    const counts = profile.features.map((f) => new Array<number>(f.reference.length).fill(0));
    counts.forEach((c, i) => (c[i === sr ? only : profile.features[i]!.reference.findIndex((s) => s > 0)] = n));
    expect(score(profile, counts, n)[sr]!.drift, `n=${n}, all at 16000`).toBe(false);
    counts[sr]![only] = n - 1;
    counts[sr]![only === 0 ? 1 : 0] = 1;
    expect(score(profile, counts, n)[sr]!.drift, `n=${n}, one row elsewhere`).toBe(true);
  }
});
