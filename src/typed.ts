// Compile-time signatures: `runtime.load<{ pixels: 'float32' }, { probabilities: 'float32' }>(...)` makes a wrong
// input name, a wrong typed array or a misspelled output name a type error. The runtime checks the same at run time.
import type { DTYPES, Dtype } from './tensor.js';

/** The typed array type behind each name in the dtype table. */
interface ArrayTypes {
  Float32Array: Float32Array;
  Float64Array: Float64Array;
  Int8Array: Int8Array;
  Uint8Array: Uint8Array;
  Int16Array: Int16Array;
  Uint16Array: Uint16Array;
  Int32Array: Int32Array;
  Uint32Array: Uint32Array;
  BigInt64Array: BigInt64Array;
  BigUint64Array: BigUint64Array;
}

/** The typed array that carries each dtype, derived from the one dtype table (`DTYPES` in tensor.ts). */
export type DtypeArrays = { [D in Dtype]: ArrayTypes[(typeof DTYPES)[D]] };

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
