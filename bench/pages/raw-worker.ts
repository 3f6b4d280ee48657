// Baseline: onnxruntime-web's session.run timed inside a worker, with no SDK and no messaging per call.
import * as ort from 'onnxruntime-web/wasm'; // the build the SDK runs WASM models in
import { CASES } from './cases.js';
import { timeCalls } from './stats.js';

self.onmessage = async (event: MessageEvent<{ caseId: string; calls: number; wasmPaths: string }>) => {
  const { caseId, calls, wasmPaths } = event.data;
  ort.env.wasm.wasmPaths = wasmPaths;
  const c = CASES.find((x) => x.id === caseId)!;
  const bytes = new Uint8Array(await (await fetch(c.url)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = Object.fromEntries(Object.entries(c.feeds()).map(([k, t]) => [k, new ort.Tensor('float32', t.data, t.dims)]));
  const samples = await timeCalls(() => session.run(feeds), calls);
  await session.release();
  self.postMessage(samples);
};
