import { describe, expect, test } from 'vitest';
import { inspect, quantize, type QuantizeOptions } from '../../../src/tools/index.js';
import * as g from './graphs.js';
import { bool, relativeMaxError, runModel, tensor, type Feeds } from './ort.js';

const FORMS: QuantizeOptions[] = [
  { mode: 'dynamic' },
  { mode: 'weights' },
  { mode: 'weights', expand: 'run' },
  { mode: 'dynamic', perChannel: false, compactNames: true },
];

interface Case {
  name: string;
  build: () => Uint8Array;
  feeds: () => Feeds;
  /** Weights the quantizer must find, with the nodes that read them. */
  weights: Record<string, string[]>;
}

const x = (dims: number[], seed: number) => tensor(g.random(dims.reduce((a, b) => a * b, 1), seed), dims);

const CASES: Case[] = [
  { name: 'weights in Constant nodes', build: () => g.constantWeightModel(), feeds: () => ({ x: x([4, 64], 21) }), weights: { w: ['matmul'] } },
  { name: 'a weight read by two nodes', build: g.sharedWeightModel, feeds: () => ({ x: x([4, 48], 22) }), weights: { w: ['first', 'second'] } },
  {
    name: 'weights in If branches (then taken)', build: g.ifModel, feeds: () => ({ cond: bool(true), x: x([3, 40], 23) }),
    weights: { w_then: ['then_matmul'], w_outer: ['else_matmul'] },
  },
  {
    name: 'weights in If branches (else taken)', build: g.ifModel, feeds: () => ({ cond: bool(false), x: x([3, 40], 24) }),
    weights: { w_then: ['then_matmul'], w_outer: ['else_matmul'] },
  },
  {
    name: 'weights in a Loop body and around it', build: g.loopModel, feeds: () => ({ x: x([4, 32], 25) }),
    weights: { w_loop: ['body_outer_matmul'], w_body: ['body_inner_matmul'] },
  },
  { name: 'Gemm with transB, alpha, beta and bias', build: g.gemmModel, feeds: () => ({ x: x([5, 48], 26) }), weights: { w: ['gemm'] } },
  { name: 'grouped, strided Conv with bias', build: g.convModel, feeds: () => ({ x: x([1, 8, 12, 12], 27) }), weights: { w: ['conv'] } },
];

describe.each(CASES)('$name', (c) => {
  test.each(FORMS)('%o: same signature, outputs within 3% of fp32', async (options) => {
    const fp32 = c.build();
    const { bytes, report } = quantize(fp32, { minElements: 64, ...options });
    expect(report.changed).toBe(true);
    const found = Object.fromEntries(Object.keys(c.weights).map((w) => [w, report.nodes.quantized.filter((n) => n.weight === w).map((n) => n.name)]));
    expect(found).toEqual(c.weights);
    expect(report.weights.quantized).toHaveLength(Object.keys(c.weights).length);

    const before = inspect(fp32);
    const after = inspect(bytes);
    expect({ inputs: after.inputs, outputs: after.outputs }).toEqual({ inputs: before.inputs, outputs: before.outputs });
    expect(after.weights.byDtype.int8?.tensors).toBe(Object.keys(c.weights).length); // each weight stored once
    expect(after.weights.byDtype.float32?.bytes ?? 0).toBeLessThan(before.weights.byDtype.float32!.bytes / 4);
    const integer = options.mode === 'dynamic';
    expect(Boolean(after.ops.MatMulInteger || after.ops.ConvInteger)).toBe(integer);
    expect(Boolean(after.ops.DequantizeLinear)).toBe(options.expand === 'run');

    const expected = await runModel(fp32, c.feeds());
    const actual = await runModel(bytes, c.feeds());
    for (const name of Object.keys(expected)) {
      expect(relativeMaxError(actual[name]!, expected[name]!), name).toBeLessThan(0.03);
    }
  });
});

test('a weight read by two nodes becomes one int8 tensor that both nodes read', () => {
  const { report } = quantize(g.sharedWeightModel(), { mode: 'dynamic' });
  expect(report.summary).toMatchObject({ weightsQuantized: 1, nodesQuantized: 2 });
  expect(report.nodes.quantized.map((n) => [n.name, n.form])).toEqual([['first', 'integer'], ['second', 'integer']]);
});

test('weights in subgraphs are reported with the graph they live in', () => {
  const { report } = quantize(g.ifModel(), { mode: 'weights' });
  const where = Object.fromEntries(report.weights.quantized.map((w) => [w.name, [w.graph, w.source]]));
  expect(where).toEqual({ w_outer: ['main', 'initializer'], w_then: ['main/if:then_branch', 'constant'] });
  expect(report.nodes.quantized.find((n) => n.name === 'else_matmul')?.graph).toBe('main/if:else_branch');
});

test('Gemm with transB reads the stored weight through a Transpose that onnxruntime folds', () => {
  const { bytes } = quantize(g.gemmModel(), { mode: 'dynamic' });
  expect(inspect(bytes).ops).toMatchObject({ DynamicQuantizeLinear: 1, MatMulInteger: 1, Transpose: 1 });
});

test('per-channel scales follow the output channels of each op', () => {
  const axes = (bytes: Uint8Array) => quantize(bytes, { perChannel: true }).report.weights.quantized.map((w) => w.scale);
  expect(axes(g.gemmModel())).toEqual(['per-channel (axis 0)']); // Gemm transB: W is [N, K]
  expect(axes(g.convModel())).toEqual(['per-channel (axis 0)']); // Conv: W is [M, C/group, kH, kW]
  expect(axes(g.constantWeightModel())).toEqual(['per-channel (axis 1)']); // MatMul: W is [K, N]
  expect(quantize(g.convModel(), { perChannel: false }).report.weights.quantized[0]?.scale).toBe('per-tensor');
});

test('excluded nodes keep their float weights, and --min-elements keeps small ones', () => {
  const excluded = quantize(g.sharedWeightModel(), { exclude: ['second'] }).report;
  expect(excluded.changed).toBe(false);
  expect(excluded.nodes.skipped.map((n) => [n.name, n.reason])).toEqual([
    ['first', 'node "second" is excluded'],
    ['second', 'node "second" is excluded'],
  ]);
  const small = quantize(g.gemmModel(), { minElements: 2000 }).report;
  expect(small.weights.kept.map((w) => [w.name, w.reason])).toEqual([['w', '1536 elements, fewer than min-elements 2000']]);
});
