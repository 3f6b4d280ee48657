import { mulberry32 } from './random.js';
import type { Tensor, TypedArray, ValueInfo } from './tensor.js';

/** Largest input the probe makes (elements): a model that takes more is timed on what the app passes as `probeFeeds`. */
const MAX_ELEMENTS = 1 << 24;

/**
 * Inputs shaped from a signature, for warm-up and timing runs: free dims set to 1, floats drawn in [0, 1) from a
 * seeded generator (the same values every time), integers and booleans zero. Returns undefined when an input is
 * too large to make.
 */
export function probeFeeds(inputs: readonly ValueInfo[], seed = 1): Record<string, Tensor> | undefined {
  const random = mulberry32(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const dims = (input.dims ?? [1]).map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > MAX_ELEMENTS) return undefined;
    Object.defineProperty(feeds, input.name, { value: { dtype: input.dtype, dims, data: seededData(input.dtype, size, random) }, enumerable: true });
  }
  return feeds;
}

/** `size` values of `dtype`: floats drawn from `random` in [0, 1), integers and booleans zero. */
export function seededData(dtype: Tensor['dtype'], size: number, random: () => number): TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from({ length: size }, random);
    case 'float64': return Float64Array.from({ length: size }, random);
    case 'float16': return Uint16Array.from({ length: size }, () => halfBits(random()));
    case 'int8': return new Int8Array(size);
    case 'uint8': case 'bool': return new Uint8Array(size);
    case 'int16': return new Int16Array(size);
    case 'uint16': return new Uint16Array(size);
    case 'int32': return new Int32Array(size);
    case 'uint32': return new Uint32Array(size);
    case 'int64': return new BigInt64Array(size);
    case 'uint64': return new BigUint64Array(size);
  }
}

/** IEEE half bits of a value in [0, 1) (rounded; tiny values flush to zero). */
export function halfBits(value: number): number {
  if (!(value >= 2 ** -14)) return 0;
  let exponent = Math.floor(Math.log2(value));
  let fraction = Math.round((value / 2 ** exponent - 1) * 1024);
  if (fraction === 1024) [exponent, fraction] = [exponent + 1, 0];
  return ((exponent + 15) << 10) | fraction;
}
