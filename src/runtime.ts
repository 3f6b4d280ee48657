import { makeEnsemble, makePipeline, type ComposeHost, type Ensemble, type Pipeline, type PipelineStep } from './serving/compose.js';
import type { BatchJobOptions, BatchJobResult, BatchSource } from './serving/batch-options.js';
import type { BatchModel } from './serving/batch-job.js';
import type { TypedFeeds } from './typed.js';
import { proxy } from 'comlink';
import { OutputCache } from './cache/output-cache.js';
import { EdgeInferError, shown } from './errors.js';
import { toLoadRequest, type LoadOptions, type LoadSource } from './load-options.js';
import { Model, type ModelHost } from './model.js';
import { resolveOptions, type ResolvedRuntimeOptions, type RuntimeOptions } from './options.js';
import { parseServingOptions, type ServingOptions } from './serving/options.js';
import type { ServingContext } from './serving/serving.js';
import type { CachedModelInfo } from './store/store.js';
import { Outcomes, type OutcomeStatus } from './monitor/outcomes.js';
import type { MonitorOptions } from './monitor/options.js';
import { watchModel } from './monitor/watch.js';
import type { AnySignature, Signature } from './typed.js';
import type { Lane, Replica } from './serving/pool.js';
import { Workers } from './serving/workers.js';
import type { LoadEvent, LoadReply, LoadRequest, StorageUsage, WorkerEnv } from './rpc/protocol.js';
import { checkOrigin } from './store/origins.js';
import { reportLoad } from './telemetry/report.js';
import { createTelemetry, type Telemetry } from './telemetry/telemetry.js';

/** The model cache, as `runtime.storage`. */
export interface RuntimeStorage {
  /** Cached models (complete and partial downloads): id, version, sha256, bytes, lastUsed. */
  list(): Promise<CachedModelInfo[]>;
  /** Bytes used against the configured limit, the browser's estimate, and whether storage is persistent. */
  usage(): Promise<StorageUsage & { persisted: boolean | undefined }>;
  /** Deletes every cached version of a model; resolves with how many there were. */
  delete(id: string): Promise<number>;
  /** Deletes every cached model and manifest. */
  clear(): Promise<void>;
}

export function createRuntime(options?: RuntimeOptions): Runtime {
  return new Runtime(options);
}

/** Owns the inference worker and the models loaded into it. */
export class Runtime {
  readonly options: ResolvedRuntimeOptions;
  /** The workers, and which of them hold each model. */
  private readonly workers: Workers;
  private anonymous = 0;
  private disposed = false;
  private readonly host: ModelHost;
  private outcomes: Outcomes | undefined;

  /** The output cache and batching defaults the runtime's models share. */
  private readonly serving: ServingContext;

  /** Aggregates and exports metrics; a no-op unless `telemetry.endpoint` or `telemetry.exporter` is set. */
  private readonly telemetry: Telemetry;

  constructor(options?: RuntimeOptions) {
    this.options = resolveOptions(options);
    this.telemetry = createTelemetry(this.options.telemetry);
    this.workers = new Workers({
      options: this.options, telemetry: this.telemetry, allowedOrigins: this.allowedOrigins(), baseUrl, disposed: () => this.disposed,
    });
    this.host = this.workers.host;
    this.serving = { cache: this.options.cache ? new OutputCache(this.options.cache) : undefined, batching: this.options.batching };
  }

  /**
   * Loads a model and resolves when its session is ready: `load('digits')` looks the id up in the manifest and
   * serves it from the IndexedDB cache when it can; `load({ url, sha256 })` and `load({ bytes })` name it directly.
   * Declare the signature to have feeds and outputs checked at compile time:
   * `load<{ pixels: 'float32' }, { probabilities: 'float32' }>('digits')`.
   */
  async load<I extends Signature = AnySignature, O extends Signature = AnySignature>(source: string | LoadSource, options: LoadOptions = {}): Promise<Model<I, O>> {
    const { request, moved } = toLoadRequest(source, options, this.options, baseUrl(), () => `model-${++this.anonymous}`);
    const url = request.source.kind === 'url' ? request.source.url : request.source.kind === 'manifest' ? request.source.manifest : undefined;
    if (url) checkOrigin(url, this.allowedOrigins(), request.source.kind === 'url' ? 'the model\'s origin' : 'the manifest\'s origin');
    const serving = parseServingOptions(options);
    if (request.monitor) this.outcomesFor(options.monitor?.outcomes); // checks its options before any work
    if (options.signal?.aborted) throw new EdgeInferError('aborted', `loading "${request.id}" was aborted before it started`);
    try {
      const reused = this.workers.first.alive;
      try {
        return await this.loadOn<I, O>(request, moved, serving, options);
      } catch (error) {
        // A worker that died while idle is only found out by the next call: try once more on a new one (unless the
        // bytes were moved to the dead worker).
        const retry = reused && error instanceof EdgeInferError && error.code === 'worker-crashed' && moved.every((b) => b.byteLength > 0);
        if (!retry) throw error;
        return await this.loadOn<I, O>(request, moved, serving, options);
      }
    } catch (error) {
      this.telemetry.recordError(error, { id: request.id });
      throw error;
    }
  }

