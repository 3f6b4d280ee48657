import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
test('page', async () => {
  const rt = createRuntime({ wasmPaths: '/ort/' });
  console.log(JSON.stringify(await rt.env()));
  for (const backend of ['wasm', 'webgpu'] as const) {
    const m = await rt.load({ url: '/node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', backend });
    console.log(backend, m.backend, m.fallbackReason, JSON.stringify(m.inputs), JSON.stringify(m.outputs), m.loadMs);
    const r = await m.run({ input: { data: new Float32Array(512), dims: [1, 512] }, state: { data: new Float32Array(256), dims: [2, 1, 128] }, sr: new BigInt64Array([16000n]) });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, [v.dtype, v.dims, v.data.length, v.data[0]]]))), r.inferenceMs);
    await m.dispose();
  }
  await rt.dispose();
  expect(1).toBe(1);
});
