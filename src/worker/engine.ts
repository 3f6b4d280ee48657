import * as ort from 'onnxruntime-web/webgpu';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { Backend } from '../options.js';
import type { Dtype, Tensor, TypedArray, ValueInfo } from '../tensor.js';
import { Batcher, channelScheduler, type Scheduler } from './batcher.js';
import type { BatchPolicy, InitConfig, LoadEvent, LoadReply, LoadRequest, RunOutcome, RunReply, WorkerEnv } from '../rpc/protocol.js';
import { createSession, signatureOf } from './session.js';
import { RUNTIME_WASM, RuntimeAssets } from './runtime-assets.js';
import { ModelSources } from './sources.js';
import { setOwn } from '../own.js';

interface Entry {
  id: string;
  session: ort.InferenceSession;
  /** Lets the store evict this model's bytes again once the session is gone. */
  release: () => void;
  /** Tail of this session's run queue: runs on one session never overlap. */
  queue: Promise<unknown>;
  /** Merges concurrent runs; made by the first run that asks for batching. */
  batcher?: Batcher;
}

/** Owns the onnxruntime-web sessions of one worker. */
export class Engine {
  private readonly sessions = new Map<number, Entry>();
  private readonly loads = new Map<number, AbortController>();
  private nextHandle = 1;
  private sources: ModelSources | undefined;
  private runtime: RuntimeAssets | undefined;

  get storage(): ModelSources {
    if (!this.sources) throw new EdgeInferError('runtime-disposed', 'the worker was not initialized');
    return this.sources;
  }

  init(config: InitConfig): WorkerEnv {
    this.sources = new ModelSources(config.storage);
    this.runtime = new RuntimeAssets(config.storage.dbName);
    // Only the .wasm moves: the rest of onnxruntime-web is bundled with this worker.
    if (config.wasmPaths) ort.env.wasm.wasmPaths = { wasm: new URL(RUNTIME_WASM, config.wasmPaths).href };
    ort.env.wasm.proxy = false; // this worker replaces ORT's own proxy worker
    if (config.numThreads > 0) ort.env.wasm.numThreads = config.numThreads;
    const isolated = globalThis.crossOriginIsolated === true;
    const threads = isolated ? (config.numThreads || Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2))) : 1;
    return { crossOriginIsolated: isolated, numThreads: threads };
  }

  /** Starts onnxruntime-web once: its .wasm from IndexedDB, or from the network with `runtime` progress events. */
  prepare(emit: (event: LoadEvent) => void = () => undefined): Promise<void> {
    if (!this.runtime) throw new EdgeInferError('runtime-disposed', 'the worker was not initialized');
    return this.runtime.prepare(emit);
  }

  async load(request: LoadRequest, emit: (event: LoadEvent) => void = () => undefined): Promise<LoadReply> {
    const start = performance.now();
    const controller = new AbortController();
    this.loads.set(request.requestId, controller);
    try {
      await this.prepare(emit);
      const { session, backend, reasons, fetched, gpu } = await createSession(request.id, request.backends, (b) =>
        this.storage.fetch(request, controller.signal, emit, b),
      );
      if (controller.signal.aborted) {
        await session.release();
        throw new EdgeInferError('aborted', `loading model "${request.id}" was aborted`);
      }
      const { bytes } = fetched;
      const handle = this.nextHandle++;
      const release = this.storage.hold(request.id, fetched.version);
      this.sessions.set(handle, { id: request.id, session, release, queue: Promise.resolve() });
      const signature = signatureOf(bytes, session);
      emit({ type: 'ready', id: request.id, version: fetched.version, source: fetched.source, cached: fetched.cached, backend });
      return {
        handle,
        version: fetched.version,
        source: fetched.source,
        cached: fetched.cached,
        inputs: signature.inputs,
        outputs: signature.outputs,
        backend,
        ...(reasons.length > 0 ? { fallbackReason: reasons.join('; ') } : {}),
        ...(gpu ? { gpu } : {}),
        bytes: bytes.byteLength,
        sha256: fetched.sha256,
        loadMs: performance.now() - start,
      };
    } finally {
      this.loads.delete(request.requestId);
    }
  }

  abort(requestId: number): void {
    this.loads.get(requestId)?.abort();
  }

  run(handle: number, feeds: Record<string, Tensor>, batching?: BatchPolicy): Promise<RunReply> {
    const entry = this.entry(handle);
    if (batching) return batcherOf(entry, batching).submit(feeds);
    return enqueue(entry, () => runSession(entry, feeds));
  }

  /** Runs that arrived in one message; each settles on its own, so a bad one fails alone. */
  runMany(handle: number, requests: Record<string, Tensor>[], batching?: BatchPolicy): Promise<RunOutcome[]> {
    this.entry(handle);
    return Promise.all(
      requests.map((feeds) =>
        this.run(handle, feeds, batching).then(
          (reply) => ({ reply }),
          (error: unknown) => ({ error: toEdgeInferError(error, 'inference-failed', 'run failed').toJSON() }),
        ),
      ),
    );
  }

  async release(handle: number): Promise<void> {
    const entry = this.sessions.get(handle);
    if (!entry) return;
    this.sessions.delete(handle);
    await entry.queue;
    entry.release();
    await entry.session.release();
  }

  private entry(handle: number): Entry {
    const entry = this.sessions.get(handle);
    if (!entry) throw new EdgeInferError('model-disposed', `model handle ${handle} was disposed or never loaded`);
    return entry;
  }
}

function enqueue<T>(entry: Entry, task: () => Promise<T>): Promise<T> {
  const result = entry.queue.then(task);
  entry.queue = result.catch(() => undefined);
  return result;
}

let scheduler: Scheduler | undefined;

function batcherOf(entry: Entry, policy: BatchPolicy): Batcher {
  scheduler ??= channelScheduler();
  entry.batcher ??= new Batcher(
    { id: entry.id, inputNames: entry.session.inputNames, enqueue: (task) => enqueue(entry, task), run: (feeds) => runSession(entry, feeds) },
    policy,
    scheduler,
  );
  entry.batcher.policy = policy;
  return entry.batcher;
}

async function runSession(entry: Entry, feeds: Record<string, Tensor>): Promise<RunReply> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    setOwn(inputs, name, new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims));
  }
  const start = performance.now();
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await entry.session.run(inputs);
  } catch (error) {
    throw toEdgeInferError(error, 'inference-failed', `model "${entry.id}" failed to run`);
  }
  const inferenceMs = performance.now() - start;
  const outputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(results)) {
    setOwn(outputs, name, { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray });
  }
  return { outputs, inferenceMs };
}

