import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { rowsOf, rowWidth } from '../../../src/processors/rows.js';
import { checkProcessors, type TabularPre } from '../../../src/processors/spec.js';
import { parseManifest } from '../../../src/store/manifest.js';
import { postProcess } from '../../../src/worker/processors/post.js';
import { standardize } from '../../../src/worker/processors/tabular.js';
import { codeOf } from '../code-of.js';
import manifest from '../../../models/manifest.json';

const pre: TabularPre = { type: 'tabular', input: 'x', features: ['age', 'height', 'weight'], mean: [40, 170, 70], std: [10, 10, 5] };

/** The error rowsOf throws for `input`. */
function refusal(input: unknown, p: TabularPre = pre): EdgeInferError {
  try {
    rowsOf(input, p, 3, 'm');
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeInferError);
    return error as EdgeInferError;
  }
  throw new Error('expected rowsOf to throw');
}

describe('rowsOf', () => {
  test('a number[], a Float32Array and an object keyed by feature names give the same row', () => {
    const want = [50, 180, 80];
    for (const input of [want, Float32Array.from(want), { weight: 80, age: 50, height: 180 }]) {
      expect(rowsOf(input, pre, 3, 'm')).toEqual({ kind: 'rows', data: Float64Array.from(want), count: 1, many: false });
    }
  });

  test('an array of rows (mixed forms) is many rows, in order', () => {
    const rows = rowsOf([[1, 2, 3], Float64Array.of(4, 5, 6), { age: 7, height: 8, weight: 9 }], pre, 3, 'm');
    expect(rows).toMatchObject({ count: 3, many: true });
    expect(Array.from(rows.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('values keep float64 precision until the worker standardizes them', () => {
    expect(rowsOf([0.1, 0.2, 412.345678], pre, 3, 'm').data[2]).toBe(412.345678);
  });

  test.each<[string, unknown, string]>([
    ['too few values', [1, 2], 'row'],
    ['a NaN', [1, Number.NaN, 3], 'row[1]'],
    ['a string', [1, 2, '3'], 'row[2]'],
    ['a BigInt array', BigInt64Array.of(1n, 2n, 3n), 'row'],
    ['a missing feature', { age: 1, height: 2 }, 'row.weight'],
    ['an unknown feature', { age: 1, height: 2, weight: 3, hieght: 4 }, 'row.hieght'],
    ['a bad value in row 1 of many', [[1, 2, 3], [1, 2, Infinity]], 'rows[1][2]'],
    ['a string row', 'a cat', 'row'],
    ['null', null, 'row'],
    ['a Map', new Map([['age', 1]]), 'row'],
  ])('refuses %s: input-invalid naming the field', (_, input, field) => {
    const error = refusal(input);
    expect(error.code).toBe('input-invalid');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(field);
  });

  test('an object row needs named features; a huge call is refused before it is copied', () => {
    expect(refusal({ a: 1 }, { type: 'tabular', input: 'x' }).message).toContain('pre.features');
    const huge = new Array<number[]>(6_000_000);
    huge[0] = [1, 2, 3];
    expect(refusal(huge).details.field).toBe('rows');
  });

  test('rowWidth: from features, mean or std, else the input\'s fixed last dimension', () => {
    expect(rowWidth(pre, undefined)).toBe(3);
    expect(rowWidth({ type: 'tabular', input: 'x', std: [1, 2] }, undefined)).toBe(2);
    expect(rowWidth({ type: 'tabular', input: 'x' }, { name: 'x', dtype: 'float32', dims: ['batch', 36] })).toBe(36);
    expect(rowWidth({ type: 'tabular', input: 'x' }, { name: 'x', dtype: 'float32', dims: ['batch', 'n'] })).toBeUndefined();
  });
});

describe('standardize and values', () => {
  test('(value - mean) / std per feature, computed in float64 and rounded once', () => {
    const rows = Float64Array.of(50, 180, 80, 40, 170, 70);
    expect(Array.from(standardize(rows, 3, pre))).toEqual([1, 1, 2, 0, 0, 0]);
    const odd = Float64Array.of(412.345678);
    expect(standardize(odd, 1, { type: 'tabular', input: 'x', mean: [400.1], std: [3.3] })[0]).toBe(Math.fround((412.345678 - 400.1) / 3.3));
    expect(Array.from(standardize(Float64Array.of(1.5, 2), 2, { type: 'tabular', input: 'x' }))).toEqual([1.5, 2]);
  });

  test('values: a scale and an offset per value undo per-target standardization', () => {
    const outputs = { y: { dtype: 'float32' as const, dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) } };
    expect(postProcess(outputs, { type: 'values', output: 'y', scale: [10, 100], offset: [1, -1] }, 1)).toEqual({ type: 'values', values: [31, 399] });
    expect(postProcess(outputs, { type: 'values', output: 'y', scale: 2, offset: [0, 1] })).toEqual({ type: 'values', values: [2, 5] });
  });
});

describe('checking tabular and module specs', () => {
  const url = 'https://app.example/models/manifest.json';
  const forecast = manifest.models.find((m) => m.id === 'forecast')!;
  test('the bundled forecast entry carries a tabular pre and a values post', () => {
    const entry = parseManifest(manifest, url).models.find((m) => m.id === 'forecast')!;
    expect(entry.pre).toEqual({ type: 'tabular', input: 'history' });
    expect(entry.post).toEqual({ type: 'values', output: 'forecast' });
  });
  test.each<[string, Record<string, unknown>, string]>([
    ['features that repeat', { pre: { type: 'tabular', input: 'history', features: ['a', 'a'] } }, 'models[0].pre.features'],
    ['a std of 0', { pre: { type: 'tabular', input: 'history', std: [1, 0] } }, 'models[0].pre.std'],
    ['mean and std of different lengths', { pre: { type: 'tabular', input: 'history', mean: [1, 2], std: [1] } }, 'models[0].pre.std has 1 values'],
    ['no input', { pre: { type: 'tabular' } }, 'models[0].pre.input'],
    ['a scale array with a string', { post: { type: 'values', output: 'forecast', scale: [1, 'x'] } }, 'models[0].post.scale'],
    ['a module without a url', { pre: { type: 'module' } }, 'models[0].pre.url'],
    ['module options that are not data', { post: { type: 'module', url: 'p.js', options: [1] } }, 'models[0].post.options'],
    ['an unknown post type', { post: { type: 'boxes', output: 'forecast' } }, 'models[0].post.type'],
  ])('rejects %s: manifest-invalid naming the field', (_, change, field) => {
    const value = { models: [{ ...forecast, ...change }] };
    expect(codeOf(() => parseManifest(value, url))).toBe('manifest-invalid');
    expect(() => parseManifest(value, url)).toThrow(field);
  });

  test('a module url is resolved against the base in a copy; options must be JSON-like data', () => {
    const fail = (what: string): never => {
      throw new Error(what);
    };
    const given = { pre: { type: 'module' as const, url: 'pre.js', options: { k: [1, 'a', null, { deep: true }] } }, post: { type: 'values' as const, output: 'y' } };
    const checked = checkProcessors(given, 'processors', fail, 'https://app.example/app/index.html');
    expect(checked.pre).toEqual({ ...given.pre, url: 'https://app.example/app/pre.js' });
    expect(given.pre.url).toBe('pre.js');
    expect(checked.post).toBe(given.post);
    expect(checkProcessors(given, 'processors', fail, undefined)).toBe(given);
    expect(() => checkProcessors({ pre: { type: 'module', url: 'p.js', options: { f: () => 1 } } }, 'processors', fail)).toThrow('processors.pre.options');
    expect(() => checkProcessors({ pre: { type: 'module', url: 'p.js', options: { n: Number.NaN } } }, 'processors', fail)).toThrow('processors.pre.options');
  });
});
