import type { Telemetry } from './telemetry/telemetry.js';
import { zeroStats, type CacheStats, type ModelCache, type PendingEntry } from './cache/output-cache.js';
import { EdgeInferError, shown } from './errors.js';
import type { Backend } from './options.js';
import { RunCoalescer } from './serving/run-coalescer.js';
import type { ServingOptions } from './serving/options.js';
import { resolveServing, type ServingContext, type ServingInfo } from './serving/serving.js';
import { validateFeeds, wholeBuffers, type Tensor, type ValueInfo } from './tensor.js';
import type { AnySignature, Signature, TypedFeeds, TypedOutputs } from './typed.js';
import type { BuildName } from './worker/ort-builds.js';
import type { BackendChoice, BatchPolicy, LoadReply, LoadSourceKind, PredictReply, RolloutEvent, RolloutState, RunOutcome, RunReply } from './rpc/protocol.js';
import type { Prediction, Processors } from './processors/spec.js';
import { setOwn } from './own.js';
import { ModelMonitor } from './monitor/monitor.js';
import { probeFeeds } from './probe-feeds.js';
import type { Assignment } from './store/rollout.js';
import { ModelRollout } from './monitor/rollout-view.js';
import { checkStreamOptions, ModelStream, type StreamHost, type StreamOptions } from './serving/model-stream.js';
import { payloadOf, predictRequest, type PredictInput, type PredictOptions } from './serving/predict-input.js';
import type { PredictPayload } from './worker/predict.js';

export type { PredictInput, PredictOptions } from './serving/predict-input.js';

export interface RunOptions {
  /**
   * Move the input buffers to the worker instead of copying them. Faster for large inputs, but your arrays are
   * detached (length 0) afterwards. Only arrays that span their whole buffer are moved.
   * @defaultValue `false`
   */
  transfer?: boolean;
  /**
   * Use the output cache for this call: `false` skips it (no lookup, no store); `true` uses it even on a stateful
   * model. With `transfer: true` a cache hit still detaches your buffers, so the call behaves the same either way.
   * @defaultValue `model.serving.cache`
   */
  cache?: boolean;
  /**
   * Reject with `timeout` when the result has not arrived after this many milliseconds. The run is abandoned,
   * not stopped (onnxruntime-web cannot cancel a run): later runs of this model still queue behind it. A worker
   * that stops answering altogether is caught by the runtime's `workerTimeoutMs` instead.
   * @defaultValue no limit
   */
  timeoutMs?: number;
}

export interface RunResult<O extends Signature = AnySignature> {
  /** One tensor per model output, by name. The arrays are yours: nothing else holds them. */
  readonly outputs: TypedOutputs<O>;
  readonly backend: Backend;
  /** Time spent in onnxruntime-web's `session.run` inside the worker (the whole batch's run when batched); 0 for a cache hit. */
  readonly inferenceMs: number;
  /** Whether the outputs came from the main-thread output cache (no worker round trip). */
  readonly fromCache: boolean;
  /** Requests that shared the `session.run` that produced these outputs: 1 when it ran alone, 0 for a cache hit. */
  readonly batchSize: number;
  /**
   * For a monitored model's one-row runs: the id to pass to `runtime.recordOutcome()` once the real outcome is known.
   * Only a summary of the prediction is kept for it (class and confidence, or the values), never the inputs.
   */
  readonly predictionId?: string;
}

/** What a monitored model gets from its runtime. */
export interface ModelWatch {
  readonly monitor: ModelMonitor;
  /** Remembers a one-row result for `recordOutcome()`; its prediction id. */
  readonly track?: ((outputs: Record<string, Tensor>) => string | undefined) | undefined;
}

/**
 * What a Model needs from its runtime: the worker calls, guarded against a crashed worker. `handle` names the model
 * in the runtime, which sends each call to one of the workers holding it.
 */
