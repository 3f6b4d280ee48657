import { EdgeInferError, toEdgeInferError } from '../errors.js';
import { BACKENDS, type Backend } from '../backends.js';
import type { Tensor, ValueInfo } from '../tensor.js';
import { Batcher, channelScheduler, type Scheduler } from './batcher.js';
import type { Processors } from '../processors/spec.js';
import type { BackendChoice, BatchPolicy, InitConfig, LoadEvent, LoadReply, LoadRequest, PredictReply, RolloutEvent, RolloutState, RunOutcome, RunReply, WindowEvent, WorkerEnv } from '../rpc/protocol.js';
import type { RunTap } from '../rpc/run-port.js';
import { MonitorTap, profileFor } from './monitor-tap.js';
import type { Signature } from './onnx-signature.js';
import { availability } from './backend.js';
import { ChoiceStore } from './choice-store.js';
import { chooseByMeasurement, type Sources } from './choose.js';
import type { FileChoice } from '../store/manifest.js';
import { buildFor, type BuildName } from './ort-builds.js';
import { probeFeeds } from '../probe-feeds.js';
import { createSession, runOn, signatureOf, type Opened } from './session.js';
import { RuntimeAssets } from './runtime-assets.js';
import { ModelSources } from './sources.js';
import { fitOrRelease, predictOn, type PredictPayload, type PredictRequest } from './predict.js';
import { AudioStream, Streams } from './stream.js';
import type { GatedStream } from './pipeline-gate.js';
import { joinTaps, watchRollout, type RolloutHost, type RolloutWatch } from './rollout-watch.js';

interface Entry {
  id: string;
  backend: Backend;
  opened: Pick<Opened<unknown>, 'session' | 'ort'>;
  /** Lets the store evict this model's bytes again once the session is gone. */
  release: () => void;
  /** Tail of this session's run queue: runs on one session never overlap. */
  queue: Promise<unknown>;
  /** Tasks in the queue, running or waiting. */
  queued: number;
  /** Merges concurrent runs; made by the first run that asks for batching. */
  batcher?: Batcher;
  /** Drift monitoring, when the load asked for it and the profile fits. */
  monitor?: MonitorTap;
  /** Guardrails and a second version, when the model's rollout asks for them. */
  rollout?: RolloutWatch;
  /** What watches each run: the two above, joined. */
  tap?: RunTap;
  /** What `predict()` runs before and after the model. */
  processors?: Processors;
  /** Its inputs and outputs (JSON): stable replaces a variant in the same handle only if they are the same. */
  signature: string;
  released?: boolean;
}

/** Owns the onnxruntime-web sessions of one worker. */
export class Engine {
  private readonly sessions = new Map<number, Entry>();
  private readonly loads = new Map<number, AbortController>();
  private nextHandle = 1;
  private sources: ModelSources | undefined;
  private runtime: RuntimeAssets | undefined;
  private choices: ChoiceStore | undefined;
  /** Posts a closed monitoring window or a rollout event to the main thread (set by the worker entry). */
  postNote: (event: WindowEvent | RolloutEvent) => void = () => undefined;
  /** Open `model.stream()`s: pushes, resets and closes go straight to them. */
  readonly streams = new Streams<AudioStream>();
  /** Gated pipeline streams, closed with any model they use. */
  readonly pipelines = new Streams<GatedStream>('pipeline stream');
  /** Ids for loads the worker starts itself (second versions, rollbacks), apart from the main thread's. */
  private nextInternal = -1;
  /** The runtime's allowedOrigins (with the page's), for processor modules; undefined: the page's origin only. */
  private allowedOrigins: readonly string[] | undefined;

  get storage(): ModelSources {
    if (!this.sources) throw new EdgeInferError('runtime-disposed', 'the worker was not initialized');
    return this.sources;
  }

