// Arbitrary feeds for a signature, as plain descriptions (so fast-check can shrink and replay them) and a builder
// that turns one into fresh objects: detached, shared and resizable buffers, getters, proxies, odd containers.
import fc from 'fast-check';
import { expect } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { arrayTypeOf, validateFeeds, type Dtype, type Tensor, type ValueInfo } from '../../../src/tensor.js';

type ArrayClass = { new (length: number): ArrayBufferView & ArrayLike<unknown>; new (buffer: ArrayBufferLike, offset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number };
const F16 = (globalThis as { Float16Array?: ArrayClass }).Float16Array;
const CLASSES: Record<string, ArrayClass> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array, ...(F16 ? { Float16Array: F16 } : {}),
} as unknown as Record<string, ArrayClass>;
export const CLASS_NAMES = Object.keys(CLASSES);
const RIGHT: Record<Dtype, string> = {
  float32: 'Float32Array', float16: F16 ? 'Float16Array' : 'Uint16Array', float64: 'Float64Array', int8: 'Int8Array', uint8: 'Uint8Array',
  int16: 'Int16Array', uint16: 'Uint16Array', int32: 'Int32Array', uint32: 'Uint32Array', int64: 'BigInt64Array', uint64: 'BigUint64Array', bool: 'Uint8Array',
};
export const DTYPES = Object.keys(RIGHT) as Dtype[];

const MUTATIONS = [
  'other-type', 'longer', 'shorter', 'zero-rows', 'junk-dims', 'huge-dim', 'detached', 'shared', 'resizable', 'out-of-bounds',
  'offset-view', 'subclass', 'lying-length', 'spoofed-ctor', 'data-throws', 'data-shifts', 'dims-shift', 'dims-proxy', 'proxy-value',
  'proxy-array', 'revoked-value', 'junk-value', 'missing', 'undefined', 'no-dims',
] as const;
const CONTAINERS = [
  'null-proto', 'inherited', 'proxy', 'proxy-throws', 'revoked', 'extra-key', 'symbol-key', 'proto-key', 'getters', 'array', 'typed-array', 'primitive',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface InputPlan { dims: number[]; bare: boolean; mutation: Mutation | 'none'; other: string; junk: unknown; huge: number }
export interface FeedsPlan { inputs: InputPlan[]; container: (typeof CONTAINERS)[number] | 'plain' }

const NAMES = ['x', 'y', 'pixels', '__proto__', 'constructor', 'toString', ''];
const dimArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('batch', 'n', '?'));
export const signatureArb: fc.Arbitrary<ValueInfo[]> = fc.uniqueArray(
  fc.record({ name: fc.constantFrom(...NAMES), dtype: fc.constantFrom(...DTYPES), dims: fc.option(fc.array(dimArb, { maxLength: 4 }), { nil: null }) }),
  { selector: (v) => v.name, minLength: 1, maxLength: 3 },
);
const junkArb = fc.oneof(fc.anything(), fc.array(fc.oneof(fc.integer(), fc.double(), fc.bigInt(), fc.string()), { maxLength: 5 }));
const hugeArb = fc.constantFrom(2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 53, 1e300, Infinity, -1, NaN, -0);

/** A plan for feeds that fit `inputs` (dims consistent across symbols), then mutated with some probability. */
export function planArb(inputs: readonly ValueInfo[], mutateOften = 0.5): fc.Arbitrary<FeedsPlan> {
  const size = fc.integer({ min: 1, max: 3 });
  const plans = inputs.map((info) => fc.record({
    free: fc.array(size, { minLength: 4, maxLength: 4 }),
    any: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    bare: fc.boolean(),
    mutation: fc.oneof({ weight: Math.round(100 * (1 - mutateOften)), arbitrary: fc.constant('none' as const) }, { weight: Math.round(100 * mutateOften), arbitrary: fc.constantFrom(...MUTATIONS) }),
    other: fc.constantFrom(...CLASS_NAMES),
    junk: junkArb,
    huge: hugeArb,
  }).map(({ free, any, ...rest }) => ({ ...rest, dims: info.dims ? info.dims.map((d, i) => (typeof d === 'number' ? d : free[i]!)) : any })));
  return fc.record({
    symbols: fc.record({ batch: size, n: size }),
    inputs: fc.tuple(...plans),
    container: fc.oneof({ weight: 3, arbitrary: fc.constant('plain' as const) }, { weight: 1, arbitrary: fc.constantFrom(...CONTAINERS) }),
  }).map(({ symbols, inputs: planned, container }) => ({
    container,
    inputs: planned.map((p, i) => ({ ...p, dims: inputs[i]!.dims ? inputs[i]!.dims!.map((d, j) => (d === 'batch' || d === 'n' ? symbols[d] : p.dims[j]!)) : p.dims })),
  }));
}

