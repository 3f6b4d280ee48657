// onnxruntime-web's WASM heap per model form, each form in a fresh worker (int8-memory-worker.ts): WASM memory never
// shrinks, so forms cannot share an instance. The page compiles onnxruntime-web's 27 MB wasm once and hands the
// compiled module to each worker (compiling it per worker took 5-10 s on a busy 2-core machine).
// ?models=digits,large&forms=fp32,int8-dynamic,...&threads=1&batches=1,16,64
import type { MemoryRequest, MemoryResult } from './int8-memory-worker.js';

const params = new URLSearchParams(location.search);
const list = (name: string, fallback: string) => (params.get(name) ?? fallback).split(',').filter(Boolean);
const models = list('models', 'digits,large');
const forms = list('forms', 'fp32,int8-dynamic,int8-weights,int8-weights-run,int8-nbits');
const threads = Number(params.get('threads') ?? 1);
const batches = list('batches', '1,16,64').map(Number);

function inWorker(request: MemoryRequest): Promise<MemoryResult> {
  const worker = new Worker(new URL('./int8-memory-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<MemoryResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<MemoryResult | { error: string }>) =>
      'error' in event.data ? reject(new Error(`${request.model} ${request.form}: ${event.data.error}`)) : resolve(event.data);
    worker.onerror = (event) => reject(new Error(`${request.model} ${request.form}: worker failed: ${event.message}`));
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

async function measureAll(): Promise<MemoryResult[]> {
  const wasm = await WebAssembly.compileStreaming(fetch('/ort/ort-wasm-simd-threaded.asyncify.wasm'));
  const results: MemoryResult[] = [];
  for (const model of models) for (const form of forms) results.push(await inWorker({ model, form, threads, batches, wasm }));
  return results;
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = measureAll().catch((error) => ({ error: String(error?.stack ?? error) }));
