import { expect, test } from 'vitest';
import {
  checkActual, QualityWindow, summarizeClassifier, summarizeRegressor, toSummary,
  type ClassifierPrediction, type ClassifierScore, type RegressorPrediction, type RegressorScore,
} from '../../../src/monitor/quality.js';
import { codeOf } from '../code-of.js';

const cls = (predicted: number, classes = 3): ClassifierPrediction =>
  ({ kind: 'classifier', model: 'digits', version: 'a'.repeat(64), class: predicted, confidence: 0.9, classes });
const reg = (...values: number[]): RegressorPrediction => ({ kind: 'regressor', model: 'forecast', version: '1', values });

test('a classifier row becomes its arg-max and value; NaNs are skipped', () => {
  expect(summarizeClassifier(new Float32Array([0.1, 0.7, 0.2]))).toEqual({ class: 1, confidence: new Float32Array([0.7])[0], classes: 3 });
  expect(summarizeClassifier([-5, -1, -3])).toEqual({ class: 1, confidence: -1, classes: 3 });
  expect(summarizeClassifier([NaN, 2, 2])).toEqual({ class: 1, confidence: 2, classes: 3 }); // first of a tie
  expect(summarizeClassifier([-Infinity, -Infinity])).toEqual({ class: 0, confidence: -Infinity, classes: 2 });
  expect(summarizeClassifier([NaN, NaN])).toBeUndefined();
  expect(summarizeClassifier([])).toBeUndefined();
  expect(codeOf(() => summarizeClassifier('0.1,0.9' as never))).toBe('input-invalid');
});

test('a regressor row becomes its values, when there are 1 to 64 finite ones', () => {
  expect(summarizeRegressor(new Float32Array([1.5, -2]))).toEqual({ values: [1.5, -2] });
  expect(summarizeRegressor(new Array(64).fill(0))?.values).toHaveLength(64);
  expect(summarizeRegressor(new Array(65).fill(0))).toBeUndefined();
  expect(summarizeRegressor([1, NaN])).toBeUndefined();
  expect(summarizeRegressor([])).toBeUndefined();
  expect(codeOf(() => summarizeRegressor(null as never))).toBe('input-invalid');
});

test('a summary keeps its own fields only, and bad predictions are refused', () => {
  const leaky = { ...cls(2), input: new Float32Array(784), user: 'alice' };
  expect(Object.keys(toSummary(leaky, 5)).sort()).toEqual(['at', 'class', 'classes', 'confidence', 'kind', 'model', 'version']);
  expect(Object.keys(toSummary(reg(1, 2), 5)).sort()).toEqual(['at', 'kind', 'model', 'values', 'version']);
  const bad = [null, { ...cls(3) }, { ...cls(0), classes: 0 }, { ...cls(1.5) }, { ...cls(0), confidence: NaN }, { ...cls(0), model: '' },
    { ...cls(0), version: 3 }, { ...cls(0), kind: 'ranker' }, reg(), { ...reg(1), values: [Infinity] }, { ...reg(1), values: '1' }];
  for (const p of bad) expect(codeOf(() => toSummary(p as never, 0)), JSON.stringify(p)).toBe('input-invalid');
});

test('outcomes must match their prediction: a class in range, or as many values', () => {
  expect(checkActual(cls(0), 2)).toBe(2);
  expect(checkActual(reg(1, 2), [3, 4])).toEqual([3, 4]);
  expect(checkActual(reg(1), 7)).toEqual([7]);
  expect(checkActual(reg(1, 2), new Float64Array([3, 4]))).toEqual([3, 4]);
  for (const a of [3, -1, 1.5, NaN, [1], '1', null]) expect(codeOf(() => checkActual(cls(0), a)), String(a)).toBe('input-invalid');
  for (const a of [[1], [1, 2, 3], [1, NaN], 5, [], undefined]) expect(codeOf(() => checkActual(reg(1, 2), a)), String(a)).toBe('input-invalid');
});

