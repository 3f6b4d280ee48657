// What a shadow costs the caller, one case per page load (?pair=digits|scores&mode=off|shadow&pace=MS&calls=N):
// model.run() latency of the served version with no shadow, and with a shadow on every run (sampleRate 1), calls
// back to back (pace 0) or one every `pace` ms (the worker is then idle between calls, so a call can arrive while a
// shadow run is in progress: the worst case for the caller). Pairs: digits fp32 shadowed by its int8-dynamic form;
// a trivial y = x shadowed by a model ~100x slower (test/browser/fixtures/scores*.onnx).
import { createRuntime } from '../../src/index.js';
import { mulberry32 } from '../../src/random.js';
import { sha256Hex } from '../../src/store/integrity.js';
import { WARMUP } from './stats.js';

const params = new URLSearchParams(location.search);
const pair = params.get('pair')!;
const mode = params.get('mode')!;
const pace = Number(params.get('pace') ?? 0);
const calls = Number(params.get('calls') ?? 300);
const wasmPaths = new URL('/ort/', location.href).href;

const FILES: Record<string, [string, string, string, number]> = {
  digits: ['/models/digits/model.onnx', '/models/digits/model.int8-dynamic.onnx', 'pixels', 784],
  scores: ['/test/browser/fixtures/scores.onnx', '/test/browser/fixtures/scores-slow.onnx', 'x', 4],
};

async function entry(version: string, path: string) {
  const bytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
  return { id: 'm', version, file: new URL(path, location.href).href, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

async function measure(): Promise<unknown> {
  const [served, shadow, input, width] = FILES[pair]!;
  const stable = await entry('1', served);
  const rollout = { stable: '1', ...(mode === 'shadow' ? { shadow: { version: '2', sampleRate: 1 } } : {}) };
  const manifest = URL.createObjectURL(new Blob([JSON.stringify({ models: [{ ...stable, rollout }, await entry('2', shadow)] })], { type: 'application/json' }));
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, manifest, storage: { dbName: `bench-shadow-${Date.now()}` } });
  const model = await runtime.load('m');
  const random = mulberry32(7);
  const feeds = Array.from({ length: 64 }, () => ({ [input]: { data: Float32Array.from({ length: width }, random), dims: [1, width] } }));
  if (mode === 'shadow') {
    while (!(await model.rollout.report()).second?.ready) await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 0; i < WARMUP; i++) await model.run(feeds[i % feeds.length]!);
  const before = (await model.rollout.report()).second;
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    if (pace > 0) await new Promise((r) => setTimeout(r, pace));
    const start = performance.now();
    await model.run(feeds[i % feeds.length]!);
    times.push(performance.now() - start);
  }
  await new Promise((r) => setTimeout(r, 200)); // lets the last shadow runs finish
  const { second } = await model.rollout.report();
  await runtime.dispose();
  const during = second && before && { runs: second.runs - before.runs, skipped: second.skipped - before.skipped, p50Ms: second.p50Ms, p95Ms: second.p95Ms, agreed: second.agreed - before.agreed };
  return { times, second: during };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = measure();