  /**
   * Loads a model into the first worker and, where it is worth replicating (several workers, a WASM session, no state
   * in its worker), into the others too, which read the weights from IndexedDB.
   */
  private async loadOn<I extends Signature, O extends Signature>(
    request: Omit<LoadRequest, 'requestId'>, moved: ArrayBuffer[], serving: ServingOptions, options: LoadOptions,
  ): Promise<Model<I, O>> {
    // The first worker takes the app's bytes; the others get copies.
    const { pool } = this.workers;
    const spare = pool.size > 1 && request.source.kind === 'bytes' ? request.source.bytes.slice(0) : undefined;
    const { reply, replica, client } = await this.workers.loadInto(this.workers.first, request, moved, options);
    let made: Model<I, O> | undefined;
    const watch = watchModel(request.id, reply, client.runs.windows, () => this.outcomesFor(options.monitor?.outcomes), this.telemetry, () => made);
    const replicated = pool.size > 1 && !reply.tapped && !watch && reply.backend === 'wasm';
    const again = async (lane: Lane): Promise<Replica> => {
      const copy = spare?.slice(0);
      const loaded = await this.workers.loadInto(lane, copy ? { ...request, source: { kind: 'bytes', bytes: copy } } : request, copy ? [copy] : []);
      if (loaded.reply.sha256 === reply.sha256 && loaded.reply.backend === reply.backend) return loaded.replica;
      await this.workers.release(loaded.replica);
      throw new EdgeInferError('backend-unavailable', `worker ${lane.index + 1} loaded "${request.id}" as ${loaded.reply.backend} ${loaded.reply.sha256.slice(0, 12)}, not as the first worker did (${reply.backend} ${reply.sha256.slice(0, 12)})`, { model: request.id });
    };
    const id = pool.place([replica], replicated ? again : undefined);
    const model = (made = new Model<I, O>(request.id, reply, id, this.host, { context: this.serving, options: serving }, watch));
    if (reply.assignment) client.runs.rollouts.set(reply.handle, (event) => model.rolloutEvent(event));
    if (replicated) await this.workers.replicate(id, request.id, again, options.onProgress);
    if (request.warmup) await model.warm(request.probe.feeds);
    reportLoad(this.telemetry, model, reply.gpu);
    return model;
  }

