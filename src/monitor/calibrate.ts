// Drift thresholds calibrated per window size. A fixed PSI threshold (0.1, 0.25) alarms all the time on small
// windows: PSI of a window of n rows drawn from the reference distribution itself is about (bins − 1) / n. So each
// feature gets, per window size, the PSI that unchanged data exceed with probability α / k (k features: the whole
// model then false-alarms at most α per window).
import type { WindowCalibration } from './profile-types.js';
import { mulberry32 } from '../random.js';
import { chiSquareQuantile, psi } from './stats.js';

/** Default window sizes to calibrate. */
export const DEFAULT_WINDOW_SIZES: readonly number[] = Object.freeze([50, 200, 1000]);
/** Default target false-alarm rate per window for the whole model. */
export const DEFAULT_FALSE_ALARM_RATE = 0.01;
/** Default number of calibration windows per size. */
export const DEFAULT_CALIBRATION_WINDOWS = 1000;

export interface CalibrationInput {
  /** Each reference row's bin per feature, row-major: binIndex[row * features + f]. */
  readonly binIndex: Uint8Array | Uint16Array | Uint32Array;
  /** Reference share of each bin, per feature (its length is the feature's number of bins). */
  readonly reference: readonly (readonly number[])[];
  /** Reference rows. */
  readonly samples: number;
  /** @defaultValue DEFAULT_WINDOW_SIZES */
  readonly sizes?: readonly number[];
  /** @defaultValue DEFAULT_FALSE_ALARM_RATE */
  readonly falseAlarmRate?: number;
  /** Calibration windows per size. @defaultValue DEFAULT_CALIBRATION_WINDOWS */
  readonly windows?: number;
  /** Seed of the bootstrap. @defaultValue 1 */
  readonly seed?: number;
}

/**
 * For each window size n: draws B windows by a double bootstrap of the reference, computes every feature's PSI
 * per window, fits a scaled chi-square to each feature's PSI values by moments and takes its 1 − α/k quantile
 * (never below the same empirical quantile of the windows). Costs O(B · n · k) per size.
 *
 * Double bootstrap: n positions are drawn uniformly from [0, N) with replacement and each distinct position is
 * mapped to a reference row drawn uniformly (a repeated position repeats its row). A window is then a sample of a
 * resample of the reference, so its PSI carries the reference's own sampling noise (the reference shares are
 * estimates from N rows), and fresh unchanged data do not alarm more often than the target.
 */
export function calibrate(input: CalibrationInput): WindowCalibration[] {
  const { binIndex, reference, samples: rows } = input;
  const k = reference.length;
  const alpha = (input.falseAlarmRate ?? DEFAULT_FALSE_ALARM_RATE) / Math.max(k, 1);
  const windows = input.windows ?? DEFAULT_CALIBRATION_WINDOWS;
  const offsets = new Int32Array(k + 1);
  for (let f = 0; f < k; f++) offsets[f + 1] = (offsets[f] as number) + (reference[f] as readonly number[]).length;
  const counts = new Uint32Array(offsets[k] as number);
  const rowOf = new Int32Array(rows).fill(-1); // position → its row, for the current window
  const touched = new Int32Array(Math.max(...(input.sizes ?? DEFAULT_WINDOW_SIZES), 1));

  return (input.sizes ?? DEFAULT_WINDOW_SIZES).map((size) => {
    const random = mulberry32(((input.seed ?? 1) ^ Math.imul(size, 0x85ebca6b)) >>> 0);
    const scores = Array.from({ length: k }, () => new Float64Array(windows));
    for (let b = 0; b < windows; b++) {
      counts.fill(0);
      let distinct = 0;
      for (let i = 0; i < size; i++) {
        const position = Math.floor(random() * rows);
        let row = rowOf[position] as number;
        if (row < 0) {
          row = Math.floor(random() * rows);
          rowOf[position] = row;
          touched[distinct++] = position;
        }
        const base = row * k;
        for (let f = 0; f < k; f++) {
          const at = (offsets[f] as number) + (binIndex[base + f] as number);
          counts[at] = (counts[at] as number) + 1;
        }
      }
      for (let i = 0; i < distinct; i++) rowOf[touched[i] as number] = -1;
      for (let f = 0; f < k; f++) (scores[f] as Float64Array)[b] = psi(counts, reference[f] as readonly number[], offsets[f]);
    }
    return { size, thresholds: scores.map((s) => thresholdOf(s, alpha)) };
  });
}

/**
 * The PSI that unchanged windows exceed with probability `alpha`, from calibration windows' PSI values:
 * the larger of (a) a scaled chi-square c·χ²(df) fitted by moments (c = var / (2·mean), df = 2·mean² / var)
 * and (b) the empirical 1 − alpha quantile (the largest value when alpha < 1/B), so a poor fit on a lumpy
 * distribution cannot set it too low. When every window gave the same PSI (a feature the reference never saw
 * vary), the threshold sits just above that value: any window unlike the reference alarms.
 */
export function thresholdOf(scores: Float64Array, alpha: number): number {
  const n = scores.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i] as number;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((scores[i] as number) - mean) ** 2;
  variance /= Math.max(n - 1, 1);
  const sorted = Float64Array.from(scores).sort();
  const empirical = sorted[Math.min(n - 1, Math.ceil((1 - alpha) * n) - 1)] as number;
  if (!(variance > 1e-15 * mean * mean) || !(mean > 0)) return Math.max(empirical * (1 + 1e-9), 1e-12);
  const scale = variance / (2 * mean);
  const df = (2 * mean * mean) / variance;
  const fitted = scale * chiSquareQuantile(1 - alpha, df);
  const threshold = Number.isFinite(fitted) ? Math.max(fitted, empirical) : empirical * (1 + 1e-9);
  return Math.max(threshold, 1e-12);
}
