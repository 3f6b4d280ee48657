import { EdgeInferError, shown } from './errors.js';

/**
 * Every element type, as onnxruntime-web names it, and the typed array that carries it: the one dtype table
 * (float16 travels as raw 16-bit words). `DtypeArrays` in typed.ts maps the same names to their array types.
 */
export const DTYPES = {
  float32: 'Float32Array', float16: 'Uint16Array', float64: 'Float64Array',
  int8: 'Int8Array', uint8: 'Uint8Array', int16: 'Int16Array', uint16: 'Uint16Array',
  int32: 'Int32Array', uint32: 'Uint32Array', int64: 'BigInt64Array', uint64: 'BigUint64Array',
  bool: 'Uint8Array',
} as const;

export type Dtype = keyof typeof DTYPES;

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A tensor as the SDK hands it out: flat data in row-major order plus its dims. */
export interface Tensor {
  readonly dtype: Dtype;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

/**
 * One input or output of a model. A string dim is free: a symbolic name such as `'batch'`, or `'?'` if unnamed.
 * `dims` is `null` when the model does not declare a shape at all (any rank is accepted).
 */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly dims: readonly (number | string)[] | null;
}

/** The typed array class name that carries `dtype`. */
export function arrayTypeOf(dtype: Dtype): string {
  return DTYPES[dtype];
}

/** Whether `value` is a typed array (not a DataView), by its internal slot: a Proxy or a spoofed prototype is not one. */
export function isTypedArray(value: unknown): value is TypedArray {
  return typeNameOf(value) !== undefined;
}

/** Buffers that can move to another thread without a copy: those a tensor spans whole (a view into a larger buffer is cloned). */
export function wholeBuffers(tensors: readonly Tensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of tensors) {
    if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) buffers.add(data.buffer);
  }
  return [...buffers];
}

/**
 * Buffers of the SDK's own arrays (input copies, outputs) worth moving rather than cloning: whole ones over 64 bytes.
 * V8 keeps smaller arrays on its heap, and reading their `buffer` makes it allocate one, which costs more than
 * cloning a few bytes; so small arrays are neither asked for their buffer nor moved. Appends to `into`.
 */
export function ownBuffers(tensors: Record<string, Tensor>, into: ArrayBuffer[] = []): ArrayBuffer[] {
  for (const { data } of Object.values(tensors)) {
    if (data.byteLength <= SMALL_BYTES || data.byteOffset !== 0) continue;
    const buffer = data.buffer;
    if (buffer instanceof ArrayBuffer && data.byteLength === buffer.byteLength && !into.includes(buffer)) into.push(buffer);
  }
  return into;
}

/** Arrays up to this size live on V8's heap (typed arrays of at most 64 bytes): not worth moving. */
const SMALL_BYTES = 64;

export function formatDims(dims: readonly (number | string)[] | null): string {
  return dims ? `[${dims.join(',')}]` : '[any shape]';
}

export function formatSignature(inputs: readonly ValueInfo[]): string {
  return inputs.map((v) => `${v.name}: ${v.dtype}${formatDims(v.dims)}`).join(', ');
}

/** Largest dim: onnxruntime-web's wasm32 build writes dims into WASM memory as int32, so a larger one would wrap. */
const MAX_DIM = 2 ** 31 - 1;
/** Largest rank read from a caller's dims array: bounds the read, far above any real model. */
const MAX_RANK = 64;
/** Largest total of input bytes per run: they are posted to the worker and copied into a 4 GiB WASM heap there. */
const MAX_FEED_BYTES = 2 ** 31 - 1;

// The built-in getters, called on the value itself: own properties, subclasses, a spoofed `constructor` or a
// Proxy cannot make one typed array pass for another, or report a length its buffer does not have.
const TYPED_ARRAY = Object.getPrototypeOf(Int8Array.prototype) as object;
type Getter = (this: unknown) => unknown;
const getterOf = (proto: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(proto, key)?.get as Getter | undefined;
const nameOf = getterOf(TYPED_ARRAY, Symbol.toStringTag) as Getter; // undefined for anything but a typed array
const bufferOf = getterOf(TYPED_ARRAY, 'buffer') as Getter;
const offsetOf = getterOf(TYPED_ARRAY, 'byteOffset') as Getter;
const lengthOf = getterOf(TYPED_ARRAY, 'length') as Getter;
const valuesOf = (TYPED_ARRAY as { values: Getter }).values;
const bytesOf = getterOf(ArrayBuffer.prototype, 'byteLength') as Getter; // throws for a SharedArrayBuffer
const resizableOf = getterOf(ArrayBuffer.prototype, 'resizable');
const detachedOf = getterOf(ArrayBuffer.prototype, 'detached');

type ArrayClass = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray; new (length: number): TypedArray; BYTES_PER_ELEMENT: number };
const CLASSES: Readonly<Record<string, ArrayClass>> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array,
  Float16Array: Uint16Array, // the same bits, as onnxruntime-web and the rest of the SDK carry float16
} as unknown as Record<string, ArrayClass>;