  /**
   * Starts onnxruntime-web in the worker ahead of the first load: fetches the .wasm of each build this device's
   * backends need (14.2 MB for WASM only; 16.8 or 26.8 MB more where WebGPU or WebNN can be used) with `runtime`
   * progress events and keeps them in IndexedDB, so later visits, also offline, start from there. `load()` does this
   * implicitly; call it early to show progress or to warm up. Fails with `runtime-assets-unavailable` when the file
   * cannot be fetched or is not WebAssembly (the message names the URL and the content-type received).
   */
  async prepare(options: { onProgress?: (event: LoadEvent) => void; signal?: AbortSignal } = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) throw new EdgeInferError('options-invalid', 'prepare() options must be an object');
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new EdgeInferError('options-invalid', 'prepare(): onProgress must be a function');
    if (options.signal?.aborted) throw new EdgeInferError('aborted', 'prepare() was aborted before it started');
    const events = options.onProgress ? proxy(options.onProgress) : undefined;
    // The first worker fetches the files into IndexedDB (with progress); the others then read them from there.
    const [first, ...others] = this.workers.pool.lanes.map((lane) => () => {
      const client = this.workers.connect(lane);
      return this.workers.unusableOn(client, client.call(async (api) => {
        await lane.ready;
        await api.prepare(this.options.backends, this.options.backendProbe.softwareGpu, lane.index === 0 ? events : undefined);
      }).finally(() => client.started()));
    });
    const started = first!().then(() => Promise.all(others.map((start) => start())).then(() => undefined));
    const signal = options.signal;
    if (!signal) return started;
    started.catch(() => undefined); // the caller may have stopped waiting
    await Promise.race([started, new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(new EdgeInferError('aborted', 'prepare() was aborted; the runtime keeps starting in the worker')), { once: true });
    })]);
  }

  /** The IndexedDB model cache. */
  readonly storage: RuntimeStorage = {
    list: async () => this.workers.connect().call((api) => api.storageList()),
    usage: async () => {
      const usage = await this.workers.connect().call((api) => api.storageUsage());
      const persisted = await globalThis.navigator?.storage?.persisted?.().catch(() => undefined);
      return { ...usage, persisted };
    },
    delete: async (id) => {
      if (typeof id !== 'string' || id === '') throw new EdgeInferError('options-invalid', 'storage.delete() needs a model id');
      return this.workers.connect().call((api) => api.storageDelete(id));
    },
    clear: async () => this.workers.connect().call((api) => api.storageClear()),
  };

  /** What the worker found about this page: cross-origin isolation and WASM threads. */
  async env(): Promise<WorkerEnv> {
    const lane = this.workers.first;
    return this.workers.connect(lane).call(() => lane.ready as Promise<WorkerEnv>);
  }

  /**
   * Joins the real outcome of a monitored model's prediction (`result.predictionId`): the class index for a
   * classifier, the values for a regressor. It may come minutes or a reload later, while the prediction is still in
   * the ring (`monitor.outcomes`). Resolves `'joined'`, or `'unknown'`, `'expired'` or `'duplicate'` (counted, not
   * thrown); rejects with `input-invalid` for a malformed id or an outcome of the wrong kind or size.
   */
  recordOutcome(predictionId: string, actual: number | ArrayLike<number>): Promise<OutcomeStatus> {
    return this.outcomesFor(undefined).record(predictionId, actual);
  }

  /**
   * Runs `model` over every item (one-row feeds) of an array, iterable or async iterable, `batchSize` items per run
   * and `concurrency` runs in flight, and resolves with the results in source order. With `checkpoint: 'job-name'`
   * each batch's results go to IndexedDB, and a later call (after a reload) resumes after the last batch done; a
   * finished job returns its stored results without running anything. See "Batch jobs" in the README.
   */
  async runBatch<I extends Signature = AnySignature, O extends Signature = AnySignature>(
    model: Model<I, O>,
    source: BatchSource<TypedFeeds<I>>,
    options?: BatchJobOptions,
  ): Promise<BatchJobResult<O>> {
    if (this.disposed) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed; create a new one');
    if (!(model instanceof Model) || model.handleIn(this.host) === undefined) throw new EdgeInferError('options-invalid', `runBatch() needs a model this runtime loaded, got ${shown(model)}`);
    const { runBatchJob } = await import('./serving/batch-job.js'); // loaded on first use
    return runBatchJob<O>(model as unknown as BatchModel, source, options, { dbName: this.options.storage.dbName });
  }

  /**
   * Composes models and processors in the worker: model steps (each takes the outputs of the step before, by name or
   * as its `inputs` map says), `pre` / `post` processor steps, `split` (an image into pieces) with `each: true` fanning
   * the next steps out over the list, `join`, and a VAD `gate` first (fed with `pipeline.stream()`). Checked now
   * (`options-invalid` with `details: { step, field }`), not at the first run. See "Pipelines and ensembles".
   */
  pipeline(steps: PipelineStep<Model>[]): Pipeline {
    return makePipeline(this.composeHost(), steps);
  }

  /**
   * Runs models with the same signature on the same feeds in the worker and combines their float32 outputs:
   * `mean` averages them; `vote` gives each class's share of top-1 votes per row (outputs with a class axis).
   */
  ensemble(models: Model[], options: { combine?: 'mean' | 'vote' } = {}): Ensemble {
    return makeEnsemble(this.composeHost(), models, options);
  }

  private composeHost(): ComposeHost {
    if (this.disposed) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed; create a new one');
    return {
      handleOf: (model) => {
        const handle = model instanceof Model ? model.handleIn(this.host) : undefined;
        if (handle === undefined) throw new EdgeInferError('options-invalid', `model "${model.id}" was not loaded by this runtime`, { model: model.id });
        return handle;
      },
      // Composed models run in one worker: the least busy one that holds them all.
      together: (ids) => {
        const { lane, handles } = this.workers.together(ids);
        return { handles, call: (fn) => this.workers.pool.track(lane, lane.client!.call(fn)) };
      },
      ensemble: (ids, feeds, combine) => {
        const { lane, handles } = this.workers.together(ids);
        return this.workers.pool.track(lane, lane.client!.call((api) => api.runEnsemble(handles, feeds, combine)));
      },
    };
  }

  /** The runtime's outcome tracking, made with the first monitored load's `monitor.outcomes` options. */
  private outcomesFor(options: MonitorOptions['outcomes']): Outcomes {
    if (!this.outcomes) {
      this.outcomes = new Outcomes(this.options.storage.dbName, options ?? {}, this.telemetry);
      globalThis.addEventListener?.('pagehide', () => void this.outcomes?.flush());
    }
    return this.outcomes;
  }

  /** Ends the worker. Pending runs reject with `runtime-disposed`; the runtime cannot be used again. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.outcomes?.flush();
    this.serving.cache?.clear();
    this.workers.stop(new EdgeInferError('runtime-disposed', 'the runtime was disposed'));
    await this.telemetry.dispose(); // sends what was recorded
  }

  /** `allowedOrigins` plus the page's own origin, or undefined for any origin. */
  private allowedOrigins(): readonly string[] | undefined {
    const allowed = this.options.allowedOrigins;
    return allowed && [...allowed, new URL(baseUrl()).origin];
  }
}

function baseUrl(): string {
  return globalThis.document?.baseURI ?? globalThis.location.href;
}