export interface ModelHost {
  /**
   * `lone`: no other run of the model is in flight, so a batching worker runs it at once when the session is idle.
   * `transfer`: move the caller's buffers (`true`), copy them (`false`), or the feeds are private copies (`'own'`).
   * `quiet`: the SDK's own run (the warm-up): neither the drift monitor nor a rollout's guardrails or shadow see it.
   */
  run(handle: number, feeds: Record<string, Tensor>, transfer: boolean | 'own', batching?: BatchPolicy, lone?: boolean, quiet?: boolean): Promise<RunReply>;
  /** A private copy of the feeds, made without allocating where a returned buffer is free. */
  copy(feeds: Record<string, Tensor>): Record<string, Tensor>;
  /** Several runs in one message; `transfer` lists the buffers to move. */
  runMany(handle: number, requests: Record<string, Tensor>[], transfer: ArrayBuffer[], batching?: BatchPolicy): Promise<RunOutcome[]>;
  /** Whether a live worker still holds this model. */
  alive(handle: number): boolean;
  /** How many live workers hold this model. */
  replicas(handle: number): number;
  /** The runtime's telemetry (a no-op when it is off). */
  readonly telemetry?: Telemetry;
  release(handle: number): Promise<void>;
  /** The worker's view of a model's rollout (guardrails, second version). */
  rolloutState(handle: number): Promise<RolloutState>;
  predict(handle: number, input: PredictPayload, options: PredictOptions): Promise<PredictReply>;
  /** The stream calls, all on one worker that holds the model. */
  streams(handle: number): { open(sampleRate: number): Promise<number> } & StreamHost;
}


/** `predict()`'s answer, with the time `session.run` took in the worker. */
export type PredictResult = Prediction & { readonly inferenceMs: number };


/**
 * A loaded model. Inference runs in the runtime's worker; `run()` validates feeds on the calling thread first.
 * `I` and `O` name the inputs and outputs with their dtypes when the app declares them (see `Runtime.load`).
 */
export class Model<I extends Signature = AnySignature, O extends Signature = AnySignature> {
  readonly id: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The backend this model's session runs on. */
  get backend(): Backend {
    return this.info.backend;
  }
  /** How the backend was chosen: measured by `auto` (or remembered from an earlier load), listed or forced. */
  readonly backendChoice: BackendChoice;
  /** The onnxruntime-web build the session runs in: `'wasm'` (plain, CPU only), `'jspi'` or `'asyncify'` (WebGPU/WebNN). */
  get build(): BuildName {
    return this.info.build;
  }
  /** Why preferred backends were skipped, e.g. no WebGPU adapter; `undefined` when the first choice worked. */
  readonly fallbackReason: string | undefined;
  /** The manifest or cache version, when the model was loaded by id or with a sha256 (stable's, after a rollback). */
  get version(): string | undefined {
    return this.info.version;
  }
  /** For a model loaded by id from a manifest: which version its rollout chose and why; undefined otherwise. */
  get assignment(): Assignment | undefined {
    return this.info.assignment;
  }
  /** Where the bytes came from: `'network'`, `'cache'` (IndexedDB) or `'bytes'` (passed in). */
  get source(): LoadSourceKind {
    return this.info.source;
  }
  /** Whether the verified bytes are in the IndexedDB cache for the next load. */
  get cached(): boolean {
    return this.info.cached;
  }
  /** Size of the model file in bytes. */
  get bytes(): number {
    return this.info.bytes;
  }
  /** SHA-256 of the model file (hex): what the output cache is keyed by, so two files never share entries. */
  get sha256(): string {
    return this.info.sha256;
  }
  /**
   * How many workers hold this model now: 1, or with `workers` > 1 each worker for a replicated model (fewer while
   * one that died is being replaced). 0 once its workers are gone (or it was disposed).
   */
  get workers(): number {
    return this.disposed ? 0 : this.host.replicas(this.handle);
  }
  /** Time from the load request to a ready session, measured in the worker. */
  readonly loadMs: number;
  /** Whether runs use the output cache and dynamic batching, and why not (see `ServingOptions`). */
  readonly serving: ServingInfo;
  /**
   * Drift monitoring (load option `monitor`): `report()` per feature against the reference profile, `on('drift' |
   * 'recovered')`, and `quality()` from outcomes joined with `runtime.recordOutcome()`. `status` is `'off'` when unmonitored.
   */
  readonly monitor: ModelMonitor;
  /**
   * A manifest rollout on this device: `report()` (guardrails, shadow) and `on('rollback')`. After a rollback,
   * `version`, `sha256`, `assignment` and the rest describe stable, which then serves this model.
   */
  readonly rollout: ModelRollout;
  /** What `predict()` runs before and after the model (from the manifest entry or the load options); undefined: none. */
  readonly processors: Processors | undefined;
  private info: Pick<LoadReply, 'version' | 'source' | 'cached' | 'backend' | 'build' | 'bytes' | 'sha256' | 'assignment'>;
  private readonly track: ModelWatch['track'];
  private readonly handle: number;
  private cache: ModelCache | undefined;
  private readonly cacheOf: ServingContext['cache'];
  /** Set when batching is on: runs issued in the same task share one message to the worker. */
  private readonly coalescer: RunCoalescer | undefined;
  private disposed = false;

