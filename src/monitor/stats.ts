// The statistics behind drift checks: PSI, a chi-square test, and the distributions they need. No dependencies:
// this runs in the worker for every window, and the few functions here are small and well known.

/** Pseudo-count added to every window bin before PSI, so an empty bin gives a finite score. */
export const PSI_COUNT_SMOOTHING = 0.5;
/** Smallest reference share PSI and the chi-square test use: a bin the reference never saw still has a share. */
export const MIN_REFERENCE_SHARE = 1e-4;

/**
 * Population stability index of a window's bin counts against the reference shares:
 * sum over bins of (w − r) · ln(w / r), with w = (count + 0.5) / (n + 0.5 · bins) and r = max(share, 1e-4)
 * renormalized to sum to 1. A bin empty in both the reference and the window adds nothing: the smoothing would
 * otherwise add a constant per such bin, which shifts every score and skews the calibration's chi-square fit.
 * Reads `reference.length` counts starting at `offset`.
 */
export function psi(counts: ArrayLike<number>, reference: ArrayLike<number>, offset = 0): number {
  const bins = reference.length;
  let n = 0;
  let refTotal = 0;
  for (let i = 0; i < bins; i++) {
    n += counts[offset + i] as number;
    refTotal += Math.max(reference[i] as number, MIN_REFERENCE_SHARE);
  }
  const windowTotal = n + PSI_COUNT_SMOOTHING * bins;
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    const count = counts[offset + i] as number;
    const share = reference[i] as number;
    if (count === 0 && !(share > 0)) continue;
    const w = (count + PSI_COUNT_SMOOTHING) / windowTotal;
    const r = Math.max(share, MIN_REFERENCE_SHARE) / refTotal;
    sum += (w - r) * Math.log(w / r);
  }
  return sum;
}

export interface ChiSquareResult {
  readonly stat: number;
  readonly df: number;
  /** Probability of a statistic at least this large when nothing changed. */
  readonly p: number;
}

/**
 * Pearson's chi-square of window counts against reference shares (floored at 1e-4). When `referenceRows` is
 * given, the statistic is divided by 1 + n / referenceRows: the reference shares are themselves estimates, and
 * that is the variance a difference of two samples has. Degrees of freedom: bins the reference saw, minus one.
 */
export function chiSquare(counts: ArrayLike<number>, reference: ArrayLike<number>, referenceRows = Infinity): ChiSquareResult {
  const bins = reference.length;
  let n = 0;
  let refTotal = 0;
  let seen = 0;
  let unseen = 0; // rows in bins the reference never had
  for (let i = 0; i < bins; i++) {
    n += counts[i] as number;
    const share = reference[i] as number;
    refTotal += Math.max(share, MIN_REFERENCE_SHARE);
    if (share > 0) seen++; else unseen += counts[i] as number;
  }
  if (n === 0) return { stat: 0, df: Math.max(seen - 1, 0), p: 1 };
  let stat = 0;
  for (let i = 0; i < bins; i++) {
    if (counts[i] === 0 && !((reference[i] as number) > 0)) continue; // as in psi: empty on both sides
    const expected = (n * Math.max(reference[i] as number, MIN_REFERENCE_SHARE)) / refTotal;
    const d = (counts[i] as number) - expected;
    stat += (d * d) / expected;
  }
  stat /= 1 + n / referenceRows;
  const df = Math.max(seen - 1, 0);
  // With one bin seen there is nothing to test, unless rows landed where the reference had none.
  const p = df === 0 ? (unseen > 0 ? 0 : 1) : chiSquarePValue(stat, df);
  return { stat, df, p };
}

/** Upper tail of the chi-square distribution: P(X ≥ stat) for `df` degrees of freedom. */
export function chiSquarePValue(stat: number, df: number): number {
  if (!(stat > 0)) return 1;
  return gammaQ(df / 2, stat / 2);
}

/** Quantile of the chi-square distribution (lower tail `p`), for any positive, possibly fractional, df. */
export function chiSquareQuantile(p: number, df: number): number {
  if (!(df > 0) || Number.isNaN(p)) return NaN;
  if (p <= 0) return 0;
  if (p >= 1) return Infinity;
  const a = df / 2;
  const tail = 1 - p;
  // Wilson–Hilferty gives a start within a few percent; bisection with Newton steps then solves Q(x) = 1 − p
  // (on the upper tail, where the thresholds live, so a tiny 1 − p keeps its precision).
  const h = 2 / (9 * df);
  let x = df * Math.pow(Math.max(1 - h + normalQuantile(p) * Math.sqrt(h), 1e-3), 3);
  let lo = 0;
  let hi = Math.max(x, 1);
  while (gammaQ(a, hi / 2) > tail) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const q = gammaQ(a, x / 2);
    if (q > tail) lo = x; else hi = x;
    const density = Math.exp((a - 1) * Math.log(x / 2) - x / 2 - logGamma(a)) / 2;
    let next = x + (q - tail) / density;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-13 * Math.max(x, 1e-300)) return next;
    x = next;
  }
  return x;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, continued fraction above. */
export function gammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x === Infinity) return 0;
  const prefix = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * prefix);
  }
  // Modified Lentz evaluation of the continued fraction (Numerical Recipes' gcf).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.min(1, prefix * h);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
