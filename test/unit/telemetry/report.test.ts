import { expect, test } from 'vitest';
import { fallbacks } from '../../../src/telemetry/report.js';

test('fallback reasons become one short, fixed value per skipped backend', () => {
  expect(fallbacks(undefined)).toEqual([]);
  expect(fallbacks('webgpu: navigator.gpu.requestAdapter() returned no adapter')).toEqual([{ from: 'webgpu', reason: 'no-adapter' }]);
  expect(
    fallbacks('webgpu: navigator.gpu is missing (WebGPU unsupported or disabled in this browser); wasm: session creation failed: x; y'),
  ).toEqual([
    { from: 'webgpu', reason: 'no-webgpu' },
    { from: 'wasm', reason: 'session-failed' },
  ]);
});
