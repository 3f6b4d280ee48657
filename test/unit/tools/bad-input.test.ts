import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { inspect, quantize } from '../../../src/tools/index.js';
import { create, encodeModel } from '../../../src/tools/onnx/proto.js';
import { codeOf } from '../code-of.js';
import * as g from './graphs.js';

const digits = new Uint8Array(readFileSync('models/digits/model.onnx'));

test('bytes that are not ONNX are model-invalid', () => {
  expect(codeOf(() => quantize(new TextEncoder().encode('<!doctype html><html><body>404</body></html>')))).toBe('model-invalid');
  expect(codeOf(() => quantize(new Uint8Array()))).toBe('model-invalid');
  expect(codeOf(() => quantize(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)))).toBe('model-invalid');
  expect(codeOf(() => inspect(new TextEncoder().encode('{"models": []}')))).toBe('model-invalid');
});

test('a truncated model is model-invalid wherever it was cut', () => {
  for (const fraction of [0.01, 0.3, 0.5, 0.9, 0.999]) {
    expect(codeOf(() => quantize(digits.subarray(0, Math.floor(digits.length * fraction)))), String(fraction)).toBe('model-invalid');
  }
});

test('opsets outside what the forms need are quantize-unsupported', () => {
  expect(codeOf(() => quantize(g.constantWeightModel(10), { mode: 'dynamic' }))).toBe('quantize-unsupported');
  expect(codeOf(() => quantize(g.constantWeightModel(6), { mode: 'weights' }))).toBe('quantize-unsupported');
  expect(codeOf(() => quantize(g.constantWeightModel(9), { mode: 'weights', expand: 'run' }))).toBe('quantize-unsupported');
  expect(codeOf(() => quantize(g.constantWeightModel(30)))).toBe('quantize-unsupported');
  expect(quantize(g.constantWeightModel(7), { mode: 'weights' }).report.changed).toBe(true);
  expect(quantize(g.constantWeightModel(11), { mode: 'dynamic' }).report.changed).toBe(true);
});

test('a model that imports no default opset is quantize-unsupported', () => {
  const bytes = encodeModel(create.model({
    irVersion: 8, opsetImport: [{ domain: 'com.microsoft', version: 1 }],
    graph: g.graph('x', [g.node('Relu', ['x'], ['y'])], [g.f32('x', [1])], [g.f32('y', [1])]),
  }));
  expect(codeOf(() => quantize(bytes))).toBe('quantize-unsupported');
});

test('a model with nothing to quantize comes back unchanged with a report that says so', () => {
  const bytes = g.nothingToQuantizeModel();
  const result = quantize(bytes);
  expect(result.bytes).toBe(bytes);
  expect(result.report).toMatchObject({ changed: false, bytes: { before: bytes.length, after: bytes.length }, summary: { weightsQuantized: 0 } });
  expect(result.report.warnings.join()).toMatch(/nothing to quantize/);
  // An already quantized model has nothing left either.
  const int8 = quantize(digits).bytes;
  expect(quantize(int8).report.changed).toBe(false);
});

test('weights stored in external files are quantize-unsupported', () => {
  const external = g.weight('w', [64, 32], 1);
  external.dataLocation = 1; // EXTERNAL
  external.externalData = [{ key: 'location', value: 'weights.bin' }];
  external.rawData = new Uint8Array();
  const bytes = g.model(g.graph('ext', [g.node('MatMul', ['x', 'w'], ['y'])], [g.f32('x', [1, 64])], [g.f32('y', [1, 32])], [external]));
  expect(codeOf(() => quantize(bytes))).toBe('quantize-unsupported');
  expect(inspect(bytes).weights.external).toEqual({ tensors: 1, bytes: 64 * 32 * 4 });
});

test('bad options are options-invalid, including excluding a node the model lacks', () => {
  expect(codeOf(() => quantize(digits, { mode: 'int4' as never }))).toBe('options-invalid');
  expect(codeOf(() => quantize(digits, { minElements: 0 }))).toBe('options-invalid');
  expect(codeOf(() => quantize(digits, { expand: 'never' as never }))).toBe('options-invalid');
  expect(codeOf(() => quantize(digits, { exclude: ['no-such-node'] }))).toBe('options-invalid');
});

test('graph inputs that are also initializers (overridable defaults) stay float', () => {
  const w = g.weight('w', [64, 32], 1);
  const bytes = g.model(g.graph('overridable', [g.node('MatMul', ['x', 'w'], ['y'])],
    [g.f32('x', [1, 64]), g.f32('w', [64, 32])], [g.f32('y', [1, 32])], [w]));
  const { report } = quantize(bytes);
  expect(report.changed).toBe(false);
  expect(report.weights.kept[0]?.reason).toMatch(/graph input/);
});
