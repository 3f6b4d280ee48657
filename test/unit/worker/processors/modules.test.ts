import { afterEach, describe, expect, test, vi } from 'vitest';
import { EdgeInferError } from '../../../../src/errors.js';
import { checkAnswer, moduleUrl } from '../../../../src/worker/processors/modules.js';
import { itemOutputs } from '../../../../src/worker/processors/post.js';

const failing = (field: string, what: string): never => {
  throw new Error(`${field}: ${what}`);
};

describe('checkAnswer', () => {
  test('classes, values and custom answers come back as clean copies', () => {
    const best = { label: 'up', index: 1, score: 0.9 };
    const extra = { ...best, note: 'dropped' };
    expect(checkAnswer({ type: 'classes', ...extra, topK: [extra] }, failing)).toEqual({ type: 'classes', ...best, topK: [best] });
    const values = [1, 2.5];
    const answer = checkAnswer({ type: 'values', values }, failing);
    expect(answer).toEqual({ type: 'values', values: [1, 2.5] });
    expect((answer as { values: number[] }).values).not.toBe(values);
    const value = { boxes: [[1, 2, 3, 4]], at: new Date(0) };
    expect(checkAnswer({ type: 'custom', value }, failing)).toEqual({ type: 'custom', value });
  });

  test.each<[string, unknown, string]>([
    ['not an object', 42, 'answer'],
    ['an unknown type', { type: 'boxes' }, 'answer.type'],
    ['values not an array', { type: 'values', values: 3 }, 'answer.values'],
    ['a value that is not finite', { type: 'values', values: [1, Number.NaN] }, 'answer.values[1]'],
    ['a label that is not a string', { type: 'classes', label: 7, index: 7, score: 1, topK: [] }, 'answer.label'],
    ['a negative index', { type: 'classes', label: 'a', index: -1, score: 1, topK: [] }, 'answer.index'],
    ['no topK', { type: 'classes', label: 'a', index: 0, score: 1 }, 'answer.topK'],
    ['a bad score in topK', { type: 'classes', label: 'a', index: 0, score: 1, topK: [{ label: 'a', index: 0, score: '1' }] }, 'answer.topK[0].score'],
    ['a custom value with a function', { type: 'custom', value: { f: () => 1 } }, 'answer.value'],
  ])('names the field of %s', (_, answer, field) => {
    expect(() => checkAnswer(answer, failing)).toThrow(`${field}: `);
  });
});

describe('moduleUrl', () => {
  afterEach(() => vi.unstubAllGlobals());
  const spec = (url: string) => ({ type: 'module' as const, url });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return { code: (error as EdgeInferError).code, details: (error as EdgeInferError).details };
    }
    return undefined;
  };

  test('resolves against the manifest and allows the page\'s origin only, unless allowedOrigins lists more', () => {
    vi.stubGlobal('location', { origin: 'https://app.example' });
    expect(moduleUrl(spec('procs/pre.js'), 'pre', 'm', 'https://app.example/models/manifest.json', undefined)).toBe('https://app.example/models/procs/pre.js');
    expect(code(() => moduleUrl(spec('https://cdn.example/pre.js'), 'pre', 'm', undefined, undefined))).toEqual({
      code: 'origin-not-allowed', details: { model: 'm', processor: 'pre', field: 'url', url: 'https://cdn.example/pre.js', origin: 'https://cdn.example' },
    });
    expect(moduleUrl(spec('https://cdn.example/pre.js'), 'pre', 'm', undefined, ['https://cdn.example', 'https://app.example'])).toBe('https://cdn.example/pre.js');
    expect(code(() => moduleUrl(spec('https://app.example/pre.js'), 'post', 'm', undefined, ['https://cdn.example']))?.code).toBe('origin-not-allowed');
  });

  test('data: and javascript: URLs are refused; a relative URL without a base cannot be imported', () => {
    vi.stubGlobal('location', { origin: 'https://app.example' });
    expect(code(() => moduleUrl(spec('data:text/javascript,export const pre = () => ({})'), 'pre', 'm', undefined, undefined))?.code).toBe('origin-not-allowed');
    expect(code(() => moduleUrl(spec('javascript:alert(1)'), 'pre', 'm', undefined, ['null']))?.code).toBe('origin-not-allowed');
    expect(code(() => moduleUrl(spec('pre.js'), 'pre', 'm', undefined, undefined))).toMatchObject({ code: 'processor-invalid', details: { field: 'url', processor: 'pre' } });
  });
});

test('itemOutputs: one item of a batch, first dimension 1; outputs of another length stay whole', () => {
  const outputs = {
    y: { dtype: 'float32' as const, dims: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    z: { dtype: 'float32' as const, dims: [1], data: Float32Array.of(9) },
  };
  const item = itemOutputs(outputs, 1, 3);
  expect(item.y).toEqual({ dtype: 'float32', dims: [1, 2], data: Float32Array.of(3, 4) });
  expect(item.z).toBe(outputs.z);
  expect(itemOutputs(outputs, 0, 1)).toBe(outputs);
});