export interface Built {
  feeds: unknown;
  /** Bytes each input held when built, when its data cannot change under validation. */
  expected: Map<string, Uint8Array>;
  /** Reads of each feed property, for feeds made of getters. */
  reads: Map<string, number>;
}

/** Fresh objects for a plan: call it once per run. */
export function build(inputs: readonly ValueInfo[], plan: FeedsPlan): Built {
  const expected = new Map<string, Uint8Array>();
  const reads = new Map<string, number>();
  const entries: [string, unknown][] = [];
  inputs.forEach((info, i) => {
    const p = plan.inputs[i]!;
    if (p.mutation === 'missing') return;
    const value = buildValue(info, p, (bytes) => expected.set(info.name, bytes));
    entries.push([info.name, value]);
  });
  return { feeds: container(entries, plan.container, reads), expected, reads };
}

function buildValue(info: ValueInfo, p: InputPlan, expect: (bytes: Uint8Array) => void): unknown {
  const m = p.mutation;
  if (m === 'undefined') return undefined;
  if (m === 'junk-value') return p.junk;
  const count = p.dims.reduce((n, d) => n * d, 1);
  const length = m === 'longer' ? count + 1 : m === 'shorter' ? Math.max(0, count - 1) : count;
  const type = m === 'other-type' ? p.other : RIGHT[info.dtype];
  const data = makeArray(type, length, m);
  if (!['detached', 'out-of-bounds', 'lying-length', 'data-shifts'].includes(m)) {
    const view = data as unknown as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    expect(new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice());
  }
  let dims: unknown = [...p.dims];
  if (m === 'zero-rows') dims = [0, ...p.dims.slice(1)];
  if (m === 'junk-dims') dims = p.junk;
  if (m === 'huge-dim') dims = [p.huge, ...p.dims.slice(1)];
  if (m === 'dims-shift') dims = Object.defineProperty([...p.dims], 0, { get: shifting(p.dims[0], String(p.dims[0])), enumerable: true });
  if (m === 'dims-proxy') dims = new Proxy([...p.dims], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : Reflect.get(t, k)) });
  if (m === 'proxy-array') return new Proxy(data, {});
  if (p.bare && m !== 'no-dims' && !m.startsWith('data') && !m.includes('dims') && m !== 'zero-rows' && m !== 'huge-dim') return data;
  const pair = m === 'no-dims' ? { data } : { data, dims };
  if (m === 'data-throws') Object.defineProperty(pair, 'data', { get: () => { throw new Error('data'); }, enumerable: true });
  if (m === 'data-shifts') Object.defineProperty(pair, 'data', { get: shifting(data, makeArray(type, length + 3, 'none')), enumerable: true });
  if (m === 'proxy-value') return new Proxy(pair, {});
  if (m === 'revoked-value') {
    const { proxy, revoke } = Proxy.revocable(pair, {});
    revoke();
    return proxy;
  }
  return pair;
}

function shifting<T>(first: T, later: unknown): () => unknown {
  let n = 0;
  return () => (n++ === 0 ? first : later);
}

