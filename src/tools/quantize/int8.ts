// Symmetric int8 quantization of a weight tensor, per tensor or per channel along one axis.
// Symmetric (zero point 0, range -127..127) keeps the integer kernels free of zero-point corrections.

export interface Int8Weights {
  values: Int8Array;
  /** One scale, or one per channel of `axis`. */
  scales: Float32Array;
  axis: number | undefined;
  /** Root-mean-square error of the dequantized weights relative to the weights' RMS. */
  relativeError: number;
}

const QMAX = 127;

/** Quantizes `values` (row-major, shape `dims`); `axis` undefined means one scale for the whole tensor. */
export function quantizeInt8(values: Float32Array, dims: readonly number[], axis: number | undefined): Int8Weights {
  const channels = axis === undefined ? 1 : (dims[axis] as number);
  const inner = axis === undefined ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);

  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(values[i] as number);
    if (a > (maxAbs[c] as number)) maxAbs[c] = a;
  }
  // An all-zero channel gets scale 1: its values quantize to 0 either way, and a zero scale would divide by zero.
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / QMAX : 1));

  const q = new Int8Array(values.length);
  let errorSq = 0;
  let normSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const s = scales[channelOf(i)] as number;
    const r = Math.max(-QMAX, Math.min(QMAX, roundHalfAway(v / s)));
    q[i] = r;
    errorSq += (r * s - v) ** 2;
    normSq += v * v;
  }
  return { values: q, scales, axis, relativeError: normSq > 0 ? Math.sqrt(errorSq / normSq) : 0 };
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