  /** @internal Made by `Runtime.load()`. */
  constructor(
    id: string,
    reply: LoadReply,
    handle: number,
    private readonly host: ModelHost,
    serving: { context: ServingContext; options: ServingOptions } = { context: { cache: undefined, batching: false }, options: {} },
    watch?: ModelWatch,
  ) {
    this.id = id;
    this.handle = handle;
    this.info = infoOf(reply);
    this.inputs = Object.freeze(reply.inputs.map((v) => Object.freeze({ ...v, dims: v.dims && Object.freeze([...v.dims]) })));
    this.outputs = Object.freeze(reply.outputs.map((v) => Object.freeze({ ...v, dims: v.dims && Object.freeze([...v.dims]) })));
    this.backendChoice = Object.freeze({ ...reply.backendChoice, candidates: Object.freeze(reply.backendChoice.candidates.map((c) => Object.freeze({ ...c }))) }) as BackendChoice;
    this.fallbackReason = reply.fallbackReason;
    this.loadMs = reply.loadMs;
    this.serving = resolveServing(serving.context, serving.options, this.inputs, this.outputs);
    this.monitor = watch?.monitor ?? new ModelMonitor(undefined, 0, this, undefined, 'the model was loaded without the monitor option');
    this.track = watch?.track;
    // Keyed by content, never by name: loads of the same file share entries, different files never do.
    this.cacheOf = serving.context.cache;
    this.cache = this.cacheOf?.open(this.sha256);
    this.processors = reply.processors && Object.freeze(structuredClone(reply.processors));
    this.rollout = new ModelRollout(() => host.rolloutState(handle), () => this.assignment);
    const batching = this.serving.batching || undefined;
    this.coalescer = batching && new RunCoalescer(
      {
        one: (feeds, lone, move) => host.run(handle, feeds, move, batching, lone),
        many: (requests, moved) => host.runMany(handle, requests, moved, batching),
        copy: (feeds) => host.copy(feeds),
      },
      batching.maxBatch,
    );
  }

  /**
   * @internal A rollout event from the worker. After a rollback that swapped in stable, the model describes stable,
   * and its output cache is stable's (keyed by its sha256), so no answer of the variant is served again.
   */
  rolloutEvent(event: RolloutEvent): void {
    if (this.disposed) return;
    const telemetry = this.host.telemetry;
    if ('second' in event) {
      const { version, ms, agree, maxAbsDiff, error } = event.second;
      if (telemetry?.enabled) void import('./telemetry/rollout-metrics.js').then((m) => m.recordShadow(telemetry, this, { version, ms, agree, maxAbsDiff, error }));
      return;
    }
    const { from, to, code, detail, swapped, error } = event.rollback;
    if (swapped) {
      this.info = infoOf({ ...this.info, ...swapped });
      this.cache?.close();
      this.cache = this.cacheOf?.open(this.sha256);
    }
    if (telemetry?.enabled) void import('./telemetry/rollout-metrics.js').then((m) => m.recordRollback(telemetry, this, { from, to, reason: code }));
    this.rollout.emit({ from, to, code, detail, applied: swapped !== undefined, ...(error ? { error } : {}) });
  }