function makeArray(type: string, length: number, m: Mutation | 'none'): ArrayBufferView {
  const C = CLASSES[type]!;
  const bytes = C.BYTES_PER_ELEMENT;
  const Shared = (globalThis as { SharedArrayBuffer?: new (n: number) => ArrayBufferLike }).SharedArrayBuffer;
  const Resizable = ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void };
  let a: ArrayBufferView & ArrayLike<unknown>;
  if (m === 'offset-view') a = new C(new ArrayBuffer((length + 2) * bytes), bytes, length) as never;
  else if (m === 'shared' && Shared) a = new C(new Shared(length * bytes), 0, length) as never;
  else if (m === 'resizable' || m === 'out-of-bounds') a = new C(new Resizable(length * bytes, { maxByteLength: (length + 4) * bytes }), 0, length) as never;
  else if (m === 'subclass') a = new (class Sub extends (C as unknown as typeof Uint8Array) {})(length);
  else a = new C(length);
  for (let i = 0; i < length; i++) (a as unknown as unknown[])[i] = type.startsWith('Big') ? BigInt(i + 1) : i + 1;
  if (m === 'detached') structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  if (m === 'out-of-bounds') (a.buffer as unknown as { resize(n: number): void }).resize(0);
  if (m === 'lying-length') Object.defineProperty(a, 'length', { get: () => length + 1 });
  if (m === 'spoofed-ctor') Object.defineProperty(a, 'constructor', { value: Float32Array });
  return a;
}

function container(entries: [string, unknown][], kind: FeedsPlan['container'], reads: Map<string, number>): unknown {
  const own = (target: object) => {
    for (const [k, v] of entries) Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
    return target;
  };
  switch (kind) {
    case 'null-proto': return own(Object.create(null) as object);
    case 'inherited': return Object.create(own({})) as object;
    case 'proxy': return new Proxy(own({}), {});
    case 'proxy-throws': return new Proxy(own({}), { ownKeys: () => { throw new Error('keys'); } });
    case 'revoked': { const r = Proxy.revocable(own({}), {}); r.revoke(); return r.proxy; }
    case 'extra-key': return Object.assign(own({}), { extra: new Float32Array(1) });
    case 'symbol-key': return Object.assign(own({}), { [Symbol('s')]: new Float32Array(1) });
    case 'proto-key': // an own "__proto__" key that is not an input (unless the signature has one)
      return entries.some(([k]) => k === '__proto__') ? own({}) : Object.defineProperty(own({}), '__proto__', { value: new Float32Array(1), enumerable: true });
    case 'getters': {
      const target = {};
      for (const [k, v] of entries) {
        Object.defineProperty(target, k, { get: () => (reads.set(k, (reads.get(k) ?? 0) + 1), reads.get(k) === 1 ? v : new Float64Array(3)), enumerable: true });
      }
      return target;
    }
    case 'array': return entries.map(([, v]) => v);
    case 'typed-array': return new Float32Array(4);
    case 'primitive': return entries.length;
    default: return own({});
  }
}

const INPUT_CODES = ['input-invalid', 'input-unknown', 'input-missing', 'input-dtype', 'input-shape'];

/** Either an EdgeInferError with an input code, or tensors that match the signature and can be posted. */
export function check(inputs: readonly ValueInfo[], built: Built): void {
  let tensors: Tensor[];
  try {
    tensors = validateFeeds('m', inputs, built.feeds);
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeInferError);
    expect(INPUT_CODES).toContain((error as EdgeInferError).code);
    return;
  } finally {
    for (const [name, n] of built.reads) expect(n, `reads of "${name}"`).toBeLessThanOrEqual(1);
  }
  expect(tensors).toHaveLength(inputs.length);
  const symbols = new Map<string, number>();
  tensors.forEach((t, i) => {
    const info = inputs[i]!;
    expect(t.dtype).toBe(info.dtype);
    expect(Object.prototype.toString.call(t.data)).toBe(`[object ${arrayTypeOf(info.dtype)}]`);
    expect(t.data.buffer).toBeInstanceOf(ArrayBuffer); // never shared, so what was checked is what is posted
    expect(t.dims.every((d) => Number.isSafeInteger(d) && d >= 0 && d < 2 ** 31)).toBe(true);
    expect(t.dims.reduce((n, d) => n * d, 1)).toBe(t.data.length);
    structuredClone(t.data); // postable: not detached
    const bytes = built.expected.get(info.name);
    if (bytes) expect(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).toEqual(bytes);
    if (!info.dims) return;
    expect(t.dims).toHaveLength(info.dims.length);
    info.dims.forEach((want, j) => {
      const got = t.dims[j]!;
      if (typeof want === 'number') expect(got).toBe(want);
      else if (j === 0) expect(got).toBeGreaterThan(0); // at least one row
      if (typeof want === 'string' && want !== '?') {
        expect(symbols.get(want) ?? got).toBe(got);
        symbols.set(want, got);
      }
    });
  });
}
