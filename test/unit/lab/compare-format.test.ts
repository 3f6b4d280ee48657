import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { parseCompareArgs, printTable } from '../../../scripts/compare-format.mjs';
import type { LabReport } from '../../../demo/lab/types.js';

describe('npm run compare arguments', () => {
  test('models with their inputs, backends (wasm = both thread settings), runs, outputs', () => {
    const args = parseCompareArgs(['--model', 'a.onnx', '--inputs', 'a.npy', '--model', 'b.onnx', '--backends', 'wasm,webgpu', '--batches', '1,16', '--runs', '5-50', '--budget', '900', '--no-quality', '--json', 'o.json', '--csv', 'o.csv']);
    expect(args.models).toEqual([{ file: 'a.onnx', inputs: 'a.npy' }, { file: 'b.onnx' }]);
    expect(args.config).toEqual({ models: [], backends: ['wasm-1', 'wasm-n', 'webgpu'], batches: [1, 16], minRuns: 5, maxRuns: 50, budgetMs: 900, quality: false });
    expect([args.json, args.csv]).toEqual(['o.json', 'o.csv']);
  });

  test('without --model the bundled models stay (no models field); with --models they are chosen', () => {
    expect(parseCompareArgs([]).config).toEqual({});
    expect(parseCompareArgs(['--model', 'x.onnx', '--models', 'digits']).config.models).toEqual(['digits']);
  });

  test.each([
    [['--inputs', 'a.npy'], /belongs to a --model/],
    [['--model'], /needs a value/],
    [['--model', '--json'], /needs a value/],
    [['--backends', 'cuda'], /unknown backend cuda/],
    [['--variants', 'int4'], /unknown variant int4/],
    [['--batches', '0'], /positive integer/],
    [['--runs', '50-5'], /below the minimum/],
    [['--fast'], /unknown argument/],
    [['--model', 'a.onnx', '--inputs', 'x.npy', '--inputs', 'y.npy'], /given twice/],
  ])('%j fails with options-invalid', (argv, message) => {
    expect(() => parseCompareArgs(argv)).toThrow(message);
    try {
      parseCompareArgs(argv);
    } catch (error) {
      expect((error as { code: string }).code).toBe('options-invalid');
    }
  });
});

test('the table prints every row, errors in the last column, and the recommendation', () => {
  const row = { variant: 'fp32', backend: 'wasm', threads: 1, batch: 1, bytes: 2048, loadMs: { cold: 12.5, warm: 3 }, firstMs: 4, p50Ms: 0.5, p95Ms: 0.9, perSecond: 2000, runs: 20, agreement: { maxAbsDiff: 0, cosine: 1, top1: 1 }, quality: { kind: 'accuracy', accuracy: 0.969, samples: 2000, confusion: [] } };
  const failed = { ...row, backend: 'webgpu', threads: 0, loadMs: { cold: null, warm: null }, firstMs: null, p50Ms: null, p95Ms: null, perSecond: null, agreement: null, quality: undefined, error: { code: 'backend-unavailable', message: 'no adapter' } };
  const failed2 = { ...failed, batch: 16 };
  const report = {
    schema: 'edge-infer-lab/1', createdAt: '', stopped: false, config: {},
    device: { userAgent: '', hardwareConcurrency: 2, crossOriginIsolated: true, wasmThreads: 1, webgpu: { available: false, reason: 'no adapter' }, webnn: false },
    models: [{ model: 'digits', bundled: true, inputs: [], outputs: [], rows: [row, failed, failed2], recommendation: { text: 'fp32 on wasm (1 thread)' } }],
  } as unknown as LabReport;
  const lines: string[] = [];
  printTable(report, (l: string) => lines.push(l));
  const text = lines.join('\n');
  expect(text).toMatch(/^device: 2 cores, WASM threads 1, WebGPU none \(no adapter\), WebNN no/);
  expect(lines.filter((l) => /^fp32 /.test(l))).toHaveLength(1);
  expect(text).toMatch(/acc 96\.90%/);
  expect(lines.filter((l) => l === 'not measured on webgpu: no adapter')).toHaveLength(1);
  expect(text).toMatch(/→ fp32 on wasm \(1 thread\)/);
});
