// onnxruntime-web's WASM heap for one model form, in a worker of its own (WASM memory never shrinks, so each form
// needs a fresh instance): same build and session options as the SDK's worker (onnxruntime-web/webgpu,
// graphOptimizationLevel 'all'), with the heap's Memory reachable. Message in: MemoryRequest; out: MemoryResult or
// { error }.
import { heapStats, useCompiledModule, type HeapStats } from './int8-wasm-memory.js'; // first: must wrap WebAssembly.Memory before ORT starts
import * as ort from 'onnxruntime-web/webgpu';
import { formBytes, isForm } from './int8-forms.js';

export interface MemoryRequest {
  model: string;
  form: string;
  threads: number;
  batches: number[];
  /** onnxruntime-web's wasm (the asyncify build), compiled by the page. */
  wasm?: WebAssembly.Module;
}

export interface MemoryResult {
  model: string;
  form: string;
  threads: number;
  bytes: number;
  /** After onnxruntime-web started and created and released a session for the tiny model. */
  baseline: HeapStats;
  /** After InferenceSession.create() of this form. */
  load: HeapStats;
  loadMs: number;
  /** After one run at each batch size, in order (runs can allocate: a weight expanded per run stays in the arena). */
  runs: ({ batch: number } & HeapStats)[];
}

async function measure({ model, form, threads, batches, wasm }: MemoryRequest): Promise<MemoryResult> {
  if (!isForm(form)) throw new Error(`unknown form "${form}"`);
  if (wasm) useCompiledModule(wasm);
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const tiny = new Uint8Array(await (await fetch('/models/tiny/model.onnx')).arrayBuffer());
  await (await ort.InferenceSession.create(tiny, options)).release();
  const baseline = stats();

  let bytes: Uint8Array | undefined = await formBytes(model, form);
  const size = bytes.length;
  const start = performance.now();
  const session = await ort.InferenceSession.create(bytes, options);
  const loadMs = performance.now() - start;
  bytes = undefined;
  const load = stats();

  const input = session.inputNames[0]!;
  const meta = session.inputMetadata[0];
  const width = meta?.isTensor ? Number(meta.shape[1]) : NaN;
  if (!Number.isFinite(width)) throw new Error(`${model}: expected a [batch, width] float input`);
  const runs: MemoryResult['runs'] = [];
  for (const batch of batches) {
    const x = Float32Array.from({ length: batch * width }, (_, i) => ((i * 7919) % 255) / 255);
    await session.run({ [input]: new ort.Tensor('float32', x, [batch, width]) });
    runs.push({ batch, ...stats() });
  }
  await session.release();
  return { model, form, threads, bytes: size, baseline, load, loadMs, runs };
}

function stats(): HeapStats {
  const s = heapStats();
  if (!s) throw new Error('no WebAssembly.Memory seen: the probe must load before onnxruntime-web creates its heap');
  return s;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (event: MessageEvent<MemoryRequest>) => {
  scope.postMessage(await measure(event.data).catch((error) => ({ error: String(error?.stack ?? error) })));
};
