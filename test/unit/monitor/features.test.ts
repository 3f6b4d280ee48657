import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import {
  bindRows, looksLikeClassifier, planFeatures, projectionMatrix, rowFeatures, type PlanTensor,
} from '../../../src/monitor/features.js';
import { mulberry32 } from '../../../src/random.js';
import { codeOf } from '../code-of.js';

interface ManifestModel {
  id: string;
  inputs: { name: string; dtype: string; dims: (number | string)[] }[];
  outputs: { name: string; dtype: string; dims: (number | string)[] }[];
  usage?: { shapesPerFrame: Record<string, number[]> };
}
const manifest = JSON.parse(readFileSync(new URL('../../../models/manifest.json', import.meta.url), 'utf8')) as { models: ManifestModel[] };

/** Row dims per tensor: the manifest dims without the batch axis, or (VAD) one call's shapes as one row. */
function rowsOf(model: ManifestModel, list: ManifestModel['inputs']): PlanTensor[] {
  return list.map((t) => ({ name: t.name, dtype: t.dtype, rowDims: model.usage?.shapesPerFrame[t.name] ?? (t.dims.slice(1) as number[]) }));
}
const summaries = (name: string) => [`${name}.mean`, `${name}.std`, `${name}.zeros`, ...Array.from({ length: 8 }, (_, i) => `${name}.projection[${i}]`)];
const elements = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}[${i}]`);

test('plans for the bundled models', () => {
  const names = (id: string, classifiers: string[] = []) => {
    const model = manifest.models.find((m) => m.id === id) as ManifestModel;
    return planFeatures(rowsOf(model, model.inputs), rowsOf(model, model.outputs), { seed: 1, classifiers }).features.map((f) => f.name);
  };
  expect(names('digits', ['probabilities'])).toEqual([...summaries('pixels'), 'probabilities.class', 'probabilities.confidence', ...elements('logits', 10)]);
  expect(names('digits')).toEqual([...summaries('pixels'), ...elements('probabilities', 10), ...elements('logits', 10)]);
  expect(names('forecast')).toEqual([...elements('history', 36), ...elements('forecast', 12)]);
  // VAD: the 576-sample frame and the 2×1×128 states are summarized; the scalar sample rate is one feature.
  expect(names('vad')).toEqual([...summaries('input'), ...summaries('state'), 'sr', 'output[0]', ...summaries('stateN')]);
});

test('feature values of a digits-like row match a direct computation', () => {
  const random = mulberry32(3);
  const rows = 3;
  const pixels = Float32Array.from({ length: rows * 784 }, () => (random() < 0.8 ? 0 : random()));
  const logits = Float32Array.from({ length: rows * 10 }, () => random() * 4 - 2);
  const probabilities = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) {
    const e = Array.from(logits.subarray(r * 10, r * 10 + 10), Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    probabilities.set(e.map((v) => v / sum), r * 10);
  }
  const plan = planFeatures([{ name: 'pixels', dtype: 'float32', rowDims: [784] }],
    [{ name: 'probabilities', dtype: 'float32', rowDims: [10] }, { name: 'logits', dtype: 'float32', rowDims: [10] }], { seed: 9, classifiers: ['probabilities'] });
  const bound = bindRows(plan, { inputs: { pixels: { data: pixels } }, outputs: { probabilities: { data: probabilities }, logits: { data: logits } } });
  expect(bound.rows).toBe(rows);
  const p = projectionMatrix(9, 784);
  const out = new Float64Array(plan.features.length);
  for (let r = 0; r < rows; r++) {
    rowFeatures(bound, r, out);
    const x = Array.from(pixels.subarray(r * 784, r * 784 + 784));
    const mean = x.reduce((a, b) => a + b, 0) / 784;
    const byName = Object.fromEntries(plan.features.map((f, i) => [f.name, out[i]]));
    expect(byName['pixels.mean']).toBeCloseTo(mean, 12);
    expect(byName['pixels.std']).toBeCloseTo(Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / 784), 12);
    expect(byName['pixels.zeros']).toBe(x.filter((v) => v === 0).length / 784);
    for (let k = 0; k < 8; k++) expect(byName[`pixels.projection[${k}]`]).toBeCloseTo(x.reduce((a, v, i) => a + v * p[i * 8 + k]!, 0), 12);
    const probs = Array.from(probabilities.subarray(r * 10, r * 10 + 10));
    const top = Math.max(...probs);
    expect(byName['probabilities.class']).toBe(probs.indexOf(top));
    expect(byName['probabilities.confidence']).toBe(top);
    for (let i = 0; i < 10; i++) expect(byName[`logits[${i}]`]).toBe(logits[r * 10 + i]);
  }
});

test('int64 values are read as numbers, and a one-row tensor is shared by every row', () => {
  const plan = planFeatures([{ name: 'frame', dtype: 'float32', rowDims: [2] }, { name: 'sr', dtype: 'int64', rowDims: [] }], [], { seed: 1 });
  expect(plan.features.map((f) => f.name)).toEqual(['frame[0]', 'frame[1]', 'sr']);
  const bound = bindRows(plan, { inputs: { frame: { data: Float32Array.from([1, 2, 3, 4]) }, sr: { data: BigInt64Array.from([16000n]) } }, outputs: {} });
  expect(bound.rows).toBe(2);
  expect(Array.from(rowFeatures(bound, 1, new Float64Array(3)))).toEqual([3, 4, 16000]);
});

test('a classifier row of NaNs gives NaN class and confidence; empty rows have no features', () => {
  const plan = planFeatures([{ name: 'empty', dtype: 'float32', rowDims: [0] }], [{ name: 'p', dtype: 'float32', rowDims: [3] }], { seed: 1, classifiers: ['p'] });
  expect(plan.features.map((f) => f.name)).toEqual(['p.class', 'p.confidence']);
  expect(plan.features[0]!.classes).toBe(3);
  const bound = bindRows(plan, { inputs: {}, outputs: { p: { data: Float32Array.from([NaN, NaN, NaN]) } } });
  expect(Array.from(rowFeatures(bound, 0, new Float64Array(2)))).toEqual([NaN, NaN]);
});

test('projections are seeded, ±1/√len, the same for the same seed and length', () => {
  const a = projectionMatrix(5, 100);
  expect(a.length).toBe(800);
  expect(a.every((v) => Math.abs(Math.abs(v) - 0.1) < 1e-15)).toBe(true);
  expect(projectionMatrix(5, 100)).toEqual(a);
  expect(projectionMatrix(6, 100)).not.toEqual(a);
  const positives = a.filter((v) => v > 0).length;
  expect(positives).toBeGreaterThan(300);
  expect(positives).toBeLessThan(500);
});

test('classifier detection: probability rows only', () => {
  const t = (data: number[], dims: number[], dtype = 'float32') => ({ dtype, dims, data: Float32Array.from(data) }) as Parameters<typeof looksLikeClassifier>[0];
  expect(looksLikeClassifier(t([0.2, 0.8, 1, 0], [2, 2]))).toBe(true);
  expect(looksLikeClassifier(t([0.2, 0.8005, 1, 0], [2, 2]))).toBe(true); // within 1e-3
  expect(looksLikeClassifier(t([0.2, 0.9, 1, 0], [2, 2]))).toBe(false);
  expect(looksLikeClassifier(t([-0.2, 1.2], [1, 2]))).toBe(false);
  expect(looksLikeClassifier(t([1, 1], [2, 1]))).toBe(false); // one class
  expect(looksLikeClassifier(t([0.5, 0.5, 0.5, 0.5], [1, 2, 2]))).toBe(false); // two distributions per row
  expect(looksLikeClassifier({ dtype: 'int32', dims: [1, 2], data: Int32Array.from([0, 1]) })).toBe(false);
});

test('bad plans and bad rows throw input-invalid', () => {
  const x = { name: 'x', dtype: 'float32', rowDims: [3] };
  const plan = (inputs: PlanTensor[], outputs: PlanTensor[] = [], classifiers?: string[]) => () => planFeatures(inputs, outputs, { seed: 1, classifiers });
  expect(codeOf(plan([x]))).toBeUndefined();
  expect(codeOf(plan([x], [], ['y']))).toBe('input-invalid'); // no such output
  expect(codeOf(plan([], [{ name: 'y', dtype: 'float32', rowDims: [1] }], ['y']))).toBe('input-invalid'); // one class
  expect(codeOf(plan([x, x]))).toBe('input-invalid');
  expect(codeOf(plan([{ ...x, dtype: 'float16' }]))).toBe('input-invalid');
  expect(codeOf(plan([{ ...x, dtype: 'string' }]))).toBe('input-invalid');
  expect(codeOf(plan([{ ...x, rowDims: [-1] }]))).toBe('input-invalid');
  expect(codeOf(plan([{ ...x, name: '' }]))).toBe('input-invalid');
  expect(codeOf(plan([{ name: 's', dtype: 'float32', rowDims: [] }], [{ name: 's', dtype: 'float32', rowDims: [] }]))).toBe('input-invalid'); // both named "s"

  const p = planFeatures([x, { name: 'y', dtype: 'float32', rowDims: [2] }], [], { seed: 1 });
  const bind = (inputs: Record<string, { data: Float32Array }>) => () => bindRows(p, { inputs, outputs: {} });
  expect(codeOf(bind({ x: { data: new Float32Array(6) }, y: { data: new Float32Array(4) } }))).toBeUndefined();
  expect(codeOf(bind({ x: { data: new Float32Array(6) } }))).toBe('input-invalid'); // y missing
  expect(codeOf(bind({ x: { data: new Float32Array(5) }, y: { data: new Float32Array(4) } }))).toBe('input-invalid'); // partial row
  expect(codeOf(bind({ x: { data: new Float32Array(9) }, y: { data: new Float32Array(4) } }))).toBe('input-invalid'); // 3 rows against 2
});
