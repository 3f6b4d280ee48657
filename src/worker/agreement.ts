// How a second version's outputs compare with the served ones, for shadow runs and the `minAgreement` guardrail.
import type { Tensor } from '../tensor.js';

type Outputs = Record<string, Tensor>;

export interface Comparison {
  /** Same top-1 class per row where an output has a class axis, else every value within the tolerance. */
  agree: boolean;
  /** Largest |served − other| over all outputs; Infinity when an output is missing, of another size or not finite. */
  maxAbsDiff: number;
}

/** Compares `other` with `served`, output by output (by name). `tolerance` is relative to max(1, |served|). */
export function compareOutputs(served: Outputs, other: Outputs, tolerance: number): Comparison {
  let agree = true;
  let maxAbsDiff = 0;
  for (const [name, a] of Object.entries(served)) {
    const b = other[name];
    if (!b || b.data.length !== a.data.length) return { agree: false, maxAbsDiff: Infinity };
    const classes = a.dims.length >= 2 ? a.dims[a.dims.length - 1]! : 1;
    const va = reader(a);
    const vb = reader(b);
    for (let i = 0; i < a.data.length; i++) {
      const x = va(i);
      const d = Math.abs(x - vb(i));
      if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
      if (classes < 2 && !(d <= tolerance * Math.max(1, Math.abs(x)))) agree = false;
    }
    if (classes >= 2) {
      for (let row = 0; row < a.data.length; row += classes) {
        if (argmax(va, row, classes) !== argmax(vb, row, classes)) agree = false;
      }
    }
  }
  return { agree, maxAbsDiff };
}

/** The index of the largest value in `data[from, from + n)`; NaN counts as the largest, so NaN rows disagree with finite ones. */
function argmax(value: (i: number) => number, from: number, n: number): number {
  let best = 0;
  let top = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = value(from + i);
    if (Number.isNaN(v)) return -1 - i;
    if (v > top) (top = v), (best = i);
  }
  return best;
}

/** Whether any float output holds NaN or ±Infinity (a run the guardrails count as failed). */
export function hasNonFinite(outputs: Record<string, Tensor>): boolean {
  for (const t of Object.values(outputs)) {
    const data = t.data;
    if (t.dtype === 'float16') {
      for (let i = 0; i < data.length; i++) if (((data[i] as number) & 0x7c00) === 0x7c00) return true;
    } else if (data instanceof Float32Array || data instanceof Float64Array) {
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return true;
    }
  }
  return false;
}

/** Element i as a number; float16 travels as raw 16-bit words. */
function reader(t: Tensor): (i: number) => number {
  const data = t.data;
  return t.dtype === 'float16' ? (i) => fromHalf(data[i] as number) : (i) => Number(data[i]);
}

function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
