import { describe, expect, test } from 'vitest';
import { calibrate, thresholdOf } from '../../../src/monitor/calibrate.js';
import { bindRows, rowFeatures } from '../../../src/monitor/features.js';
import { buildProfile, planOfProfile } from '../../../src/monitor/profile.js';
import type { Profile } from '../../../src/monitor/profile-types.js';
import { DriftWindow, score } from '../../../src/monitor/window.js';
import { SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS, syntheticRows } from './synthetic.js';

const profile = buildProfile({ inputs: SYNTHETIC_INPUTS, outputs: SYNTHETIC_OUTPUTS, rows: syntheticRows(4000, 7), seed: 11 });

/** Scores `windows` windows of `size` fresh rows (a new seed: not the reference rows). */
function windowsOf(p: Profile, size: number, windows: number, seed: number, shift = 0): { calibrated: number; fixed: number } {
  const rows = syntheticRows(size * windows, seed, shift);
  const bound = bindRows(planOfProfile(p), rows);
  const values = new Float64Array(p.features.length);
  const window = new DriftWindow(p, size);
  let calibrated = 0;
  let fixed = 0;
  for (let r = 0; r < bound.rows; r++) {
    window.add(rowFeatures(bound, r, values));
    if (!window.full) continue;
    const scores = score(p, window.take().counts, size);
    if (scores.some((s) => s.drift)) calibrated++;
    if (scores.some((s) => s.score >= 0.1)) fixed++;
  }
  return { calibrated: calibrated / windows, fixed: fixed / windows };
}

describe('calibrated thresholds on unchanged data', () => {
  // The target is 1% per window for the whole model; fresh windows come from a new seed, not the reference rows.
  test.each([[50, 2000], [200, 2000], [1000, 1000]])('false alarms at n = %i stay within 1.5 percent over %i fresh windows', (size, windows) => {
    const rates = windowsOf(profile, size, windows, 1000 + size);
    console.log(`n=${size}: calibrated ${(rates.calibrated * 100).toFixed(2)}%, fixed PSI >= 0.1 ${(rates.fixed * 100).toFixed(2)}%`);
    expect(rates.calibrated).toBeLessThanOrEqual(0.015);
    // A fixed PSI threshold of 0.1 alarms several times as often on small windows (PSI of unchanged data ~ bins / n).
    if (size === 50) expect(rates.fixed).toBeGreaterThan(0.5);
    if (size === 200) expect(rates.fixed).toBeGreaterThan(3 * Math.max(rates.calibrated, 0.01));
  });
});

test('a 0.5 SD mean shift in one feature is detected in most windows of 200', () => {
  const { calibrated } = windowsOf(profile, 200, 200, 99, 0.5);
  console.log(`shift 0.5 SD at n=200: detected in ${(calibrated * 100).toFixed(1)}%`);
  expect(calibrated).toBeGreaterThan(0.8);
});

test('thresholds shrink as windows grow and are the same for the same seed', () => {
  expect(profile.windows.map((w) => w.size)).toEqual([50, 200, 1000]);
  const [w50, w200, w1000] = profile.windows;
  profile.features.forEach((f, i) => {
    expect(w50!.thresholds[i]).toBeGreaterThan(w200!.thresholds[i]!);
    expect(w200!.thresholds[i]).toBeGreaterThan(w1000!.thresholds[i]!);
  });
  const again = buildProfile({ inputs: SYNTHETIC_INPUTS, outputs: SYNTHETIC_OUTPUTS, rows: syntheticRows(4000, 7), seed: 11 });
  expect(again.windows).toEqual(profile.windows);
});

test('a feature the reference never saw vary alarms on any row unlike it', () => {
  // One feature, all rows in bin 0 of two: every calibration window has the same PSI.
  const [w] = calibrate({ binIndex: new Uint8Array(500), reference: [[1, 0]], samples: 500, sizes: [50], windows: 200 });
  const t = w!.thresholds[0]!;
  expect(Number.isFinite(t)).toBe(true);
  const same = score1([50, 0], [1, 0]);
  expect(same).toBeLessThan(t);
  expect(score1([49, 1], [1, 0])).toBeGreaterThan(t);
});

test('thresholdOf is the larger of the chi-square fit and the empirical quantile', () => {
  const scores = Float64Array.from({ length: 1000 }, (_, i) => (i === 999 ? 5 : 0.01 + (i % 10) * 0.001));
  expect(thresholdOf(scores, 0.0001)).toBeGreaterThanOrEqual(5); // the outlier is the empirical quantile
  expect(thresholdOf(new Float64Array(100).fill(0.2), 0.01)).toBeCloseTo(0.2, 9);
});

function score1(counts: number[], reference: number[]): number {
  const p: Profile = { ...profile, features: [{ name: 'f', kind: 'input', tensor: 'x', source: { of: 'mean' }, edges: [0], reference }], windows: [{ size: 50, thresholds: [1] }] };
  return score(p, [Uint32Array.from(counts)], 50)[0]!.score;
}
