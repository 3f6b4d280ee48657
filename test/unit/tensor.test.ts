import { describe, expect, test } from 'vitest';
import { EdgeInferError, type ErrorCode } from '../../src/errors.js';
import { validateFeeds, wholeBuffers, type ValueInfo } from '../../src/tensor.js';
import { codeOf } from './code-of.js';

const digits: ValueInfo[] = [{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }];
const vad: ValueInfo[] = [
  { name: 'input', dtype: 'float32', dims: ['?', '?'] },
  { name: 'state', dtype: 'float32', dims: [2, '?', 128] },
  { name: 'sr', dtype: 'int64', dims: [] },
];


describe('validateFeeds', () => {
  test('infers the free batch dim from a bare typed array', () => {
    const [pixels] = validateFeeds('digits', digits, { pixels: new Float32Array(784 * 3) });
    expect(pixels?.dims).toEqual([3, 784]);
  });

  test('accepts explicit dims and scalars', () => {
    const feeds = validateFeeds('vad', vad, {
      input: { data: new Float32Array(512), dims: [1, 512] },
      state: { data: new Float32Array(256), dims: [2, 1, 128] },
      sr: new BigInt64Array([16000n]),
    });
    expect(feeds.map((t) => t.dims)).toEqual([[1, 512], [2, 1, 128], []]);
  });

  test('returns tensors in signature order whatever the key order', () => {
    const feeds = validateFeeds('vad', vad, {
      sr: { data: new BigInt64Array([16000n]), dims: [] },
      state: { data: new Float32Array(256), dims: [2, 1, 128] },
      input: { data: new Float32Array(512), dims: [1, 512] },
    });
    expect(feeds.map((t) => t.dtype)).toEqual(['float32', 'float32', 'int64']);
  });

  test.each([
    ['not an object', 'input-invalid', 42],
    ['an array', 'input-invalid', [new Float32Array(784)]],
    ['a typed array', 'input-invalid', new Float32Array(784)],
    ['an unknown name', 'input-unknown', { pixels: new Float32Array(784), extra: new Float32Array(1) }],
    ['a missing input', 'input-missing', {}],
    ['a plain array', 'input-invalid', { pixels: Array(784).fill(0) }],
    ['the wrong dtype', 'input-dtype', { pixels: new Float64Array(784) }],
    ['a length the fixed dims do not divide', 'input-shape', { pixels: new Float32Array(785) }],
    ['the wrong rank', 'input-shape', { pixels: { data: new Float32Array(784), dims: [784] } }],
    ['a fixed dim that differs', 'input-shape', { pixels: { data: new Float32Array(784), dims: [2, 392] } }],
    ['data length that does not match dims', 'input-shape', { pixels: { data: new Float32Array(784), dims: [2, 784] } }],
    ['dims that are not integers', 'input-invalid', { pixels: { data: new Float32Array(784), dims: [1.5, 784] } }],
    ['negative dims', 'input-invalid', { pixels: { data: new Float32Array(784), dims: [-1, 784] } }],
  ] as const)('rejects %s with %s', (_, code, feeds) => {
    expect(codeOf(() => validateFeeds('digits', digits, feeds))).toBe(code);
  });

  test('the message names the expected signature and the input', () => {
    try {
      validateFeeds('digits', digits, { pixels: new Int32Array(784) });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('pixels: float32[batch,784]');
      expect((error as EdgeInferError).details).toMatchObject({ model: 'digits', input: 'pixels' });
    }
  });

  test('a symbolic dim must agree across inputs', () => {
    const inputs: ValueInfo[] = [
      { name: 'a', dtype: 'float32', dims: ['batch', 2] },
      { name: 'b', dtype: 'float32', dims: ['batch', 3] },
    ];
    expect(validateFeeds('m', inputs, { a: new Float32Array(4), b: new Float32Array(6) })).toHaveLength(2);
    expect(codeOf(() => validateFeeds('m', inputs, { a: new Float32Array(4), b: new Float32Array(9) }))).toBe('input-shape');
  });

  test('bare arrays need explicit dims when several dims are free', () => {
    expect(codeOf(() => validateFeeds('vad', vad, { input: new Float32Array(512), state: new Float32Array(256), sr: new BigInt64Array(1) }))).toBe(
      'input-shape',
    );
  });

  test('an input without a declared shape takes any dims', () => {
    const inputs: ValueInfo[] = [{ name: 'x', dtype: 'uint8', dims: null }];
    expect(validateFeeds('m', inputs, { x: new Uint8Array(6) })[0]?.dims).toEqual([6]);
    expect(validateFeeds('m', inputs, { x: { data: new Uint8Array(6), dims: [2, 1, 3] } })[0]?.dims).toEqual([2, 1, 3]);
    expect(codeOf(() => validateFeeds('m', inputs, { x: { data: new Uint8Array(6), dims: [4] } }))).toBe('input-shape');
  });
});

