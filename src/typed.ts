// Compile-time signatures: `runtime.load<{ pixels: 'float32' }, { probabilities: 'float32' }>(...)` makes a wrong
// input name, a wrong typed array or a misspelled output name a type error. The runtime checks the same at run time.
import type { Dtype } from './tensor.js';

/** The typed array that carries each dtype (float16 travels as raw 16-bit words). */
export interface DtypeArrays {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

/** Input or output names mapped to their dtypes, e.g. `{ pixels: 'float32' }`. */
export type Signature = Readonly<Record<string, Dtype>>;

/** What any model accepts or returns when no signature is given. */
export type AnySignature = Record<string, Dtype>;

/** A tensor whose `data` has its dtype's array type. */
export interface TypedTensor<D extends Dtype = Dtype> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: DtypeArrays[D];
}

/** One feed: the dtype's typed array (dims inferred from the model) or `{ data, dims }`. */
export type TypedInput<D extends Dtype = Dtype> = DtypeArrays[D] | { readonly data: DtypeArrays[D]; readonly dims: readonly number[] };

/** Feeds for a signature: every input by name, nothing else. */
export type TypedFeeds<I extends Signature> = { readonly [K in keyof I]: TypedInput<I[K]> };

/** Outputs for a signature, by name. */
export type TypedOutputs<O extends Signature> = { readonly [K in keyof O]: TypedTensor<O[K]> };
