import { EdgeInferError } from './errors.js';
import type { Backend } from './options.js';
import { validateFeeds, type Tensor, type ValueInfo } from './tensor.js';
import type { LoadReply, LoadSourceKind, RunReply } from './worker/protocol.js';

export interface RunOptions {
  /**
   * Move the input buffers to the worker instead of copying them. Faster for large inputs, but your arrays are
   * detached (length 0) afterwards. Only arrays that span their whole buffer are moved.
   * @defaultValue `false`
   */
  transfer?: boolean;
}

export interface RunResult {
  /** One tensor per model output, by name. The arrays are yours: nothing else holds them. */
  readonly outputs: Readonly<Record<string, Tensor>>;
  readonly backend: Backend;
  /** Time spent in onnxruntime-web's `session.run` inside the worker. */
  readonly inferenceMs: number;
}

/** What a Model needs from its runtime: the worker calls, guarded against a crashed worker. */
export interface ModelHost {
  run(handle: number, generation: number, feeds: Record<string, Tensor>, transfer: boolean): Promise<RunReply>;
  release(handle: number, generation: number): Promise<void>;
}

/** A loaded model. Inference runs in the runtime's worker; `run()` validates feeds on the calling thread first. */
export class Model {
  readonly id: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The backend this model's session runs on. */
  readonly backend: Backend;
  /** Why preferred backends were skipped, e.g. no WebGPU adapter; `undefined` when the first choice worked. */
  readonly fallbackReason: string | undefined;
  /** The manifest or cache version, when the model was loaded by id or with a sha256. */
  readonly version: string | undefined;
  /** Where the bytes came from: `'network'`, `'cache'` (IndexedDB) or `'bytes'` (passed in). */
  readonly source: LoadSourceKind;
  /** Whether the verified bytes are in the IndexedDB cache for the next load. */
  readonly cached: boolean;
  /** Size of the model file in bytes. */
  readonly bytes: number;
  /** Time from the load request to a ready session, measured in the worker. */
  readonly loadMs: number;
  private readonly handle: number;
  private disposed = false;

  constructor(
    id: string,
    reply: LoadReply,
    private readonly host: ModelHost,
    private readonly generation: number,
  ) {
    this.id = id;
    this.handle = reply.handle;
    this.version = reply.version;
    this.source = reply.source;
    this.cached = reply.cached;
    this.inputs = Object.freeze(reply.inputs.map((v) => Object.freeze({ ...v, dims: v.dims && Object.freeze([...v.dims]) })));
    this.outputs = Object.freeze(reply.outputs.map((v) => Object.freeze({ ...v, dims: v.dims && Object.freeze([...v.dims]) })));
    this.backend = reply.backend;
    this.fallbackReason = reply.fallbackReason;
    this.bytes = reply.bytes;
    this.loadMs = reply.loadMs;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  async run(feeds: Readonly<Record<string, unknown>>, options: RunOptions = {}): Promise<RunResult> {
    if (this.disposed) throw new EdgeInferError('model-disposed', `model "${this.id}" was disposed; load it again to run it`, { model: this.id });
    if (typeof options !== 'object' || options === null) {
      throw new EdgeInferError('options-invalid', `run() options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    const tensors = validateFeeds(this.id, this.inputs, feeds);
    const byName: Record<string, Tensor> = {};
    this.inputs.forEach((info, i) => (byName[info.name] = tensors[i] as Tensor));
    const reply = await this.host.run(this.handle, this.generation, byName, options.transfer === true);
    return { outputs: reply.outputs, backend: this.backend, inferenceMs: reply.inferenceMs };
  }

  /** Releases the session in the worker once runs already queued on it have finished. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.host.release(this.handle, this.generation);
  }
}
