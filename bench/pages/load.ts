// One load mode per page (?mode=cold|warm|memory|split&url=&sha256=&size=&db=). cold, warm and memory load through the
// SDK; every one first warms its worker with the tiny model, so the timing covers the load itself, not starting the
// worker and compiling onnxruntime-web. split times the phases of a warm load in a bench worker (load.worker.ts).
import { createRuntime } from '../../src/index.js';
import type { SplitRequest, SplitResult } from './load.worker.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const source = { url: params.get('url')!, sha256: params.get('sha256')!, size: Number(params.get('size')), id: 'large' };
const wasmPaths = new URL('/ort/', location.href).href;
const dbName = params.get('db')!;

async function timedLoad(): Promise<number> {
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, storage: { dbName } });
  await runtime.load({ url: '/models/tiny/model.onnx' });
  const bytes = mode === 'memory' ? new Uint8Array(await (await fetch(source.url)).arrayBuffer()) : undefined;
  const start = performance.now();
  const model = bytes ? await runtime.load({ bytes, id: 'large' }) : await runtime.load(source);
  const ms = performance.now() - start;
  const expected = mode === 'cold' ? 'network' : mode === 'warm' ? 'cache' : 'bytes';
  if (model.source !== expected) throw new Error(`${mode} load came from ${model.source}`);
  await runtime.dispose();
  return ms;
}

function split(): Promise<SplitResult> {
  const worker = new Worker(new URL('./load.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<SplitResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<SplitResult | { error: string }>) => {
      worker.terminate();
      if ('error' in e.data) reject(new Error(e.data.error));
      else resolve(e.data);
    };
    worker.onerror = (e) => reject(new Error(`bench worker failed: ${e.message}`));
    worker.postMessage({ ...source, dbName, wasmPaths } satisfies SplitRequest);
  });
}

(window as unknown as { benchResult: Promise<number | SplitResult> }).benchResult = mode === 'split' ? split() : timedLoad();