  /** @internal The model's handle when `host` (a runtime's) holds it in a live worker, or it was disposed (its calls then fail with model-disposed); else undefined. */
  handleIn(host: ModelHost): number | undefined {
    return host === this.host && (this.disposed || host.alive(this.handle)) ? this.handle : undefined;
  }

  /** Output-cache counters for this model (shared with other loads of the same file). */
  cacheStats(): CacheStats {
    return this.cache?.stats() ?? Object.freeze(zeroStats());
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  run(feeds: TypedFeeds<I>, options: RunOptions = {}): Promise<RunResult<O>> {
    const telemetry = this.host.telemetry;
    return telemetry?.enabled ? this.recorded(telemetry, () => this.runOnce(feeds, options), (r) => !r.fromCache) : this.runOnce(feeds, options);
  }

  /** Records the call's time as its caller waited for it (when `counts` says it ran the model), or its error. */
  private async recorded<T>(telemetry: Telemetry, work: () => Promise<T>, counts: (result: T) => boolean): Promise<T> {
    const start = performance.now();
    try {
      const result = await work();
      if (counts(result)) telemetry.recordInference(this, performance.now() - start);
      return result;
    } catch (error) {
      telemetry.recordInference(this, performance.now() - start, 'error');
      telemetry.recordError(error, this);
      throw error;
    }
  }

  /**
   * Runs the model the way its processors say: the pre-processor makes the input tensor in the worker from an image
   * (decoding a Blob there too; canvases and `<img>` elements become an ImageBitmap first), a row of numbers or an
   * array of rows (tabular), or whatever a custom module takes; the post-processor reads the output into an answer,
   * e.g. `{ type: 'classes', label: '7', score: 0.99, topK }` or `{ type: 'values', values }`. Not served from the
   * output cache; monitored and watched by a rollout like `run()`.
   */
  async predict(input: PredictInput, options: PredictOptions = {}): Promise<PredictResult> {
    const request = predictRequest(options, this);
    if (this.disposed) throw new EdgeInferError('model-disposed', `model "${this.id}" was disposed; load it again to run it`, { model: this.id });
    const payload = await payloadOf(input, this);
    const predict = async () => {
      const { prediction, inferenceMs } = await this.host.predict(this.handle, payload, request);
      return { ...prediction, inferenceMs };
    };
    const telemetry = this.host.telemetry;
    return telemetry?.enabled ? this.recorded(telemetry, predict, () => true) : predict();
  }

  /**
   * Opens a stream for a stateful audio model (its processors' `pre` is `audio`, as the bundled VAD's): push PCM
   * chunks at `sampleRate`; the worker resamples, frames with context and carries the recurrent state, and each push
   * resolves with the frames it completed and speech `start` / `end` events. Close it when done.
   */
  async stream(options: StreamOptions): Promise<ModelStream> {
    const { sampleRate } = checkStreamOptions(options);
    if (this.disposed) throw new EdgeInferError('model-disposed', `model "${this.id}" was disposed; load it again to run it`, { model: this.id });
    if (this.processors?.pre?.type !== 'audio') {
      throw new EdgeInferError('options-invalid', `stream(): model "${this.id}" has no audio pre-processor: give its manifest entry "pre" { type: 'audio', ... }, or load it with { processors }`, { model: this.id });
    }
    const calls = this.host.streams(this.handle);
    const id = await calls.open(sampleRate);
    return new ModelStream(calls, id, this.id);
  }

  /**
   * @internal One run through the path of a lone run (validation, the worker's batcher and run handling) in each
   * worker that holds the model before `load()` resolves, so the app's first call does not pay for cold code on
   * either thread (6–31 ms against 1–3 ms warm, measured). Not cached, not recorded, not seen by the drift monitor or
   * a rollout's guardrails and shadow; a model that rejects made-up inputs is simply not warmed.
   */
  async warm(feeds: Record<string, Tensor> | undefined): Promise<void> {
    const made = feeds ?? probeFeeds(this.inputs);
    if (!made) return;
    // One run per worker that holds the model: sent together, each goes to the least busy worker, so to another one.
    const runs = Array.from({ length: Math.max(1, this.host.replicas(this.handle)) }, () => this.runOnce(made, {}, true).catch(() => undefined));
    await Promise.all(runs);
  }

  /** Not async: a call costs one promise fewer. Every failure still comes as a rejection, never a throw. */
  private runOnce(feeds: unknown, options: RunOptions, warm = false): Promise<RunResult<O>> {
    try {
      return this.send(feeds, options, warm);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private send(feeds: unknown, options: RunOptions, warm: boolean): Promise<RunResult<O>> {
    if (this.disposed) throw new EdgeInferError('model-disposed', `model "${this.id}" was disposed; load it again to run it`, { model: this.id });
    if (typeof options !== 'object' || options === null) {
      throw new EdgeInferError('options-invalid', `run() options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    if (options.cache !== undefined && typeof options.cache !== 'boolean') {
      throw new EdgeInferError('options-invalid', `run() option cache must be a boolean, got ${typeof options.cache}`);
    }
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      throw new EdgeInferError('options-invalid', `run() option timeoutMs must be a number of milliseconds from 1 to 2147483647, got ${shown(timeoutMs)}`);
    }
    const tensors = validateFeeds(this.id, this.inputs, feeds);
    const move = options.transfer === true;
    let pending: PendingEntry | undefined;
    // Stored where it was looked up: after a rollback, a result of the variant must not enter stable's cache.
    const cache = this.cache;
    // The warm-up is not the app's: neither a cache lookup nor a bypass, nothing recorded.
    if (!warm && cache && (options.cache ?? this.serving.cache) && this.host.alive(this.handle)) {
      const found = cache.lookup(tensors);
      this.host.telemetry?.recordCache(this, found.hit);
      if (found.hit) {
        if (move) detach(tensors);
        return Promise.resolve(this.result({ outputs: found.outputs as TypedOutputs<O>, backend: this.backend, inferenceMs: 0, fromCache: true, batchSize: 0 }));
      }
      pending = found.pending;
    } else if (!warm) {
      cache?.bypass();
    }
    const byName: Record<string, Tensor> = {};
    for (let i = 0; i < tensors.length; i++) setOwn(byName, this.inputs[i]!.name, tensors[i]!);
    // The warm-up goes straight to the worker as a lone run, quiet: the worker's monitor and guardrails skip it.
    const sent = warm
      ? this.host.run(this.handle, byName, move, this.serving.batching || undefined, true, true)
      : this.coalescer ? this.coalescer.post(byName, move) : this.host.run(this.handle, byName, move);
    return (timeoutMs === undefined ? sent : this.deadline(sent, timeoutMs)).then((reply) => {
      if (pending && !this.disposed) cache?.store(pending, reply.outputs);
      const result = { outputs: reply.outputs as TypedOutputs<O>, backend: this.backend, inferenceMs: reply.inferenceMs, fromCache: false, batchSize: reply.batchSize ?? 1 };
      return warm ? result : this.result(result);
    });
  }

  private result(r: RunResult<O>): RunResult<O> {
    const id = this.track?.(r.outputs as Record<string, Tensor>);
    return id === undefined ? r : { ...r, predictionId: id };
  }

  private deadline<T>(sent: Promise<T>, ms: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EdgeInferError('timeout', `model "${this.id}" did not answer within ${ms} ms (timeoutMs)`, { model: this.id, timeoutMs: ms })), ms);
    });
    sent.catch(() => undefined); // an abandoned run may still fail later
    return Promise.race([sent, late]).finally(() => clearTimeout(timer));
  }

  /** Releases the session in the worker once runs already queued on it have finished. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cache?.close();
    this.coalescer?.flush();
    await this.host.release(this.handle);
  }
}

function infoOf(reply: Model['info']): Model['info'] {
  const { version, source, cached, backend, build, bytes, sha256, assignment } = reply;
  return { version, source, cached, backend, build, bytes, sha256, assignment: assignment && Object.freeze({ ...assignment }) };
}

/** A hit must leave transferred inputs detached too, as a miss would. */
function detach(tensors: readonly Tensor[]): void {
  for (const buffer of wholeBuffers(tensors)) structuredClone(buffer, { transfer: [buffer] });
}
