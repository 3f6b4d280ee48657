// One bench mode per page load (?mode=sdk|sdk-unbatched|sdk-moved|raw-worker|raw-main|ort-proxy&case=digits&calls=1000), because
// onnxruntime-web's proxy setting is global and fixed at its first session.
import * as ort from 'onnxruntime-web/wasm'; // the build the SDK runs WASM models in
import { createRuntime } from '../../src/index.js';
import { CASES } from './cases.js';
import { timeCalls, WARMUP } from './stats.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const c = CASES.find((x) => x.id === params.get('case'))!;
const calls = Number(params.get('calls') ?? 1000);
const wasmPaths = new URL('/ort/', location.href).href;
const page = window as unknown as { benchResult: Promise<number[]>; benchCalls: number };
page.benchCalls = 0;
/** Counts calls, so bench/profile-runtime.mjs can tell time per call (not for raw-worker, whose calls stay in its worker). */
const counted = (fn: () => Promise<unknown>) => () => (page.benchCalls++, fn());

async function sdk(batching: boolean, moved = false): Promise<number[]> {
  // The same input every call: with the output cache on, this would time cache hits.
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, ...(batching ? {} : { batching: false }) });
  const model = await runtime.load({ url: c.url, id: c.id });
  // `moved`: as the proxy runs, every call moves its own fresh arrays, made before timing.
  const pool = Array.from({ length: moved ? calls + WARMUP : 1 }, () => c.feeds());
  let next = 0;
  const samples = await timeCalls(counted(() => (moved ? model.run(pool[next++]!, { transfer: true }) : model.run(pool[0]!))), calls);
  await runtime.dispose();
  return samples;
}

async function rawWorker(): Promise<number[]> {
  const worker = new Worker(new URL('./raw-worker.ts', import.meta.url), { type: 'module' });
  const samples = new Promise<number[]>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
  worker.postMessage({ caseId: c.id, calls, wasmPaths });
  const result = await samples;
  worker.terminate();
  return result;
}

async function onPage(proxy: boolean): Promise<number[]> {
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.proxy = proxy;
  const session = await ort.InferenceSession.create(c.url, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const tensors = () => Object.fromEntries(Object.entries(c.feeds()).map(([k, t]) => [k, new ort.Tensor('float32', t.data, t.dims)]));
  // ORT's proxy transfers input buffers away, so there every call gets its own tensors, made before timing.
  const pool = Array.from({ length: proxy ? calls + WARMUP : 1 }, tensors);
  let next = 0;
  const samples = await timeCalls(counted(() => session.run(pool[proxy ? next++ : 0]!)), calls);
  await session.release();
  return samples;
}

const modes: Record<string, () => Promise<number[]>> = {
  sdk: () => sdk(true),
  'sdk-unbatched': () => sdk(false),
  'sdk-moved': () => sdk(true, true),
  'raw-worker': rawWorker,
  'raw-main': () => onPage(false),
  'ort-proxy': () => onPage(true),
};

page.benchResult = modes[mode]!();
