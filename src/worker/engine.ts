import * as ort from 'onnxruntime-web/webgpu';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { Backend } from '../options.js';
import type { Dtype, Tensor, TypedArray, ValueInfo } from '../tensor.js';
import { availability } from './backend.js';
import { readSignature, type Signature } from './onnx-signature.js';
import type { InitConfig, LoadEvent, LoadReply, LoadRequest, RunReply, WorkerEnv } from './protocol.js';
import { ModelSources } from './sources.js';

interface Entry {
  id: string;
  session: ort.InferenceSession;
  /** Lets the store evict this model's bytes again once the session is gone. */
  release: () => void;
  /** Tail of this session's run queue: runs on one session never overlap. */
  queue: Promise<unknown>;
}

/** Owns the onnxruntime-web sessions of one worker. */
export class Engine {
  private readonly sessions = new Map<number, Entry>();
  private readonly loads = new Map<number, AbortController>();
  private nextHandle = 1;
  private sources: ModelSources | undefined;

  get storage(): ModelSources {
    if (!this.sources) throw new EdgeInferError('runtime-disposed', 'the worker was not initialized');
    return this.sources;
  }

  init(config: InitConfig): WorkerEnv {
    this.sources = new ModelSources(config.storage);
    ort.env.wasm.wasmPaths = config.wasmPaths;
    ort.env.wasm.proxy = false; // this worker replaces ORT's own proxy worker
    if (config.numThreads > 0) ort.env.wasm.numThreads = config.numThreads;
    const isolated = globalThis.crossOriginIsolated === true;
    const threads = isolated ? (config.numThreads || Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2))) : 1;
    return { crossOriginIsolated: isolated, numThreads: threads };
  }

  async load(request: LoadRequest, emit: (event: LoadEvent) => void = () => undefined): Promise<LoadReply> {
    const start = performance.now();
    const controller = new AbortController();
    this.loads.set(request.requestId, controller);
    try {
      const fetched = await this.storage.fetch(request, controller.signal, emit);
      const { bytes } = fetched;
      if (bytes.byteLength === 0) throw new EdgeInferError('model-invalid', `model "${request.id}" is empty (0 bytes)`, { model: request.id });
      const { session, backend, reasons } = await createSession(request.id, bytes, request.backends);
      if (controller.signal.aborted) {
        await session.release();
        throw new EdgeInferError('aborted', `loading model "${request.id}" was aborted`);
      }
      const handle = this.nextHandle++;
      const release = this.storage.hold(request.id, fetched.version);
      this.sessions.set(handle, { id: request.id, session, release, queue: Promise.resolve() });
      const signature = readSignatureOr(bytes, session);
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
        bytes: bytes.byteLength,
        loadMs: performance.now() - start,
      };
    } finally {
      this.loads.delete(request.requestId);
    }
  }

  abort(requestId: number): void {
    this.loads.get(requestId)?.abort();
  }

  run(handle: number, feeds: Record<string, Tensor>): Promise<RunReply> {
    const entry = this.entry(handle);
    const result = entry.queue.then(() => runSession(entry, feeds));
    entry.queue = result.catch(() => undefined);
    return result;
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

async function createSession(id: string, bytes: Uint8Array, backends: readonly Backend[]) {
  const reasons: string[] = [];
  for (const backend of backends) {
    const available = await availability(backend);
    if (!available.ok) {
      reasons.push(`${backend}: ${available.reason}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
      return { session, backend, reasons };
    } catch (error) {
      if (isModelError(error)) {
        throw toEdgeInferError(error, 'model-invalid', `model "${id}" is not a valid ONNX model`);
      }
      reasons.push(`${backend}: session creation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new EdgeInferError('backend-unavailable', `no backend could run model "${id}" (tried ${backends.join(', ')}): ${reasons.join('; ')}`, {
    model: id, reasons,
  });
}

/** ORT reports bytes it cannot parse as a model the same way on every backend. */
function isModelError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /protobuf parsing failed|failed to load model|invalid model|ModelProto/i.test(message);
}

async function runSession(entry: Entry, feeds: Record<string, Tensor>): Promise<RunReply> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    inputs[name] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
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
    outputs[name] = { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray };
  }
  return { outputs, inferenceMs };
}

/** The ONNX graph's own signature; for files that are not plain ONNX protobuf (ORT format), ORT's metadata. */
function readSignatureOr(bytes: Uint8Array, session: ort.InferenceSession): Signature {
  try {
    const signature = readSignature(bytes);
    const names = signature.inputs.map((v) => v.name).join();
    if (names === session.inputNames.join()) return signature;
  } catch {
    // fall through to ORT's view
  }
  return { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
}

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return metadata.map((m) => ({
    name: m.name,
    dtype: (m.isTensor ? m.type : 'float32') as Dtype,
    // ORT reports free dims as 2^32-1 and cannot tell a scalar from an unknown shape.
    dims: m.isTensor && m.shape.length > 0 ? m.shape.map((d) => (typeof d === 'number' && d < 2 ** 31 ? d : typeof d === 'string' && d ? d : '?')) : null,
  }));
}
