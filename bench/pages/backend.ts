// One load per page (?mode=auto|auto-sw|wasm|webgpu&case=digits|forecast|vad&db=<name>&calls=200): time to a ready model,
// the first inference after load() resolved, and the steady p50 of sequential calls. `auto` with a fresh `db`
// measures; the same `db` again reuses the remembered decision. `auto-sw` lets the software adapter compete.
import { createRuntime, type Tensor } from '../../src/index.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const caseId = params.get('case')!;
const calls = Number(params.get('calls') ?? 200);

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return out;
}

const t = (dims: number[], data: Float32Array | BigInt64Array, dtype: Tensor['dtype'] = 'float32'): Tensor => ({ dtype, dims, data });
const FEEDS: Record<string, () => Record<string, Tensor>> = {
  digits: () => ({ pixels: t([1, 784], random(784, 1)) }),
  forecast: () => ({ history: t([1, 36], random(36, 2)) }),
  vad: () => ({ input: t([1, 576], random(576, 3)), state: t([2, 1, 128], new Float32Array(256)), sr: t([], BigInt64Array.of(16000n), 'int64') }),
};

async function main() {
  const runtime = createRuntime({
    backends: mode.startsWith('auto') ? 'auto' : [mode as 'wasm' | 'webgpu'],
    backendProbe: { softwareGpu: mode === 'auto-sw' },
    cache: false,
    storage: { dbName: params.get('db')! },
    wasmPaths: new URL('/ort/', location.href).href,
  });
  const feeds = FEEDS[caseId]!();
  const start = performance.now();
  const model = await runtime.load({ url: `/models/${caseId}/model.onnx`, id: caseId }, { probeFeeds: feeds, warmup: true });
  const loadMs = performance.now() - start;
  const first = performance.now();
  await model.run(feeds);
  const firstMs = performance.now() - first;
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await model.run(feeds);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const result = { backend: model.backend, choice: model.backendChoice, loadMs, firstMs, p50: samples[calls >> 1]! };
  await runtime.dispose();
  return result;
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = main();