test('wholeBuffers moves only arrays that span their buffer', () => {
  const whole = new Float32Array(4);
  const view = new Float32Array(new ArrayBuffer(64), 16, 4);
  expect(wholeBuffers([{ dtype: 'float32', dims: [4], data: whole }, { dtype: 'float32', dims: [4], data: view }])).toEqual([whole.buffer]);
});

describe('validateFeeds reads hostile feeds safely', () => {
  const bytes: ValueInfo[] = [{ name: 'x', dtype: 'uint8', dims: null }];
  const detached = () => {
    const data = new Float32Array(784);
    structuredClone(data.buffer, { transfer: [data.buffer] }); // what run(feeds, { transfer: true }) leaves behind
    return data;
  };

  test.each([
    ['a detached array', 'input-invalid', () => ({ pixels: detached() })],
    ['a detached array in { data, dims }', 'input-invalid', () => ({ pixels: { data: detached(), dims: [1, 784] } })],
    ['zero rows', 'input-shape', () => ({ pixels: { data: new Float32Array(0), dims: [0, 784] } })],
    ['zero rows, inferred', 'input-shape', () => ({ pixels: new Float32Array(0) })],
    ['a data getter that throws', 'input-invalid', () => ({ pixels: { get data() { throw new Error('boom'); }, dims: [1, 784] } })],
    ['an inherited input', 'input-missing', () => Object.create({ pixels: new Float32Array(784) }) as object],
    ['a revoked Proxy', 'input-invalid', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
    ['a Proxy around a typed array', 'input-invalid', () => ({ pixels: new Proxy(new Float32Array(784), {}) })],
    ['a length getter that lies', 'input-shape', () => ({ pixels: Object.defineProperty(new Float32Array(10), 'length', { get: () => 784 }) })],
    ['a constructor that lies', 'input-dtype', () => ({ pixels: Object.defineProperty(new Float64Array(784), 'constructor', { value: Float32Array }) })],
    ['a rank too large to read', 'input-shape', () => ({ pixels: { data: new Float32Array(784), dims: Object.assign([], { length: 2 ** 32 - 1 }) } })],
  ] as const)('rejects %s with %s', (_, code, feeds) => {
    expect(codeOf(() => validateFeeds('digits', digits, feeds()))).toBe(code);
  });

  test.each([
    ['a dim over int32 (onnxruntime-web passes dims as int32)', [0, 2 ** 32 + 5]],
    ['dims whose product passes 2^53, even with a zero', [0, 2 ** 30, 2 ** 30, 2 ** 30]],
    ['dims whose product overflows', [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1]],
  ])('rejects %s with input-shape', (_, dims) => {
    expect(codeOf(() => validateFeeds('m', bytes, { x: { data: new Uint8Array(0), dims } }))).toBe('input-shape');
  });

  test('rejects feeds over 2 GiB in total before anything is posted', () => {
    const two: ValueInfo[] = [{ name: 'a', dtype: 'uint8', dims: null }, { name: 'b', dtype: 'uint8', dims: null }];
    const big = new Uint8Array(2 ** 30 + 1); // zero pages: never touched, so it costs no memory
    expect(codeOf(() => validateFeeds('m', two, { a: big, b: big }))).toBe('input-shape');
  });

  test('an input named like an Object.prototype member is missing, not inherited', () => {
    const inputs: ValueInfo[] = [{ name: 'constructor', dtype: 'float32', dims: [1] }];
    expect(codeOf(() => validateFeeds('m', inputs, {}))).toBe('input-missing');
    const own = validateFeeds('m', [{ name: '__proto__', dtype: 'float32', dims: [1] }], Object.defineProperty({}, '__proto__', { value: new Float32Array(1), enumerable: true }));
    expect(own[0]?.dims).toEqual([1]);
  });

  test('reads each feed, data and dims once, so a getter cannot change what was checked', () => {
    let reads = 0;
    const feeds = new Proxy({ pixels: new Float32Array(784) }, { get: (target, key) => (reads++, Reflect.get(target, key)) });
    validateFeeds('digits', digits, feeds);
    expect(reads).toBe(1);
    let n = 0;
    const shifty = { get data() { return n++ === 0 ? new Float32Array(784) : new Float32Array(5); }, dims: [1, 784] };
    expect(validateFeeds('digits', digits, { pixels: shifty })[0]?.data.length).toBe(784);
    let m = 0;
    const dims = Object.defineProperty([0, 784], 0, { get: () => (m++ === 0 ? 1 : '1') });
    expect(validateFeeds('digits', digits, { pixels: { data: new Float32Array(784), dims } })[0]?.dims).toEqual([1, 784]);
  });

  test('Symbol keys are ignored, and a typed array subclass counts as its base type', () => {
    class Pixels extends Float32Array {}
    const [pixels] = validateFeeds('digits', digits, { pixels: new Pixels(784), [Symbol('x')]: 1 });
    expect(pixels?.data.constructor).toBe(Float32Array);
  });

  // ES2024 resizable buffers, typed loosely: the project's lib is ES2022.
  type Resizable = ArrayBuffer & { resizable: boolean; resize(bytes: number): void };
  const resizableBuffer = (bytes: number) => new (ArrayBuffer as unknown as new (n: number, o: object) => Resizable)(bytes, { maxByteLength: 4 * bytes });

  test('shared and resizable buffers are copied, so later writes cannot reach the worker', () => {
    const shared = new Float32Array(new SharedArrayBuffer(784 * 4));
    const resizable = new Float32Array(resizableBuffer(784 * 4));
    for (const source of [shared, resizable]) {
      const [pixels] = validateFeeds('digits', digits, { pixels: source });
      source[0] = 7;
      expect(pixels?.data.buffer).toBeInstanceOf(ArrayBuffer);
      expect((pixels?.data.buffer as Resizable).resizable).toBe(false);
      expect(pixels?.data[0]).toBe(0);
    }
  });

  test('a view left out of bounds by a shrunk buffer is input-invalid', () => {
    const buffer = resizableBuffer(784 * 4);
    const view = new Float32Array(buffer, 0, 784);
    buffer.resize(16);
    expect(codeOf(() => validateFeeds('digits', digits, { pixels: view }))).toBe('input-invalid');
  });

  test('float16 takes Uint16Array, and Float16Array where the platform has it, as the same bits', () => {
    const half: ValueInfo[] = [{ name: 'h', dtype: 'float16', dims: [2] }];
    expect(validateFeeds('m', half, { h: new Uint16Array([0x3c00, 0xc000]) })[0]?.data).toEqual(new Uint16Array([0x3c00, 0xc000]));
    const F16 = (globalThis as { Float16Array?: new (values: number[]) => Uint16Array }).Float16Array;
    if (!F16) return; // Node 20 has no Float16Array; the browser fuzz covers it in Chromium
    expect(validateFeeds('m', half, { h: new F16([1, -2]) })[0]?.data).toEqual(new Uint16Array([0x3c00, 0xc000]));
    expect(codeOf(() => validateFeeds('m', [{ name: 'h', dtype: 'uint16', dims: [2] }], { h: new F16([1, -2]) }))).toBe('input-dtype');
  });
});
