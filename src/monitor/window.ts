// A window of monitored rows: per-feature bin counts, then a score against the profile when it is full.
import { EdgeInferError, shown } from '../errors.js';
import { binOf, classBinOf } from './bins.js';
import type { Profile, ProfileFeature } from './profile-types.js';
import { chiSquare, psi } from './stats.js';

export interface WindowCounts {
  /** Rows counted. */
  readonly rows: number;
  /** Per feature (profile order): rows per bin. */
  readonly counts: readonly Uint32Array[];
}

/** Bins rows of feature values (as rowFeatures writes them) into per-feature counts. */
export class DriftWindow {
  readonly size: number;
  #rows = 0;
  #counts: Uint32Array[];
  readonly #edges: (Float64Array | undefined)[];
  readonly #classes: Int32Array;

  constructor(profile: Profile, size: number) {
    if (!(Number.isInteger(size) && size > 0)) throw new EdgeInferError('input-invalid', `window size: expected a positive integer, got ${shown(size)}`);
    this.size = size;
    this.#edges = profile.features.map((f) => (f.edges ? Float64Array.from(f.edges) : undefined));
    this.#classes = Int32Array.from(profile.features, (f) => f.classes ?? 0);
    this.#counts = fresh(profile.features);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Whether `size` rows were added. Adding more still counts them; `take()` starts the next window. */
  get full(): boolean {
    return this.#rows >= this.size;
  }

  /** Counts one row: `values[f]` is feature f's value (class index for a categorical feature). */
  add(values: ArrayLike<number>): void {
    const counts = this.#counts;
    const k = counts.length;
    if (values.length < k) throw new EdgeInferError('input-invalid', `expected ${k} feature values in a row, got ${values.length}`);
    for (let f = 0; f < k; f++) {
      const edges = this.#edges[f];
      const v = values[f] as number;
      const c = counts[f] as Uint32Array;
      const bin = edges ? binOf(edges, v) : classBinOf(this.#classes[f] as number, v);
      c[bin] = (c[bin] as number) + 1;
    }
    this.#rows++;
  }

  /** Returns the counts so far and starts an empty window. */
  take(): WindowCounts {
    const taken = { rows: this.#rows, counts: this.#counts };
    this.#counts = this.#counts.map((c) => new Uint32Array(c.length));
    this.#rows = 0;
    return taken;
  }
}

export interface FeatureScore {
  readonly name: string;
  readonly kind: 'input' | 'output';
  /** PSI of the window against the reference. */
  readonly score: number;
  /** PSI above which this feature drifted, for this window size (see thresholdsFor). */
  readonly threshold: number;
  readonly drift: boolean;
  /** Chi-square p-value of the window's counts against the reference shares (reference noise included). */
  readonly p: number;
}

/** Scores a window's counts against the profile: PSI, threshold and p-value per feature, in profile order. */
export function score(profile: Profile, counts: readonly ArrayLike<number>[], windowSize: number): FeatureScore[] {
  const k = profile.features.length;
  if (counts.length !== k) throw new EdgeInferError('input-invalid', `expected counts for ${k} features, got ${counts.length}`);
  const thresholds = thresholdsFor(profile, windowSize);
  return profile.features.map((f, i) => {
    const c = counts[i] as ArrayLike<number>;
    if (c.length !== f.reference.length) {
      throw new EdgeInferError('input-invalid', `feature ${shown(f.name)}: expected ${f.reference.length} bin counts, got ${c.length}`);
    }
    const value = psi(c, f.reference);
    const threshold = thresholds[i] as number;
    return { name: f.name, kind: f.kind, score: value, threshold, drift: value > threshold, p: chiSquare(c, f.reference, profile.samples).p };
  });
}

/**
 * Each feature's threshold for a window of n rows. The PSI of unchanged data scales with x = 1/n + 1/N (window
 * noise plus the noise of N reference rows), so thresholds are interpolated linearly in x between the two
 * calibrated sizes around n, and scaled by x(n) / x(m) from the nearest calibrated size m outside that range.
 * A calibrated size gives its own thresholds exactly.
 */
export function thresholdsFor(profile: Profile, n: number): number[] {
  if (!(Number.isInteger(n) && n > 0)) throw new EdgeInferError('input-invalid', `window size: expected a positive integer, got ${shown(n)}`);
  const windows = [...profile.windows].sort((a, b) => a.size - b.size);
  if (windows.length === 0) throw new EdgeInferError('profile-invalid', 'windows: expected at least one calibrated window size, got none');
  const x = (size: number) => 1 / size + 1 / profile.samples;
  const below = windows.filter((w) => w.size <= n).pop();
  const above = windows.find((w) => w.size >= n);
  let thresholds: number[];
  if (below && above && below.size !== above.size) {
    const t = (x(n) - x(below.size)) / (x(above.size) - x(below.size));
    thresholds = below.thresholds.map((low, f) => low + t * ((above.thresholds[f] as number) - low));
  } else {
    const nearest = (below ?? above) as (typeof windows)[number];
    const ratio = x(n) / x(nearest.size);
    thresholds = nearest.thresholds.map((v) => v * ratio);
  }
  // A feature the reference never saw vary (the VAD's sample rate) drifts as soon as one row leaves its bin: its
  // threshold is the PSI of n rows all in that bin, computed for this n, since scaling it would not be exact.
  profile.features.forEach((f, i) => {
    const only = f.reference.findIndex((share) => share > 0);
    if (f.reference.some((share, bin) => share > 0 && bin !== only)) return;
    const inside = new Array<number>(f.reference.length).fill(0);
    inside[only] = n;
    thresholds[i] = psi(inside, f.reference) * (1 + 1e-9) + 1e-12;
  });
  return thresholds;
}

function fresh(features: readonly ProfileFeature[]): Uint32Array[] {
  return features.map((f) => new Uint32Array(f.reference.length));
}
