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