  init(config: InitConfig): WorkerEnv {
    this.sources = new ModelSources(config.storage);
    this.allowedOrigins = config.storage.allowedOrigins;
    this.runtime = new RuntimeAssets(config.storage.dbName, { ...(config.wasmPaths ? { wasmPaths: config.wasmPaths } : {}), numThreads: config.numThreads });
    this.choices = new ChoiceStore(config.storage.dbName);
    const isolated = globalThis.crossOriginIsolated === true;
    const threads = isolated ? (config.numThreads || Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2))) : 1;
    return { crossOriginIsolated: isolated, numThreads: threads };
  }

  /** Starts the onnxruntime-web builds that `backends` can use on this device (each once per worker). */
  async prepare(backends: readonly Backend[] | 'auto', softwareGpu: boolean, emit: (event: LoadEvent) => void = () => undefined): Promise<BuildName[]> {
    const usable: Backend[] = [];
    for (const backend of backends === 'auto' ? BACKENDS : backends) {
      if ((await availability(backend, backends === 'auto' && !softwareGpu)).ok) usable.push(backend);
    }
    const builds = [...new Set(usable.map((b) => buildFor(b)))];
    for (const build of builds) await this.assets().prepare(build, emit);
    return builds;
  }

  /**
   * Loads a model. A rollout variant that fails to download, verify or load is retried at once on the rollout's
   * stable version, and the reply's assignment says `rolled-back` with the failure.
   */
  async load(request: LoadRequest, emit: (event: LoadEvent) => void = () => undefined): Promise<LoadReply> {
    let loaded: LoadRequest = request;
    let reply: LoadReply;
    try {
      reply = await this.loadOnce(request, emit);
    } catch (error) {
      const assignment = this.sources?.assignmentOf(request);
      const code = (error as EdgeInferError).code;
      if (request.source.kind !== 'manifest' || assignment?.arm !== 'variant' || !assignment.stable || !ROLLBACK_CODES.has(code)) throw error;
      const reason = `load-failed: ${code}: ${(error as Error).message}`;
      emit({ type: 'warning', id: request.id, code: 'rolled-back', message: `variant ${assignment.version} of "${request.id}" failed, loading stable ${assignment.stable}: ${reason}` });
      // A file that is broken stays broken: remembered. A failed download may work next time: not remembered.
      if (code === 'integrity-mismatch' || code === 'model-invalid') await this.storage.rememberRollback(request, assignment.version, reason);
      loaded = { ...request, source: { ...request.source, version: assignment.stable, rollback: { from: assignment.version, reason } } };
      reply = await this.loadOnce(loaded, emit);
    }
    this.watch(reply.handle, loaded, emit);
    return this.sessions.get(reply.handle)!.tap ? { ...reply, tapped: true } : reply;
  }

  /**
   * Starts the rollout's guardrails and second version for a loaded model, when its rollout asks for them. Other
   * versions load as sessions outside the engine's handles, on the model's backend; a rollback puts stable's session
   * in the variant's place (same handle, monitor and batcher), once the runs queued on the variant are done.
   */
  private watch(handle: number, request: LoadRequest, emit: (event: LoadEvent) => void): void {
    const entry = this.sessions.get(handle)!;
    const source = request.source as Extract<LoadRequest['source'], { kind: 'manifest' }>;
    const { monitor: _, ...rest } = request;
    const host: RolloutHost = {
      post: (event) => this.postNote(event),
      served: { busy: () => entry.queued > 0 || (entry.batcher?.busy ?? false), settled: () => entry.queue },
      open: async (version, rollback) => {
        const reply = await this.loadOnce({
          ...rest, requestId: this.nextInternal--, source: { ...source, version, ...(rollback ? { rollback } : {}) }, backends: [entry.backend], warmup: rollback !== undefined,
        }, () => undefined);
        const { opened, release } = this.sessions.get(reply.handle)!;
        this.sessions.delete(reply.handle);
        return { opened, reply, release };
      },
      swap: (opened, reply, release) => {
        if (entry.released || JSON.stringify([reply.inputs, reply.outputs]) !== entry.signature) return false;
        const old = { opened: entry.opened, release: entry.release };
        Object.assign(entry, { opened, release, backend: reply.backend });
        void entry.queue.then(() => (old.release(), old.opened.session.release()));
        return true;
      },
      remember: (version, reason) => this.storage.rememberRollback(request, version, reason),
      warn: (message) => emit({ type: 'warning', id: request.id, code: 'second-off', message }),
    };
    entry.rollout = watchRollout(request.id, handle, this.storage.assignmentOf(request), host);
    entry.tap = joinTaps(entry.monitor, entry.rollout);
  }

  /** How a model's rollout is doing here (guardrails, second version); empty when it has none. */
  rolloutState(handle: number): RolloutState {
    return this.entry(handle).rollout?.state() ?? {};
  }

  private async loadOnce(request: LoadRequest, emit: (event: LoadEvent) => void): Promise<LoadReply> {
    const start = performance.now();
    const controller = new AbortController();
    this.loads.set(request.requestId, controller);
    try {
      const sources = {
        bytes: (b: Backend, variant?: FileChoice) => this.storage.fetch(request, controller.signal, emit, b, variant),
        forms: (b: Backend) => this.storage.forms(request, controller.signal, b),
      };
      const ortFor = (b: Backend) => this.assets().prepare(buildFor(b), emit);
      const { opened, choice, warm } = await this.open(request, sources, ortFor);
      const { session, backend, fetched } = opened;
      const { bytes } = fetched;
      let signature: Signature;
      try {
        signature = signatureOf(bytes, session);
        if (controller.signal.aborted) throw new EdgeInferError('aborted', `loading model "${request.id}" was aborted`);
        if (request.warmup && !warm) await warmUp(opened, request, signature.inputs);
      } catch (error) {
        await session.release();
        throw error;
      }
      const processors = request.processors ?? this.storage.processorsOf(request);
      if (processors) await fitOrRelease(processors, signature, request, () => session.release(), this.allowedOrigins);
      const watched = request.monitor && (await profileFor(this.storage, request, signature, controller.signal, emit));
      const handle = this.nextHandle++;
      const release = this.storage.hold(request.id, fetched.version);
      const monitor = watched && 'profile' in watched
        ? new MonitorTap(watched.profile, watched.windowSize, request.monitor!.sampleRate, (window) => this.postNote({ handle, window }))
        : undefined;
      const shape = JSON.stringify([signature.inputs, signature.outputs]);
      this.sessions.set(handle, { id: request.id, opened, release, backend, queue: Promise.resolve(), queued: 0, signature: shape, ...(processors ? { processors } : {}), ...(monitor ? { monitor, tap: monitor } : {}) });
      emit({ type: 'ready', id: request.id, version: fetched.version, source: fetched.source, cached: fetched.cached, backend });
      const skipped = choice.candidates.filter((c) => c.reason !== undefined && c.backend !== backend);
      return {
        handle,
        version: fetched.version,
        source: fetched.source,
        cached: fetched.cached,
        inputs: signature.inputs,
        outputs: signature.outputs,
        backend,
        ...(skipped.length > 0 ? { fallbackReason: skipped.map((c) => `${c.backend}: ${c.reason}`).join('; ') } : {}),
        ...(opened.gpu ? { gpu: opened.gpu } : {}),
        backendChoice: choice,
        build: buildFor(backend),
        bytes: bytes.byteLength,
        sha256: fetched.sha256,
        loadMs: performance.now() - start,
        ...(watched ? { monitor: watched } : {}),
        ...assignmentOf(this.storage, request),
        ...(processors ? { processors } : {}),
      };
    } finally {
      this.loads.delete(request.requestId);
    }
  }

  private async open<F extends { bytes: Uint8Array; sha256: string }>(
    request: LoadRequest, sources: Sources<F>, ortFor: (b: Backend) => Promise<Opened<F>['ort']>,
  ): Promise<{ opened: Opened<F>; choice: BackendChoice; warm: boolean }> {
    if (request.backends === 'auto') {
      const precision = request.source.kind === 'manifest' ? request.source.precision ?? 'auto' : 'file';
      return chooseByMeasurement(request.id, { ...request.probe, precision }, this.choices!, sources, ortFor);
    }
    const { opened, reasons } = await createSession(request.id, request.backends, (b) => sources.bytes(b), ortFor);
    const candidates = [
      ...reasons.map((r) => ({ backend: r.slice(0, r.indexOf(':')) as Backend, reason: r.slice(r.indexOf(':') + 2) })),
      { backend: opened.backend },
    ];
    return { opened, choice: { mode: request.backends.length === 1 ? 'forced' : 'listed', chosen: opened.backend, candidates, cached: false }, warm: false };
  }

  /** What watches a loaded model's runs (drift monitor, rollout), if anything. */
  tapOf(handle: number): RunTap | undefined {
    return this.sessions.get(handle)?.tap;
  }

  abort(requestId: number): void {
    this.loads.get(requestId)?.abort();
  }

  /** `lone`: the run came in a message of its own, so it need not wait a turn for company when the session is idle. */
  run(handle: number, feeds: Record<string, Tensor>, batching?: BatchPolicy, lone = false): Promise<RunReply> {
    const entry = this.entry(handle);
    if (batching) return batcherOf(entry, batching).submit(feeds, lone);
    return enqueue(entry, () => runSession(entry, feeds));
  }

  /** Pre-processes an image, runs it like any run (watched by the monitor and rollout), post-processes the outputs. */
  predict(handle: number, input: PredictPayload, options: PredictRequest = {}): Promise<PredictReply> {
    const entry = this.entry(handle);
    return predictOn(entry, input, options, (feeds) => this.run(handle, feeds));
  }

  /** Opens a stream of PCM at `sampleRate` on a model with an audio pre-processor; its id. */
  streamOpen(handle: number, sampleRate: number): number {
    const entry = this.entry(handle);
    const [inputs, outputs] = JSON.parse(entry.signature) as [ValueInfo[], ValueInfo[]];
    return this.streams.add([handle], AudioStream.of(entry, inputs, outputs, (feeds) => this.run(handle, feeds), sampleRate));
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
    this.streams.closeAll(handle);
    this.pipelines.closeAll(handle);
    entry.released = true;
    await entry.rollout?.close();
    await entry.queue;
    entry.release();
    await entry.opened.session.release();
  }

  private assets(): RuntimeAssets {
    if (!this.runtime) throw new EdgeInferError('runtime-disposed', 'the worker was not initialized');
    return this.runtime;
  }

  private entry(handle: number): Entry {
    const entry = this.sessions.get(handle);
    if (!entry) throw new EdgeInferError('model-disposed', `model handle ${handle} was disposed or never loaded`);
    return entry;
  }
}

