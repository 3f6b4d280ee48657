import { expect, test } from 'vitest';
import { EdgeInferError } from '../../src/errors.js';
import { DEFAULTS, resolveOptions } from '../../src/options.js';

test('defaults are documented values and frozen', () => {
  const resolved = resolveOptions();
  expect(resolved.backends).toBe('auto');
  expect(resolved.backendProbe).toEqual({ budgetMs: 300, maxAgeMs: 7 * 24 * 3600 * 1000, softwareGpu: false });
  expect(resolved.numThreads).toBe(0);
  expect(resolved.wasmPaths).toBeUndefined(); // next to onnxruntime-web's module
  expect(resolved.workerTimeoutMs).toBe(30_000);
  expect(resolved.allowedOrigins).toBeUndefined();
  expect(DEFAULTS.telemetry.intervalMs).toBe(10_000);
  expect(Object.isFrozen(DEFAULTS)).toBe(true);
  expect(Object.isFrozen(resolved)).toBe(true);
});

test('keeps given values and drops duplicate backends', () => {
  expect(resolveOptions({ backends: ['wasm', 'wasm'], numThreads: 2, wasmPaths: '/static/ort/' })).toMatchObject({
    backends: ['wasm'],
    numThreads: 2,
    wasmPaths: '/static/ort/',
  });
});

test.each([
  ['null', null],
  ['a string', 'fast'],
  ['an unknown backend', { backends: ['webgl'] }],
  ['no backends', { backends: [] }],
  ['a backends string other than auto', { backends: 'fastest' }],
  ['a negative probe budget', { backendProbe: { budgetMs: -1 } }],
  ['a probe maxAgeMs that is not a number', { backendProbe: { maxAgeMs: '7d' } }],
  ['a non-boolean softwareGpu', { backendProbe: { softwareGpu: 1 } }],
  ['fractional threads', { numThreads: 1.5 }],
  ['negative threads', { numThreads: -1 }],
  ['a wasmPaths without trailing slash', { wasmPaths: '/ort' }],
  ['a createWorker that is not a function', { createWorker: 'worker.js' }],
])('rejects %s with options-invalid', (_, options) => {
  expect(() => resolveOptions(options)).toThrow(EdgeInferError);
  try {
    resolveOptions(options);
  } catch (error) {
    expect((error as EdgeInferError).code).toBe('options-invalid');
  }
});