function typeNameOf(value: unknown): string | undefined {
  return nameOf.call(value) as string | undefined;
}

type Fail = (code: 'input-invalid' | 'input-unknown' | 'input-missing' | 'input-dtype' | 'input-shape', what: string, input?: string) => never;

/**
 * Checks feeds against a model's inputs before anything reaches the worker, and returns them as tensors with
 * explicit dims. Throws an EdgeInferError naming the expected signature on the first problem. Each property of the
 * feeds is read once, and the tensors returned are fresh views (copies for shared or resizable buffers), so what
 * was checked is what gets posted.
 */
export function validateFeeds(modelId: string, inputs: readonly ValueInfo[], feeds: unknown): Tensor[] {
  const expected = () => `${modelId} expects { ${formatSignature(inputs)} }`;
  let raised: EdgeInferError | undefined;
  const fail: Fail = (code, what, input) => {
    raised = new EdgeInferError(code, `${what}; ${expected()}`, { model: modelId, ...(input !== undefined ? { input } : {}) });
    throw raised;
  };
  try {
    return readFeeds(inputs, feeds, fail);
  } catch (error) {
    if (error === raised) throw error;
    // A getter or Proxy trap in the caller's feeds threw: they cannot be read.
    throw new EdgeInferError('input-invalid', `feeds could not be read (a getter or Proxy trap threw); ${expected()}`, { model: modelId }, { cause: error });
  }
}

function readFeeds(inputs: readonly ValueInfo[], feeds: unknown, fail: Fail): Tensor[] {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds) || isTypedArray(feeds)) {
    fail('input-invalid', `feeds must be an object mapping input names to tensors, got ${describe(feeds)}`);
  }
  const known = new Set(inputs.map((v) => v.name));
  // Own enumerable string keys only: inherited properties and Symbol keys are not inputs.
  const names = Object.keys(feeds as object);
  for (const name of names) {
    if (!known.has(name)) fail('input-unknown', `unknown input "${name}"`, name);
  }
  const values = new Map<string, unknown>();
  for (const name of names) values.set(name, (feeds as Record<string, unknown>)[name]);
  const missing = inputs.filter((v) => values.get(v.name) === undefined).map((v) => v.name);
  if (missing.length > 0) fail('input-missing', `missing input ${missing.map((n) => `"${n}"`).join(', ')}`, missing[0]);
  const symbols = new Map<string, number>();
  let bytes = 0;
  return inputs.map((info) => {
    const { type, data, dims } = unpack(values.get(info.name), info, fail);
    const arrayType = DTYPES[info.dtype];
    if (!data || (type !== arrayType && !(info.dtype === 'float16' && type === 'Float16Array'))) {
      fail('input-dtype', `input "${info.name}" must be ${info.dtype} (${arrayType}), got ${type}`, info.name);
    }
    bytes += data.byteLength;
    if (bytes > MAX_FEED_BYTES) fail('input-shape', `the feeds hold more than ${MAX_FEED_BYTES} bytes (at input "${info.name}"); split the run`, info.name);
    const shape = dims ?? inferDims(info, data.length, fail);
    checkDims(info, shape, data.length, symbols, fail);
    return { dtype: info.dtype, dims: shape, data };
  });
}

function unpack(value: unknown, info: ValueInfo, fail: Fail): { type: string; data: TypedArray | undefined; dims: number[] | undefined } {
  if (isTypedArray(value)) return snapshot(value, undefined, info.name, fail);
  if (typeof value === 'object' && value !== null) {
    const data: unknown = (value as { data?: unknown }).data; // read once: a getter cannot swap the array later
    if (isTypedArray(data)) {
      return snapshot(data, readDims((value as { dims?: unknown }).dims, info.name, fail), info.name, fail);
    }
  }
  return fail('input-invalid', `input "${info.name}" must be a typed array or { data, dims }, got ${describe(value)}`, info.name);
}

