import { describe, expect, test } from 'vitest';
import { OutputCache } from '../../../src/cache/output-cache.js';
import { resolveOptions } from '../../../src/options.js';
import { parseServingOptions, resolveBatchingOptions, resolveCacheOptions } from '../../../src/serving/options.js';
import { hasBatchDimension, resolveServing, stateInputs } from '../../../src/serving/serving.js';
import type { ValueInfo } from '../../../src/tensor.js';
import { codeOf as code } from '../code-of.js';

const f = (name: string, dims: ValueInfo['dims'] = ['batch', 4]): ValueInfo => ({ name, dtype: 'float32', dims });
const digits = { inputs: [f('pixels', ['batch', 784])], outputs: [f('probabilities', ['batch', 10]), f('logits', ['batch', 10])] };
const vad = {
  inputs: [f('input', ['?', '?']), f('state', [2, '?', 128]), { name: 'sr', dtype: 'int64', dims: [] } as ValueInfo],
  outputs: [f('output', ['?', 1]), f('stateN', [2, '?', 128])],
};
const context = { cache: new OutputCache({ maxEntries: 10, maxBytes: 1e6, ttlMs: Infinity }), batching: { maxBatch: 64, maxDelayMs: 2 } };


describe('stateInputs', () => {
  test.each([
    ['state -> stateN (Silero VAD)', ['state'], ['stateN'], ['state']],
    ['h0, c0 -> hn, cn (LSTM)', ['x', 'h0', 'c0'], ['y', 'hn', 'cn'], ['h0', 'c0']],
    ['state_in -> state_out', ['state_in'], ['state_out'], ['state_in']],
    ['hidden -> hidden.next', ['hidden'], ['hidden.next'], ['hidden']],
    ['past_key_values.0.key -> present.0.key', ['input_ids', 'past_key_values.0.key'], ['logits', 'present.0.key'], ['past_key_values.0.key']],
    ['input -> output is not state', ['input'], ['output'], []],
    ['pixels -> probabilities is not state', ['pixels'], ['probabilities'], []],
  ])('%s', (_, inputs, outputs, expected) => {
    expect(stateInputs(inputs.map((n) => f(n)), outputs.map((n) => f(n)))).toEqual(expected);
  });

  test('dtypes must match', () => {
    expect(stateInputs([{ name: 'h', dtype: 'int64', dims: [1] }], [f('hn')])).toEqual([]);
  });

  test('finds the VAD state and nothing in digits', () => {
    expect(stateInputs(vad.inputs, vad.outputs)).toEqual(['state']);
    expect(stateInputs(digits.inputs, digits.outputs)).toEqual([]);
  });
});

describe('hasBatchDimension', () => {
  test('needs a free first dim on every input and output', () => {
    expect(hasBatchDimension(digits.inputs, digits.outputs)).toBe(true);
    expect(hasBatchDimension(vad.inputs, vad.outputs)).toBe(false); // scalar sr, fixed first dim of state
    expect(hasBatchDimension([f('x', [1, 4])], [f('y', [1, 4])])).toBe(false);
    expect(hasBatchDimension([f('x', null)], [f('y')])).toBe(false);
    expect(hasBatchDimension([f('x')], [f('y', [4])])).toBe(false);
  });
});

describe('resolveServing', () => {
  test('a stateless batchable model is cached and batched by default', () => {
    expect(resolveServing(context, {}, digits.inputs, digits.outputs)).toEqual({
      cache: true, batching: { maxBatch: 64, maxDelayMs: 2 }, stateful: false, stateInputs: [],
    });
  });

  test('a stateful model is neither cached nor batched unless allowed', () => {
    expect(resolveServing(context, {}, vad.inputs, vad.outputs)).toMatchObject({ cache: false, batching: false, stateful: true, stateInputs: ['state'] });
    expect(resolveServing(context, { cache: true }, vad.inputs, vad.outputs).cache).toBe(true);
    expect(resolveServing(context, { stateful: false }, vad.inputs, vad.outputs)).toMatchObject({ cache: true, stateful: false });
    expect(resolveServing(context, { stateful: true }, digits.inputs, digits.outputs)).toMatchObject({ cache: false, batching: false });
  });

  test('per-model batching overrides the runtime default field by field, or turns it off', () => {
    expect(resolveServing(context, { batching: { maxBatch: 8 } }, digits.inputs, digits.outputs).batching).toEqual({ maxBatch: 8, maxDelayMs: 2 });
    expect(resolveServing(context, { batching: false }, digits.inputs, digits.outputs).batching).toBe(false);
    expect(resolveServing({ ...context, batching: false }, {}, digits.inputs, digits.outputs).batching).toBe(false);
  });

  test('without a runtime cache nothing is cached', () => {
    expect(resolveServing({ cache: undefined, batching: false }, { cache: true }, digits.inputs, digits.outputs).cache).toBe(false);
  });
});

describe('options', () => {
  test('runtime defaults are documented and frozen', () => {
    const resolved = resolveOptions();
    expect(resolved.cache).toEqual({ maxEntries: 1000, maxBytes: 8 * 1024 * 1024, ttlMs: Infinity });
    expect(resolved.batching).toEqual({ maxBatch: 64, maxDelayMs: 2 });
    expect(Object.isFrozen(resolved.cache) && Object.isFrozen(resolved.batching)).toBe(true);
    expect(resolveOptions({ cache: false, batching: false })).toMatchObject({ cache: false, batching: false });
    expect(resolveOptions({ cache: { ttlMs: 5000 } }).cache).toEqual({ maxEntries: 1000, maxBytes: 8 * 1024 * 1024, ttlMs: 5000 });
  });

  test.each([
    ['cache null', () => resolveCacheOptions(null)],
    ['cache true', () => resolveCacheOptions(true)],
    ['zero entries', () => resolveCacheOptions({ maxEntries: 0 })],
    ['fractional entries', () => resolveCacheOptions({ maxEntries: 1.5 })],
    ['negative bytes', () => resolveCacheOptions({ maxBytes: -1 })],
    ['zero ttl', () => resolveCacheOptions({ ttlMs: 0 })],
    ['batching as an array', () => resolveBatchingOptions([])],
    ['zero maxBatch', () => resolveBatchingOptions({ maxBatch: 0 })],
    ['negative delay', () => resolveBatchingOptions({ maxDelayMs: -1 })],
    ['NaN delay', () => resolveBatchingOptions({ maxDelayMs: NaN })],
    ['load cache as a string', () => parseServingOptions({ cache: 'yes' })],
    ['load stateful as a number', () => parseServingOptions({ stateful: 1 })],
    ['load batching true', () => parseServingOptions({ batching: true })],
    ['createRuntime cache as a number', () => resolveOptions({ cache: 100 })],
  ])('rejects %s with options-invalid', (_, fn) => {
    expect(code(fn)).toBe('options-invalid');
  });

  test('load() serving fields pass through; other fields are ignored here', () => {
    expect(parseServingOptions({ cache: false, batching: { maxDelayMs: 0 }, stateful: true, manifest: 'x' })).toEqual({
      cache: false, batching: { maxDelayMs: 0 }, stateful: true,
    });
    expect(parseServingOptions(undefined)).toEqual({});
  });
});
