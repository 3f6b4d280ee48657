// Bins of a continuous feature: inner edges at the reference's quantiles, so each bin holds about the same share of
// reference rows and PSI weighs every part of the distribution alike.

/** Default number of bins of a continuous feature. */
export const DEFAULT_BINS = 10;

/**
 * Inner bin edges at the j/bins quantiles (j = 1..bins−1) of the finite values, strictly ascending: equal edges
 * merge, so a feature that is mostly zeros gets fewer bins. Edge j is the smallest value with at least j/bins of
 * the rows at or below it (bins are upper-inclusive, see binOf). When the lowest edge is the reference's minimum
 * (a value many rows share, such as exact zeros), the double just below it is added as an edge, so values below
 * the minimum get a bin of their own: a constant feature gets [just below v, v], three bins (below, at, above v),
 * and a change either way shows. With no finite value at all the result is [0].
 */
export function quantileEdges(values: ArrayLike<number>, bins = DEFAULT_BINS): number[] {
  const finite = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite[m++] = v;
  }
  if (m === 0) return [0];
  const sorted = finite.subarray(0, m).sort();
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const edge = sorted[Math.max(Math.ceil((j * m) / bins) - 1, 0)] as number;
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge === 0 ? 0 : edge); // no -0 in JSON
  }
  const min = sorted[0] as number;
  if (edges.length === 0) edges.push(min === 0 ? 0 : min);
  if (edges[0] === min) edges.unshift(nextDown(min));
  return edges;
}

/** The largest double below `v` (finite v). */
function nextDown(v: number): number {
  if (v === 0) return -Number.MIN_VALUE;
  const bits = new BigInt64Array(Float64Array.of(v).buffer);
  bits[0] = (bits[0] as bigint) + (v > 0 ? -1n : 1n);
  return new Float64Array(bits.buffer)[0] as number;
}

/**
 * The bin of `value`: the first i with value ≤ edges[i], else edges.length (bins are upper-inclusive, like OTLP
 * explicit bounds). NaN goes to the last bin, with the largest values: it is never what the reference looked like.
 */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  if (value !== value) return hi; // NaN
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= (edges[mid] as number)) hi = mid; else lo = mid + 1;
  }
  return lo;
}

/**
 * The bin of a categorical value: the class index itself. Anything else (NaN, a fraction, out of range) goes to
 * the last class, as NaN goes to the last bin of a continuous feature.
 */
export function classBinOf(classes: number, value: number): number {
  return value >= 0 && value < classes && Number.isInteger(value) ? value : classes - 1;
}

/** Share of rows in each bin, from bin counts. Shares of an empty count are all zero. */
export function sharesOf(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  return Array.from(counts as ArrayLike<number>, (c) => (total > 0 ? c / total : 0));
}
