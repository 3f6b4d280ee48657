import { EdgeInferError } from './errors.js';

/** Element types as onnxruntime-web names them. */
export type Dtype =
  | 'float32' | 'float16' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A tensor as the SDK hands it out: flat data in row-major order plus its dims. */
export interface Tensor {
  readonly dtype: Dtype;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

/** What `run()` accepts per input: a typed array (dims inferred from the signature) or `{ data, dims }`. */
export type TensorInput = TypedArray | { readonly data: TypedArray; readonly dims: readonly number[] };
export type Feeds = Readonly<Record<string, TensorInput>>;

/**
 * One input or output of a model. A string dim is free: a symbolic name such as `'batch'`, or `'?'` if unnamed.
 * `dims` is `null` when the model does not declare a shape at all (any rank is accepted).
 */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly dims: readonly (number | string)[] | null;
}

const ARRAY_OF: Record<Dtype, string> = {
  float32: 'Float32Array', float16: 'Uint16Array', float64: 'Float64Array',
  int8: 'Int8Array', uint8: 'Uint8Array', int16: 'Int16Array', uint16: 'Uint16Array',
  int32: 'Int32Array', uint32: 'Uint32Array', int64: 'BigInt64Array', uint64: 'BigUint64Array',
  bool: 'Uint8Array',
};

/** The typed array class name that carries `dtype`. */
export function arrayTypeOf(dtype: Dtype): string {
  return ARRAY_OF[dtype];
}

export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Buffers that can move to another thread without a copy: those a tensor spans whole (a view into a larger buffer is cloned). */
export function wholeBuffers(tensors: readonly Tensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of tensors) {
    if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) buffers.add(data.buffer);
  }
  return [...buffers];
}

export function formatDims(dims: readonly (number | string)[] | null): string {
  return dims ? `[${dims.join(',')}]` : '[any shape]';
}

export function formatSignature(inputs: readonly ValueInfo[]): string {
  return inputs.map((v) => `${v.name}: ${v.dtype}${formatDims(v.dims)}`).join(', ');
}

/**
 * Checks feeds against a model's inputs before anything reaches the worker, and returns them as tensors with
 * explicit dims. Throws an EdgeInferError naming the expected signature on the first problem.
 */
export function validateFeeds(modelId: string, inputs: readonly ValueInfo[], feeds: unknown): Tensor[] {
  const fail = (code: ConstructorParameters<typeof EdgeInferError>[0], what: string, input?: string): never => {
    const expected = `${modelId} expects { ${formatSignature(inputs)} }`;
    throw new EdgeInferError(code, `${what}; ${expected}`, { model: modelId, ...(input ? { input } : {}) });
  };
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds) || isTypedArray(feeds)) {
    fail('input-invalid', `feeds must be an object mapping input names to tensors, got ${describe(feeds)}`);
  }
  const record = feeds as Record<string, unknown>;
  const known = new Set(inputs.map((v) => v.name));
  for (const name of Object.keys(record)) {
    if (!known.has(name)) fail('input-unknown', `unknown input "${name}"`, name);
  }
  const missing = inputs.filter((v) => record[v.name] === undefined).map((v) => v.name);
  if (missing.length > 0) fail('input-missing', `missing input ${missing.map((n) => `"${n}"`).join(', ')}`, missing[0]);
  const symbols = new Map<string, number>();
  return inputs.map((info) => {
    const { data, dims } = unpack(record[info.name], info, fail);
    const arrayType = ARRAY_OF[info.dtype];
    if (data.constructor.name !== arrayType) {
      fail('input-dtype', `input "${info.name}" must be ${info.dtype} (${arrayType}), got ${data.constructor.name}`, info.name);
    }
    const shape = dims ?? inferDims(info, data.length, fail);
    checkDims(info, shape, data.length, symbols, fail);
    return { dtype: info.dtype, dims: shape, data };
  });
}

type Fail = (code: 'input-invalid' | 'input-shape', what: string, input?: string) => never;

function unpack(value: unknown, info: ValueInfo, fail: Fail): { data: TypedArray; dims: number[] | undefined } {
  if (isTypedArray(value)) return { data: value, dims: undefined };
  if (typeof value === 'object' && value !== null && isTypedArray((value as { data?: unknown }).data)) {
    const dims = (value as { dims?: unknown }).dims;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail('input-invalid', `input "${info.name}" dims must be an array of non-negative integers, got ${describe(dims)}`, info.name);
    }
    return { data: (value as { data: TypedArray }).data, dims: [...(dims as number[])] };
  }
  return fail('input-invalid', `input "${info.name}" must be a typed array or { data, dims }, got ${describe(value)}`, info.name);
}

function inferDims(info: ValueInfo, length: number, fail: Fail): number[] {
  if (!info.dims) return [length];
  const free = info.dims.filter((d) => typeof d !== 'number').length;
  const fixed = info.dims.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1);
  if (free === 0) return info.dims as number[];
  if (free > 1 || fixed === 0 || length % fixed !== 0) {
    fail('input-shape', `cannot infer dims of "${info.name}" from ${length} values; pass { data, dims }`, info.name);
  }
  return info.dims.map((d) => (typeof d === 'number' ? d : length / fixed));
}

function checkDims(info: ValueInfo, dims: number[], length: number, symbols: Map<string, number>, fail: Fail): void {
  const got = `got dims ${formatDims(dims)}`;
  const count = dims.reduce((n, d) => n * d, 1);
  if (count !== length) {
    fail('input-shape', `input "${info.name}" has ${length} values but dims ${formatDims(dims)} need ${count}`, info.name);
  }
  if (!info.dims) return;
  if (dims.length !== info.dims.length) {
    fail('input-shape', `input "${info.name}" must have rank ${info.dims.length}, ${got}`, info.name);
  }
  info.dims.forEach((want, i) => {
    const size = dims[i] as number;
    if (typeof want === 'number' && want >= 0 && size !== want) {
      fail('input-shape', `input "${info.name}" dim ${i} must be ${want}, ${got}`, info.name);
    }
    if (typeof want === 'string' && want !== '?') {
      const seen = symbols.get(want);
      if (seen !== undefined && seen !== size) {
        fail('input-shape', `input "${info.name}" dim ${i} ("${want}") is ${size} but another input set it to ${seen}`, info.name);
      }
      symbols.set(want, size);
    }
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (isTypedArray(value)) return `${value.constructor.name}(${value.length})`;
  return typeof value;
}