/** A fresh view of the array's current elements; shared and resizable buffers are copied, as they can change. */
function snapshot(array: TypedArray, dims: number[] | undefined, input: string, fail: Fail) {
  const type = typeNameOf(array) as string;
  const buffer = bufferOf.call(array) as ArrayBufferLike;
  const length = lengthOf.call(array) as number;
  // A detached or out-of-bounds view reports length 0; only then is the (throwing) check worth its cost.
  if (length === 0 && !inBounds(array)) {
    const detached = detachedOf ? detachedOf.call(buffer) === true : bytesOf.call(buffer) === 0 && resizableOf?.call(buffer) !== true;
    fail('input-invalid', detached
      ? `input "${input}" data is detached: its buffer was moved, e.g. by an earlier run with transfer: true`
      : `input "${input}" data lies outside its buffer, which was resized`, input);
  }
  const Class = CLASSES[type];
  if (!Class) return { type, data: undefined, dims }; // Uint8ClampedArray: fails the dtype check
  if (length * Class.BYTES_PER_ELEMENT > MAX_FEED_BYTES) fail('input-shape', `input "${input}" holds more than ${MAX_FEED_BYTES} bytes; split the run`, input);
  const view = new Class(buffer, offsetOf.call(array) as number, length);
  if (isFixedArrayBuffer(buffer)) return { type, data: view, dims };
  const copy = new Class(length);
  (copy as Uint8Array).set(view as Uint8Array);
  return { type, data: copy, dims };
}

function inBounds(array: TypedArray): boolean {
  try {
    valuesOf.call(array); // throws when the buffer is detached or too short
    return true;
  } catch {
    return false;
  }
}

function isFixedArrayBuffer(buffer: ArrayBufferLike): boolean {
  try {
    bytesOf.call(buffer);
  } catch {
    return false; // a SharedArrayBuffer
  }
  return resizableOf?.call(buffer) !== true;
}

/** Reads the caller's dims once, element by element, into a plain array. */
function readDims(dims: unknown, input: string, fail: Fail): number[] {
  const invalid = () => fail('input-invalid', `input "${input}" dims must be an array of non-negative integers, got ${describe(dims)}`, input);
  if (!Array.isArray(dims)) return invalid();
  const rank: unknown = dims.length; // a Proxy can report anything here
  if (!Number.isSafeInteger(rank) || (rank as number) < 0) return invalid();
  if ((rank as number) > MAX_RANK) fail('input-shape', `input "${input}" has rank ${rank as number}; at most ${MAX_RANK} is supported`, input);
  const copy: unknown[] = [];
  for (let i = 0; i < (rank as number); i++) copy.push(dims[i]);
  if (!copy.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return invalid();
  return (copy as number[]).map(Math.abs); // -0 becomes 0
}

function inferDims(info: ValueInfo, length: number, fail: Fail): number[] {
  if (!info.dims) return [length];
  const free = info.dims.filter((d) => typeof d !== 'number').length;
  const fixed = info.dims.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1);
  if (free === 0) return [...(info.dims as number[])];
  if (free > 1 || fixed === 0 || length % fixed !== 0) {
    fail('input-shape', `cannot infer dims of "${info.name}" from ${length} values; pass { data, dims }`, info.name);
  }
  return info.dims.map((d) => (typeof d === 'number' ? d : length / fixed));
}

/** The number of elements dims describe, or undefined when that passes 2^53 (then a float product would be wrong). */
function elementCount(dims: readonly number[]): number | undefined {
  let count = 1;
  let empty = false;
  for (const d of dims) {
    if (d === 0) empty = true; // a later dim could still overflow onnxruntime's own size computation
    else if ((count *= d) > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return empty ? 0 : count;
}

function checkDims(info: ValueInfo, dims: number[], length: number, symbols: Map<string, number>, fail: Fail): void {
  const got = () => `got dims ${formatDims(dims)}`;
  if (dims.some((d) => d > MAX_DIM)) fail('input-shape', `input "${info.name}" dims must each be at most ${MAX_DIM}, ${got()}`, info.name);
  const count = elementCount(dims);
  if (count === undefined) fail('input-shape', `input "${info.name}" dims ${formatDims(dims)} describe more than 2^53 values`, info.name);
  if (count !== length) {
    fail('input-shape', `input "${info.name}" has ${length} values but dims ${formatDims(dims)} need ${count}`, info.name);
  }
  if (!info.dims) return;
  if (dims.length !== info.dims.length) {
    fail('input-shape', `input "${info.name}" must have rank ${info.dims.length}, ${got()}`, info.name);
  }
  // Empty batches behave differently per backend and a batch of nothing merges nothing: ask for a row.
  if (typeof info.dims[0] === 'string' && dims[0] === 0) {
    fail('input-shape', `input "${info.name}" needs at least one row: dim 0 ("${info.dims[0]}") is 0`, info.name);
  }
  info.dims.forEach((want, i) => {
    const size = dims[i] as number;
    if (typeof want === 'number' && want >= 0 && size !== want) {
      fail('input-shape', `input "${info.name}" dim ${i} must be ${want}, ${got()}`, info.name);
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
  const type = typeNameOf(value);
  return type === undefined ? shown(value) : `${type}(${lengthOf.call(value) as number})`;
}
