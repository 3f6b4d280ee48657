import { expect, test } from 'vitest';
import { ERROR_CODES, EdgeInferError } from '../../../src/errors.js';
import { binOf, classBinOf } from '../../../src/monitor/bins.js';
import { bindRows, rowFeatures } from '../../../src/monitor/features.js';
import { buildProfile, checkProfileMatches, parseProfile, planOfProfile, type BuildProfileOptions } from '../../../src/monitor/profile.js';
import type { Profile } from '../../../src/monitor/profile-types.js';
import { codeOf } from '../code-of.js';
import { SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS, syntheticRows } from './synthetic.js';

const rows = syntheticRows(1000, 3);
const base: BuildProfileOptions = { inputs: SYNTHETIC_INPUTS, outputs: SYNTHETIC_OUTPUTS, rows, calibrationWindows: 200, sha256: 'AB'.repeat(32) };
const profile = buildProfile(base);

test('profile-invalid is a stable error code', () => {
  expect(ERROR_CODES).toContain('profile-invalid');
});

test('a built profile: features, bins, shares and one threshold per feature per window size', () => {
  expect(profile).toMatchObject({ format: 'edge-infer-profile', version: 1, samples: 1000, seed: 1, falseAlarmRate: 0.01 });
  expect(profile.model.sha256).toBe('ab'.repeat(32));
  expect(profile.model.inputs).toEqual([
    { name: 'x', dtype: 'float32', dims: ['batch', 4], rowDims: [4] },
    { name: 'mode', dtype: 'int64', dims: ['batch'], rowDims: [] },
  ]);
  // probs is detected as a classifier: every row is a probability distribution.
  expect(profile.features.map((f) => f.name)).toEqual(['x[0]', 'x[1]', 'x[2]', 'x[3]', 'mode', 'probs.class', 'probs.confidence']);
  for (const f of profile.features) {
    expect(f.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    if (f.edges) expect(f.reference.length).toBe(f.edges.length + 1);
  }
  expect(profile.features[0]!.edges).toHaveLength(9);
  expect(profile.features[4]!.edges).toEqual([-Number.MIN_VALUE, 0, 1, 2]); // mode ∈ {0, 1, 2}: the deciles merge
  expect(profile.features[5]).toMatchObject({ classes: 3, source: { of: 'class' } });
  expect(profile.features[5]!.edges).toBeUndefined();
  expect(profile.windows.map((w) => w.size)).toEqual([50, 200, 1000]);
  for (const w of profile.windows) {
    expect(w.thresholds).toHaveLength(7);
    expect(w.thresholds.every((t) => t > 0 && Number.isFinite(t))).toBe(true);
  }
});

test('the runtime plan of a parsed profile reproduces the reference shares', () => {
  const parsed = parseProfile(JSON.parse(JSON.stringify(profile)));
  expect(parsed).toEqual(profile);
  const bound = bindRows(planOfProfile(parsed), rows);
  const counts = parsed.features.map((f) => new Array<number>(f.reference.length).fill(0));
  const values = new Float64Array(parsed.features.length);
  for (let r = 0; r < bound.rows; r++) {
    rowFeatures(bound, r, values);
    parsed.features.forEach((f, i) => counts[i]![f.edges ? binOf(f.edges, values[i]!) : classBinOf(f.classes!, values[i]!)]!++);
  }
  parsed.features.forEach((f, i) => expect(counts[i]!.map((c) => c / 1000)).toEqual(f.reference));
});

test('the classifier option: none, or a named output', () => {
  expect(buildProfile({ ...base, classifier: null }).features.map((f) => f.name).slice(5)).toEqual(['probs[0]', 'probs[1]', 'probs[2]']);
  expect(buildProfile({ ...base, classifier: 'probs' }).features.map((f) => f.name).slice(5)).toEqual(['probs.class', 'probs.confidence']);
  expect(codeOf(() => buildProfile({ ...base, classifier: 'x' }))).toBe('input-invalid'); // an input, not an output
});

test('bad options throw options-invalid; bad rows throw input-invalid', () => {
  for (const bad of [{ windowSizes: [0] }, { windowSizes: [] }, { windowSizes: [50, 50] }, { falseAlarmRate: 1 }, { bins: 1 }, { seed: -1 }, { calibrationWindows: 10 }, { sha256: 'xyz' }]) {
    expect([bad, codeOf(() => buildProfile({ ...base, ...bad } as BuildProfileOptions))]).toEqual([bad, 'options-invalid']);
  }
  const withRows = (inputs: Record<string, unknown>) => () => buildProfile({ ...base, rows: { inputs: { ...rows.inputs, ...inputs }, outputs: rows.outputs } as BuildProfileOptions['rows'] });
  expect(codeOf(withRows({ x: undefined }))).toBe('input-invalid');
  expect(codeOf(withRows({ x: { dtype: 'float64', dims: [1000, 4], data: new Float64Array(4000) } }))).toBe('input-invalid');
  expect(codeOf(withRows({ x: { dtype: 'float32', dims: [1000, 4], data: new Float64Array(4000) } }))).toBe('input-invalid');
  expect(codeOf(withRows({ x: { dtype: 'float32', dims: [999, 4], data: new Float32Array(3996) } }))).toBe('input-invalid');
  expect(codeOf(withRows({ x: { dtype: 'float32', dims: [1000, 5], data: new Float32Array(4000) } }))).toBe('input-invalid');
  const one = syntheticRows(1, 1);
  expect(codeOf(() => buildProfile({ ...base, rows: one }))).toBe('input-invalid');
});

test('parseProfile names the bad field', () => {
  const json = () => JSON.parse(JSON.stringify(profile)) as Record<string, any>;
  const cases: [string, (p: Record<string, any>) => unknown][] = [
    ['profile', () => null],
    ['format', (p) => { p.format = 'other'; }],
    ['version', (p) => { p.version = 2; }],
    ['model', (p) => { p.model = []; }],
    ['model.sha256', (p) => { p.model.sha256 = 'nope'; }],
    ['model.inputs[0].dtype', (p) => { p.model.inputs[0].dtype = 'complex64'; }],
    ['model.inputs[1].name', (p) => { p.model.inputs[1].name = 'x'; }],
    ['model.inputs[0].rowDims', (p) => { p.model.inputs[0].rowDims = [-4]; }],
    ['samples', (p) => { p.samples = 0; }],
    ['seed', (p) => { p.seed = 1.5; }],
    ['falseAlarmRate', (p) => { p.falseAlarmRate = 0; }],
    ['features', (p) => { p.features = []; }],
    ['features[1].name', (p) => { p.features[1].name = 'x[0]'; }],
    ['features[0].kind', (p) => { p.features[0].kind = 'hidden'; }],
    ['features[0].tensor', (p) => { p.features[0].tensor = 'probs'; }],
    ['features[0].source.of', (p) => { p.features[0].source.of = 'median'; }],
    ['features[0].edges[3]', (p) => { p.features[0].edges[3] = p.features[0].edges[2]; }],
    ['features[0].edges[0]', (p) => { p.features[0].edges[0] = null; }],
    ['features[0].reference', (p) => { p.features[0].reference.pop(); }],
    ['features[0].reference', (p) => { p.features[0].reference[0] += 0.01; }],
    ['features[0].reference[0]', (p) => { p.features[0].reference[0] = -0.1; }],
    ['features[5].classes', (p) => { p.features[5].classes = 1; }],
    ['features[5].edges', (p) => { p.features[5].edges = [0.5]; }],
    ['features', (p) => { p.features[0].source.index = 9; }], // x has 4 values per row
    ['features', (p) => { p.features[5].classes = 4; p.features[5].reference = [0.25, 0.25, 0.25, 0.25]; }], // probs has 3
    ['windows', (p) => { p.windows = []; }],
    ['windows[1].size', (p) => { p.windows[1].size = 50; }],
    ['windows[0].size', (p) => { p.windows[0].size = 12.5; }],
    ['windows[0].thresholds', (p) => { p.windows[0].thresholds.pop(); }],
    ['windows[0].thresholds[2]', (p) => { p.windows[0].thresholds[2] = 0; }],
    ['windows[0].thresholds[2]', (p) => { p.windows[0].thresholds[2] = null; }], // Infinity after JSON
  ];
  for (const [field, change] of cases) {
    const p = json();
    const changed = change(p);
    try {
      parseProfile(changed === undefined ? p : changed);
      expect.unreachable(`${field} was accepted`);
    } catch (error) {
      expect(error).toBeInstanceOf(EdgeInferError);
      expect([field, (error as EdgeInferError).code, (error as EdgeInferError).details.field]).toEqual([field, 'profile-invalid', field]);
    }
  }
});

test('checkProfileMatches: names, dtypes and fixed dims must agree with the model', () => {
  const inputs = [{ name: 'x', dtype: 'float32', dims: ['n', 4] }, { name: 'mode', dtype: 'int64', dims: [null as unknown as string].slice(1) }];
  const ok = (p: Profile, ins: typeof inputs, outs: { name: string; dtype: string; dims: (number | string)[] | null }[]) => () => checkProfileMatches(p, ins, outs);
  const outputs = [{ name: 'probs', dtype: 'float32', dims: [7, 3] }];
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }, { name: 'mode', dtype: 'int64', dims: ['batch'] }], outputs))).toBeUndefined();
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: null as never }, { name: 'mode', dtype: 'int64', dims: ['b'] }], outputs))).toBeUndefined();
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: ['batch', 5] }, { name: 'mode', dtype: 'int64', dims: ['batch'] }], outputs))).toBe('profile-invalid');
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float16', dims: ['batch', 4] }, { name: 'mode', dtype: 'int64', dims: ['batch'] }], outputs))).toBe('profile-invalid');
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }], outputs))).toBe('profile-invalid');
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: ['batch', 4, 1] }, { name: 'mode', dtype: 'int64', dims: ['batch'] }], outputs))).toBe('profile-invalid');
  expect(codeOf(ok(profile, [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }, { name: 'mode', dtype: 'int64', dims: ['batch'] }], [...outputs, { name: 'extra', dtype: 'float32', dims: null }]))).toBe('profile-invalid');
  void inputs;
});
