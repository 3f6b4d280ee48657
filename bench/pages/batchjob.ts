// Batch-job throughput, one mode per page load (?mode=runBatch|checkpoint|loop|all&items=10000): digits, WASM, output
// cache off, the runtime's default dynamic batching on. `items` distinct rows of seeded random pixels go through
// runtime.runBatch() (batchSize 64, concurrency 2), the same with a checkpoint (every batch's results written to
// IndexedDB, read back at the end), a loop of awaited model.run() calls, or Promise.all of model.run() calls.
// `&workers=2` runs a pool of workers, `&threads=2` WASM threads per worker (the page is cross-origin isolated).
import { createRuntime } from '../../src/index.js';
import { mulberry32 } from '../../src/random.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const count = Number(params.get('items') ?? 10_000);
const workers = Number(params.get('workers') ?? 1);
const numThreads = Number(params.get('threads') ?? 1);
const wasmPaths = new URL('/ort/', location.href).href;

function items(n: number): { pixels: Float32Array }[] {
  const next = mulberry32(1);
  return Array.from({ length: n }, () => ({ pixels: Float32Array.from({ length: 784 }, () => next()) }));
}

async function bench(): Promise<unknown> {
  const dbName = `bench-batchjob-${mode}-${Date.now()}`;
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, cache: false, storage: { dbName }, workers, numThreads });
  const model = await runtime.load({ url: '/models/digits/model.onnx', id: 'digits' });
  const source = items(count);
  for (let i = 0; i < 200; i++) await model.run(source[i % source.length]!); // warm both threads' code paths
  await runtime.runBatch(model, source.slice(0, 256), { batchSize: 64 });
  const start = performance.now();
  let done = 0;
  if (mode === 'runBatch') done = (await runtime.runBatch(model, source, { batchSize: 64, concurrency: 2 })).done;
  else if (mode === 'checkpoint') done = (await runtime.runBatch(model, source, { batchSize: 64, concurrency: 2, checkpoint: 'bench', restart: true })).results.length;
  else if (mode === 'loop') {
    for (const feeds of source) {
      await model.run(feeds);
      done++;
    }
  }
  else if (mode === 'all') done = (await Promise.all(source.map((feeds) => model.run(feeds)))).length;
  else throw new Error(`unknown mode ${mode}`);
  const ms = performance.now() - start;
  const held = { workers: model.workers, threads: (await runtime.env()).numThreads };
  await runtime.dispose();
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(`${dbName}-jobs`);
    request.onsuccess = request.onerror = request.onblocked = resolve;
  });
  return { mode, ...held, items: done, ms, itemsPerSecond: (done / ms) * 1000 };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = bench();
