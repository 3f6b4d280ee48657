import { describe, expect, test } from 'vitest';
import type { Tensor, ValueInfo } from '../../../src/index.js';
import { batchable, checkSamples, LabError, makeInputs } from '../../../demo/lab/inputs.js';

const DIGITS: ValueInfo[] = [{ name: 'pixels', dtype: 'float32', dims: ['batch', 4] }];
const VAD: ValueInfo[] = [
  { name: 'input', dtype: 'float32', dims: ['batch', 'samples'] },
  { name: 'state', dtype: 'float32', dims: [2, 'batch', 128] },
  { name: 'sr', dtype: 'int64', dims: [] },
];
const vadFixed = {
  state: { dtype: 'float32', dims: [2, 1, 128], data: new Float32Array(256) },
  sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) },
} satisfies Record<string, Tensor>;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LabError);
    return (error as LabError).code;
  }
  return undefined;
}

describe('batchable', () => {
  test('only when every made input has a free first dim and no fixed input is sized by the batch', () => {
    expect(batchable(DIGITS)).toBe(true);
    expect(batchable([{ name: 'x', dtype: 'float32', dims: [-1, 3] }])).toBe(true);
    expect(batchable([{ name: 'x', dtype: 'float32', dims: [1, 3] }])).toBe(false);
    expect(batchable([{ name: 'x', dtype: 'float32', dims: null }])).toBe(false);
    expect(batchable([{ name: 'x', dtype: 'float32', dims: [] }])).toBe(false);
    expect(batchable(VAD, vadFixed)).toBe(false); // state [2, batch, 128] holds one row
    expect(batchable(VAD.filter((v) => v.name !== 'state'), vadFixed)).toBe(true); // sr is a scalar: any batch
  });
});

