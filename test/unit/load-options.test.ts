import { expect, test } from 'vitest';
import { toLoadRequest, type LoadOptions } from '../../src/load-options.js';
import { resolveOptions } from '../../src/options.js';
import { codeOf } from './code-of.js';

const request = (options: LoadOptions, runtime = resolveOptions()) =>
  toLoadRequest({ url: '/m.onnx' }, options, runtime, 'https://app.example/', () => 'model-1').request;

test('auto warms up by default and carries the probe settings; a list or a forced backend does not warm up', () => {
  expect(request({})).toMatchObject({ backends: 'auto', warmup: true, probe: { budgetMs: 300, maxAgeMs: 604800000, softwareGpu: false } });
  expect(request({ backend: 'wasm' })).toMatchObject({ backends: ['wasm'], warmup: false });
  expect(request({}, resolveOptions({ backends: ['webgpu', 'wasm'] }))).toMatchObject({ backends: ['webgpu', 'wasm'], warmup: false });
  expect(request({ warmup: false }).warmup).toBe(false);
  expect(request({ backend: 'wasm', warmup: true }).warmup).toBe(true);
});

test('probeFeeds are checked and copied', () => {
  const sr = BigInt64Array.of(16000n);
  const { probe } = request({ probeFeeds: { sr: { dtype: 'int64', dims: [], data: sr } } });
  expect(probe.feeds).toEqual({ sr: { dtype: 'int64', dims: [], data: sr } });
  expect(probe.feeds!.sr!.data).not.toBe(sr);
});

test.each([
  ['a non-boolean warmup', { warmup: 'yes' }],
  ['probeFeeds that are not an object', { probeFeeds: [] }],
  ['an unknown dtype', { probeFeeds: { x: { dtype: 'float8', dims: [1], data: new Float32Array(1) } } }],
  ['negative dims', { probeFeeds: { x: { dtype: 'float32', dims: [-1], data: new Float32Array(1) } } }],
  ['the wrong array type', { probeFeeds: { x: { dtype: 'int64', dims: [1], data: new Float32Array(1) } } }],
  ['a length that does not fit the dims', { probeFeeds: { x: { dtype: 'float32', dims: [2, 2], data: new Float32Array(3) } } }],
])('%s is options-invalid', (_, options) => {
  expect(codeOf(() => request(options as LoadOptions))).toBe('options-invalid');
});
