// One page per mode (?mode=batched|unbatched&url=...&n=256): sequential calls, then bursts of n concurrent distinct
// requests, on WASM with the output cache off so every call reaches the worker.
import { createRuntime } from '../../src/index.js';

const params = new URLSearchParams(location.search);
const batched = params.get('mode') === 'batched';
const url = params.get('url')!;
const n = Number(params.get('n') ?? 256);
const rounds = Number(params.get('rounds') ?? 7);
const sequentialCalls = Number(params.get('seq') ?? 1000);
const maxDelayMs = Number(params.get('delay') ?? 2);
const wasmPaths = new URL('/ort/', location.href).href;

let seed = 1;
function input(width: number): Float32Array {
  return new Float32Array(width).map(() => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 2 ** 32));
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function bench() {
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, batching: batched ? { maxBatch: 64, maxDelayMs } : false });
  const model = await runtime.load({ url });
  const [info] = model.inputs;
  const width = (info!.dims!.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const burst = async () => {
    const inputs = Array.from({ length: n }, () => ({ [info!.name]: input(width) }));
    const latency: number[] = [];
    const sizes: number[] = [];
    const runMs: number[] = [];
    const start = performance.now();
    await Promise.all(
      inputs.map((feeds) =>
        model.run(feeds).then((r) => {
          latency.push(performance.now() - start);
          sizes.push(r.batchSize);
          runMs.push(r.inferenceMs);
        }),
      ),
    );
    const totalMs = performance.now() - start;
    const largest = Math.max(...sizes);
    return {
      totalMs,
      throughput: (n / totalMs) * 1000,
      latencyP50: quantile(latency, 0.5),
      latencyP95: quantile(latency, 0.95),
      latencyMax: Math.max(...latency),
      meanBatch: sizes.reduce((a, b) => a + b, 0) / sizes.length,
      largestBatch: largest,
      largestBatchRunMs: quantile(runMs.filter((_, i) => sizes[i] === largest), 0.5),
    };
  };
  const sequential: number[] = [];
  for (let i = 0; i < 300 + sequentialCalls; i++) {
    const feeds = { [info!.name]: input(width) };
    const start = performance.now();
    await model.run(feeds);
    if (i >= 300) sequential.push(performance.now() - start);
  }
  await burst();
  await burst();
  const bursts = [];
  for (let i = 0; i < rounds; i++) bursts.push(await burst());
  await runtime.dispose();
  return { bursts, sequentialP50: quantile(sequential, 0.5), sequentialP95: quantile(sequential, 0.95) };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = bench();