describe('made from the signature', () => {
  test('free dims 1 except the batch; the same values for the same seed; batch 1 is the first row of batch 16', () => {
    const inputs: ValueInfo[] = [{ name: 'x', dtype: 'float32', dims: ['batch', 'n', 3] }, { name: 'ids', dtype: 'int64', dims: ['batch', 2] }];
    const a = makeInputs(inputs, {}, 16, 7);
    expect(a.x!.dims).toEqual([16, 1, 3]);
    expect(a.ids!.dims).toEqual([16, 2]);
    expect(a.ids!.data).toEqual(new BigInt64Array(32));
    const x = a.x!.data as Float32Array;
    expect(x.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(x).size).toBeGreaterThan(40); // random, not constant
    expect(makeInputs(inputs, {}, 16, 7).x!.data).toEqual(x);
    expect(makeInputs(inputs, {}, 16, 8).x!.data).not.toEqual(x);
    expect(makeInputs(inputs, {}, 1, 7).x!.data).toEqual(x.slice(0, 3));
  });

  test('every dtype the SDK has: ints zero, bool false, float16 as half words in [0, 1); fixed dims and scalars kept', () => {
    const inputs: ValueInfo[] = (['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'uint64', 'bool', 'float64', 'float16'] as const)
      .map((dtype) => ({ name: dtype, dtype, dims: [1, 5] }));
    const feeds = makeInputs([...inputs, { name: 's', dtype: 'int32', dims: [] }], {}, 1);
    expect(feeds.int8!.data).toBeInstanceOf(Int8Array);
    expect(feeds.uint64!.data).toEqual(new BigUint64Array(5));
    expect(feeds.bool!.data).toEqual(new Uint8Array(5));
    expect(feeds.float64!.data).toBeInstanceOf(Float64Array);
    const half = feeds.float16!.data as Uint16Array;
    expect(half).toBeInstanceOf(Uint16Array);
    expect(half.every((w) => w < 0x3c00)).toBe(true); // below 1.0
    expect(new Set(half).size).toBeGreaterThan(1);
    expect(feeds.s!.dims).toEqual([]);
    expect(feeds.s!.data.length).toBe(1);
  });

  test('a string input (or any dtype the SDK lacks) is inputs-unsupported, naming the input and dtype', () => {
    const inputs = [...DIGITS, { name: 'text', dtype: 'string', dims: ['batch'] } as unknown as ValueInfo];
    expect(codeOf(() => makeInputs(inputs, {}, 1))).toBe('inputs-unsupported');
    expect(() => makeInputs(inputs, {}, 1)).toThrow(/"text".*string/);
    // ...unless the caller passes it as a fixed input
    const text = { dtype: 'uint8', dims: [1], data: new Uint8Array(1) } as Tensor;
    expect(makeInputs(inputs, { fixed: { text } }, 1).text).toBe(text);
  });
});

describe('from samples', () => {
  const samples = { pixels: { dtype: 'float32', dims: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) } } satisfies Record<string, Tensor>;

  test('rows taken round-robin to fill the batch', () => {
    const feeds = makeInputs(DIGITS, { samples }, 5);
    expect(feeds.pixels!.dims).toEqual([5, 4]);
    expect([...feeds.pixels!.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...makeInputs(DIGITS, { samples }, 1).pixels!.data]).toEqual([0, 1, 2, 3]);
  });

  test('fixed inputs pass as they are next to samples (the VAD)', () => {
    const frames = { input: { dtype: 'float32', dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) } } satisfies Record<string, Tensor>;
    const feeds = makeInputs(VAD, { samples: frames, fixed: vadFixed }, 1);
    expect(feeds.state).toBe(vadFixed.state);
    expect(feeds.sr).toBe(vadFixed.sr);
    expect(feeds.input!.dims).toEqual([1, 3]);
    expect([...feeds.input!.data]).toEqual([1, 2, 3]);
  });

  test('samples that do not fit are npy-mismatch, saying what was expected and what came', () => {
    const wrongDtype = { pixels: { dtype: 'float64', dims: [3, 4], data: new Float64Array(12) } } satisfies Record<string, Tensor>;
    expect(codeOf(() => checkSamples(DIGITS, wrongDtype))).toBe('npy-mismatch');
    expect(() => checkSamples(DIGITS, wrongDtype)).toThrow(/"pixels": expected samples float32\[samples,4\].*got float64\[3,4\]/);
    const wrongDims = { pixels: { dtype: 'float32', dims: [2, 6], data: new Float32Array(12) } } satisfies Record<string, Tensor>;
    expect(() => checkSamples(DIGITS, wrongDims)).toThrow(/got float32\[2,6\]/);
    const wrongRank = { pixels: { dtype: 'float32', dims: [12], data: new Float32Array(12) } } satisfies Record<string, Tensor>;
    expect(codeOf(() => checkSamples(DIGITS, wrongRank))).toBe('npy-mismatch');
    const empty = { pixels: { dtype: 'float32', dims: [0, 4], data: new Float32Array(0) } } satisfies Record<string, Tensor>;
    expect(codeOf(() => checkSamples(DIGITS, empty))).toBe('npy-mismatch');
    const short = { pixels: { dtype: 'float32', dims: [3, 4], data: new Float32Array(8) } } satisfies Record<string, Tensor>;
    expect(() => checkSamples(DIGITS, short)).toThrow(/holding 8 values/);
    expect(() => checkSamples(DIGITS, { image: samples.pixels })).toThrow(/samples have "image", but the model's inputs are "pixels"/);
    expect(() => checkSamples(VAD, { input: samples.pixels }, { sr: vadFixed.sr })).toThrow(/"state".*expected samples for it, got none/);
    expect(codeOf(() => makeInputs(DIGITS, { samples: wrongDtype }, 1))).toBe('npy-mismatch'); // makeInputs checks too
    expect(codeOf(() => checkSamples(VAD, { input: samples.pixels }, vadFixed))).toBeUndefined(); // a free 'samples' dim takes 4
    expect(codeOf(() => checkSamples([{ name: 'x', dtype: 'float32', dims: null }], { x: wrongRank.pixels }))).toBeUndefined();
  });
});
