import { expect, test } from 'vitest';
import { passedOver } from '../../../src/telemetry/report.js';

test('each backend a model does not run on becomes one short, fixed reason', () => {
  expect(passedOver({ mode: 'listed', chosen: 'wasm', cached: false, candidates: [{ backend: 'wasm' }] })).toEqual([]);
  expect(passedOver({
    mode: 'auto', chosen: 'wasm', cached: false, candidates: [
      { backend: 'webgpu', reason: 'the WebGPU adapter is a software one (swiftshader): slower than WASM, so auto never chooses it' },
      { backend: 'webnn', reason: 'navigator.ml is missing (WebNN unsupported or disabled in this browser)' },
      { backend: 'wasm', ms: 0.9 },
    ],
  })).toEqual([{ from: 'webgpu', reason: 'software-adapter' }, { from: 'webnn', reason: 'no-webnn' }]);
  expect(passedOver({
    mode: 'auto', chosen: 'webgpu', cached: true, candidates: [
      { backend: 'webgpu', ms: 2.1 }, { backend: 'webnn', reason: 'session creation failed: x' }, { backend: 'wasm', ms: 9.5 },
    ],
  })).toEqual([{ from: 'webnn', reason: 'session-failed' }, { from: 'wasm', reason: 'slower' }]);
  expect(passedOver({
    mode: 'listed', chosen: 'wasm', cached: false, candidates: [{ backend: 'webgpu', reason: 'navigator.gpu.requestAdapter() returned no adapter' }, { backend: 'wasm' }],
  })).toEqual([{ from: 'webgpu', reason: 'no-adapter' }]);
  expect(passedOver({
    mode: 'auto', chosen: 'webgpu', cached: false, candidates: [{ backend: 'webgpu', ms: 1 }, { backend: 'wasm', reason: 'probe failed: idx=# out of bounds' }],
  })).toEqual([{ from: 'wasm', reason: 'probe-failed' }]);
});
