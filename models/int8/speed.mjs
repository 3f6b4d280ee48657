// Speed of each int8 form against fp32, per backend, as measured by `npm run bench -- int8` (bench/int8.mjs prints
// these verdicts and flags any run that disagrees). Kept here, not read from bench/results, so `npm run models`
// stays reproducible. Verdicts: 'faster', 'same', 'slower', or 'mixed' (slower at some batch sizes, faster at
// others); int8 is recommended only where it is 'faster' or 'same'.
//
// Ratios: median model.run latency through the SDK over fp32's, geometric mean of WASM with 1 and 2 threads,
// per batch size; 2026-11-21, Chromium 156 headless, 2 cores. WebGPU is SwiftShader (a CPU Vulkan): no GPU claim.

const SWIFTSHADER = 'SwiftShader adapter; no claim for real GPUs';

export const SPEED = {
  digits: {
    dynamic: {
      wasm: {
        verdict: 'mixed', ratioByBatch: { b1: 1.2, b16: 0.81, b64: 0.69 },
        note: 'slower at batch 1 (+0.02 ms a call), faster from batch 16; onnxruntime-web alone, without the SDK\'s ' +
          'worker round trip: 1.45x, 0.51x, 0.45x',
      },
      webgpu: {
        verdict: 'faster', ratioByBatch: { b1: 0.33, b16: 0.35, b64: 0.24 },
        note: `${SWIFTSHADER}: MatMulInteger runs on the CPU there, which beats SwiftShader`,
      },
    },
    weights: {
      wasm: { verdict: 'same', ratioByBatch: { b1: 1.03, b16: 0.98, b64: 1.02 } },
      webgpu: { verdict: 'same', ratioByBatch: { b1: 1.01, b16: 1.02, b64: 1.03 }, note: SWIFTSHADER },
    },
  },
  forecast: {
    dynamic: {
      wasm: { verdict: 'slower', ratioByBatch: { b1: 1.18, b16: 1.15, b64: 1.1 }, note: 'matrices of 36x12 to 36x128: the added nodes cost more than int8 saves' },
      webgpu: { verdict: 'slower', ratioByBatch: { b1: 1.47, b16: 1.95, b64: 1.46 }, note: SWIFTSHADER },
    },
    weights: {
      wasm: { verdict: 'same', ratioByBatch: { b1: 1.03, b16: 0.97, b64: 1.02 } },
      webgpu: { verdict: 'same', ratioByBatch: { b1: 1.09, b16: 1.0, b64: 1.02 }, note: SWIFTSHADER },
    },
  },
  vad: {
    dynamic: {
      wasm: { verdict: 'slower', ratioByBatch: { b1: 1.11 }, note: 'onnxruntime-web alone: 1.24x; small convolutions, one frame a call' },
      webgpu: {
        verdict: 'faster', ratioByBatch: { b1: 0.45 },
        note: `${SWIFTSHADER}: ConvInteger runs on the CPU there, and the decisions come out right (0.996) where fp32 on WebGPU ` +
          'gets 0.72 (see the known issue in docs/architecture.md)',
      },
    },
    weights: {
      wasm: {
        verdict: 'same', ratioByBatch: { b1: 0.81 },
        note: 'onnxruntime-web alone: 0.98-0.99x with 1 and 2 threads; through the SDK 1 thread gave 0.82-1.0x and ' +
          '2 threads 1.12-1.25x, which on this shared 2-core machine is scheduling noise: once the weights are expanded ' +
          'at load the graph is the fp32 one',
      },
      webgpu: { verdict: 'same', ratioByBatch: { b1: 1.03 }, note: SWIFTSHADER },
    },
  },
};
