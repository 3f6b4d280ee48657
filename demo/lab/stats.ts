// The lab's arithmetic, pure so it is tested in Node: percentiles of timings, when a median has settled, and how
// far a variant's outputs are from the fp32 reference's on the same inputs.
import type { Tensor } from '../../src/index.js';
import { looksLikeClassifier } from '../../src/monitor/features.js';
import type { Agreement } from './types.js';

/** Percentile `p` (0..100) with linear interpolation between ranks (p50 of [1, 2] is 1.5); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low);
}

/** Fewest timings before the settle rule is asked at all. */
const SETTLE_MIN = 8;
/** Relative and absolute (ms, below the timer's resolution) tolerances of the settle rule. */
const SETTLE_RELATIVE = 0.02;
const SETTLE_ABSOLUTE_MS = 0.005;

/**
 * Whether the median of the timings has settled: the last quarter of the runs moved it by at most 2% (or 5 µs, less
 * than `performance.now()` can tell apart). More runs would not change the p50 the lab reports.
 */
export function settled(timings: readonly number[], relative = SETTLE_RELATIVE): boolean {
  if (timings.length < SETTLE_MIN) return false;
  const now = percentile(timings, 50);
  const before = percentile(timings.slice(0, Math.ceil((timings.length * 3) / 4)), 50);
  return Math.abs(now - before) <= Math.max(relative * Math.abs(now), SETTLE_ABSOLUTE_MS);
}

/**
 * The output to compare top-1 on: the first whose reference values look like class probabilities (dims [batch, K],
 * K ≥ 2, float, every row non-negative and summing to 1: the monitor's own classifier test). Logits or a regressor's
 * outputs do not qualify, so a forecast never gets a top-1 number.
 */
export function classifierOutput(reference: Readonly<Record<string, Tensor>>): string | undefined {
  return Object.keys(reference).find((name) => {
    const t = reference[name] as Tensor;
    return t.dims.length === 2 && looksLikeClassifier(t);
  });
}

/**
 * How close `outputs` are to `reference` (same inputs): the largest absolute difference over every value of every
 * output, the cosine of all values concatenated, and with `classifier` (an output name) the share of rows whose
 * arg-max matches. Throws when an output is missing or has other dims: then the two cannot be compared.
 */
export function agreement(outputs: Readonly<Record<string, Tensor>>, reference: Readonly<Record<string, Tensor>>, classifier?: string): Agreement {
  let maxAbsDiff = 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const name of Object.keys(reference)) {
    const b = reference[name] as Tensor;
    const a = outputs[name];
    if (!a || a.dims.join() !== b.dims.join()) {
      throw new Error(`output "${name}": expected dims [${b.dims.join(',')}] as the reference, got ${a ? `[${a.dims.join(',')}]` : 'none'}`);
    }
    const x = numbers(a);
    const y = numbers(b);
    for (let i = 0; i < y.length; i++) {
      const u = x[i] as number;
      const v = y[i] as number;
      const d = Math.abs(u - v);
      // NaN on one side only is the largest difference there is.
      if (d > maxAbsDiff || (Number.isNaN(d) && !(Number.isNaN(u) && Number.isNaN(v)))) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
      if (Number.isFinite(u) && Number.isFinite(v)) {
        dot += u * v;
        normA += u * u;
        normB += v * v;
      }
    }
  }
  const cosine = normA === 0 && normB === 0 ? 1 : normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
  const result: Agreement = { maxAbsDiff, cosine: Math.min(1, Math.max(-1, cosine)) };
  if (classifier !== undefined) result.top1 = top1(outputs[classifier] as Tensor, reference[classifier] as Tensor);
  return result;
}

/** Share of rows (first axis) whose arg-max is the same in both; ties go to the first index. */
function top1(a: Tensor, b: Tensor): number {
  const rows = b.dims[0] ?? 1;
  if (rows === 0) return 1;
  const width = b.data.length / rows;
  const x = numbers(a);
  const y = numbers(b);
  let same = 0;
  for (let r = 0; r < rows; r++) if (argmax(x, r * width, width) === argmax(y, r * width, width)) same++;
  return same / rows;
}

function argmax(values: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let i = 1; i < width; i++) if ((values[offset + i] as number) > (values[offset + best] as number)) best = i;
  return best;
}

/** A tensor's values as numbers: float16 words decoded, 64-bit integers converted. */
function numbers(t: Tensor): ArrayLike<number> {
  if (t.dtype === 'float16') return Float64Array.from(t.data as Uint16Array, halfToNumber);
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) return Float64Array.from(t.data, Number);
  return t.data as ArrayLike<number>;
}

export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