/** Failures of a variant's file or session that stable may not share; aborts and bad options are not among them. */
const ROLLBACK_CODES = new Set<string | undefined>([
  'model-fetch-failed', 'model-unavailable-offline', 'integrity-mismatch', 'model-invalid', 'backend-unavailable', 'storage-failed',
]);

function assignmentOf(sources: ModelSources, request: LoadRequest): Pick<LoadReply, 'assignment'> {
  const a = sources.assignmentOf(request);
  if (!a) return {};
  const { stable: _, rollout: __, ...assignment } = a;
  return { assignment };
}

/** One run before the load resolves. A model that rejects made-up inputs is simply not warmed (pass `probeFeeds`). */
async function warmUp(opened: Opened<unknown>, request: LoadRequest, inputs: Parameters<typeof probeFeeds>[0]): Promise<void> {
  const feeds = request.probe.feeds ?? probeFeeds(inputs);
  if (!feeds) return;
  await runOn(opened, request.id, feeds).catch(() => undefined);
}

function enqueue<T>(entry: Entry, task: () => Promise<T>): Promise<T> {
  entry.queued++;
  const result = entry.queue.then(task);
  // One promise for both: the count drops before the caller's own reaction to `result` runs (registered first).
  const settled = () => void entry.queued--;
  entry.queue = result.then(settled, settled);
  return result;
}

let scheduler: Scheduler | undefined;

function batcherOf(entry: Entry, policy: BatchPolicy): Batcher {
  scheduler ??= channelScheduler();
  entry.batcher ??= new Batcher(
    { id: entry.id, inputNames: entry.opened.session.inputNames, enqueue: (task) => enqueue(entry, task), idle: () => entry.queued === 0, run: (feeds) => runSession(entry, feeds) },
    policy,
    scheduler,
  );
  entry.batcher.policy = policy;
  return entry.batcher;
}

function runSession(entry: Entry, feeds: Record<string, Tensor>): Promise<RunReply> {
  const start = performance.now();
  return runOn(entry.opened, entry.id, feeds).then((outputs) => ({ outputs, inferenceMs: performance.now() - start }));
}