test('accuracy and the confusion matrix (actual rows, predicted columns) on a known set', () => {
  const q = new QualityWindow({ kind: 'classifier', classes: 3 });
  // [predicted, actual]: 6 of 10 right.
  const pairs = [[0, 0], [0, 0], [1, 1], [2, 2], [2, 2], [1, 1], [1, 0], [2, 0], [0, 1], [0, 2]] as const;
  for (const [p, a] of pairs) q.add(cls(p), a);
  const total = q.report().total as ClassifierScore;
  expect(total.count).toBe(10);
  expect(total.accuracy).toBeCloseTo(0.6, 12);
  expect(total.confusion).toEqual([
    [2, 1, 1],
    [1, 2, 0],
    [1, 0, 2],
  ]);
});

test('MAE and bias (predicted − actual) on known values', () => {
  const q = new QualityWindow({ kind: 'regressor', values: 2 });
  q.add(reg(1, 2), [0, 4]); // errors +1, -2
  q.add(reg(5, 5), [2, 5]); // errors +3, 0
  const total = q.report().total as RegressorScore;
  expect(total).toEqual({ count: 2, mae: 6 / 4, bias: 2 / 4 });
  expect(new QualityWindow({ kind: 'regressor', values: 1 }).report().total).toEqual({ count: 0, mae: null, bias: null });
});

test('a window closes at windowSize; only the last keepWindows are kept; the total runs on', () => {
  const q = new QualityWindow({ kind: 'classifier', classes: 2, windowSize: 4, keepWindows: 2 });
  const right = (n: number) => { for (let i = 0; i < n; i++) q.add(cls(1, 2), 1); };
  const wrong = (n: number) => { for (let i = 0; i < n; i++) q.add(cls(1, 2), 0); };
  right(3);
  expect(q.report().windows).toEqual([]);
  expect((q.report().last as ClassifierScore).count).toBe(3);
  right(1); // closes the first window
  let r = q.report();
  expect(r.windows.map((w) => (w as ClassifierScore).accuracy)).toEqual([1]);
  expect(r.last).toEqual({ count: 0, accuracy: null, confusion: [[0, 0], [0, 0]] });
  wrong(4); // second window: all wrong
  right(2); wrong(2); // third: half
  wrong(1);
  r = q.report();
  expect(r.windows.map((w) => (w as ClassifierScore).accuracy)).toEqual([0, 0.5]); // the first was dropped
  expect(r.windows.every((w) => w.count === 4)).toBe(true);
  expect(r.total.count).toBe(13);
  expect((r.total as ClassifierScore).accuracy).toBeCloseTo(6 / 13, 12);
  expect((r.last as ClassifierScore).confusion).toEqual([[0, 1], [0, 0]]);
});

test('missed outcomes are counted apart and never scored', () => {
  const q = new QualityWindow({ kind: 'regressor', values: 1 });
  q.miss('unknown'); q.miss('unknown'); q.miss('expired'); q.miss('duplicate');
  expect(q.report()).toMatchObject({ unknown: 2, expired: 1, duplicate: 1, total: { count: 0 } });
  expect(codeOf(() => q.miss('late' as never))).toBe('input-invalid');
});

test('summaries of another kind or size, and bad options, are refused by code', () => {
  const q = new QualityWindow({ kind: 'classifier', classes: 3 });
  expect(codeOf(() => q.add(reg(1), 0))).toBe('input-invalid');
  expect(codeOf(() => q.add(cls(0, 4), 0))).toBe('input-invalid');
  expect(codeOf(() => q.add(cls(0), 3))).toBe('input-invalid');
  expect(q.report().total.count).toBe(0);
  for (const o of [undefined, {}, { kind: 'classifier' }, { kind: 'classifier', classes: 0 }, { kind: 'regressor', values: 65 },
    { kind: 'regressor', values: 1, windowSize: 0 }, { kind: 'regressor', values: 1, keepWindows: 1.5 }]) {
    expect(codeOf(() => new QualityWindow(o as never)), JSON.stringify(o)).toBe('options-invalid');
  }
});
