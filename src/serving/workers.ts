// The runtime's workers: starting them, loading a model into one or all of them, and the calls a Model makes, sent
// to one of the workers that hold it (see pool.ts for the placement rules).
import { proxy, transfer } from 'comlink';
import { EdgeInferError, shown } from '../errors.js';
import type { LoadOptions } from '../load-options.js';
import type { ModelHost } from '../model.js';
import type { ResolvedRuntimeOptions } from '../options.js';
import { BufferPool } from '../rpc/buffer-pool.js';
import { WorkerClient } from '../rpc/client.js';
import type { LoadReply, LoadRequest, WorkerEnv } from '../rpc/protocol.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { Pool, type Lane, type Replica } from './pool.js';

export interface WorkersContext {
  readonly options: ResolvedRuntimeOptions;
  readonly telemetry: Telemetry;
  /** `allowedOrigins` plus the page's, for the worker's config. */
  readonly allowedOrigins: readonly string[] | undefined;
  readonly baseUrl: () => string;
  readonly disposed: () => boolean;
}

export class Workers {
  readonly pool: Pool;
  /** The calls a Model makes. */
  readonly host: ModelHost;
  /** Input buffers the workers handed back, reused for input copies (shared by all workers). */
  private readonly buffers = new BufferPool();
  private nextRequest = 1;

  constructor(private readonly context: WorkersContext) {
    const pool = (this.pool = new Pool(context.options.workers, {
      start: (lane) => this.start(lane),
      release: (replica) => void this.release(replica),
      lost: (error) => context.telemetry.recordError(error),
    }));
    this.host = {
      // Runs skip client.call(): the run channel tracks them itself (rejected on a crash, counted for the ping).
      run: (id, feeds, move, batching, lone = false, quiet = false) => {
        const replica = this.pick(id);
        return pool.track(replica.lane, replica.lane.client!.run(replica.handle, feeds, batching, lone, move, quiet));
      },
      runMany: (id, requests, moved, batching) => {
        const replica = this.pick(id);
        return pool.track(replica.lane, replica.lane.client!.runMany(replica.handle, requests, batching, moved));
      },
      copy: (feeds) => this.buffers.copyFeeds(feeds),
      telemetry: context.telemetry,
      alive: (id) => !context.disposed() && pool.replicas(id).length > 0,
      replicas: (id) => pool.replicas(id).length,
      release: async (id) => {
        await Promise.all(pool.remove(id).map((replica) => this.release(replica)));
      },
      streams: (id) => {
        // A stream's state lives in one worker: every call of the stream goes there.
        const { lane, handle } = this.pick(id);
        const client = lane.client!;
        return {
          open: (sampleRate) => client.call((api) => api.streamOpen(handle, sampleRate)),
          push: (stream, pcm) => client.call((api) => api.streamPush(stream, pcm)),
          reset: (stream) => client.call((api) => api.streamReset(stream)),
          close: (stream) => client.call((api) => api.streamClose(stream)),
        };
      },
      predict: (id, input, options) => {
        const { lane, handle } = this.pick(id);
        const client = lane.client!;
        return pool.track(lane, client.call((api) => api.predict(handle, input, options)));
      },
      rolloutState: async (id) => {
        const replica = pool.replicas(id)[0];
        if (!replica || context.disposed()) return {};
        return replica.lane.client!.call((api) => api.rolloutState(replica.handle));
      },
    };
  }

  get first(): Lane {
    return this.pool.lanes[0]!;
  }

  /** The lane's live worker (the first lane's by default), started if it has none. */
  connect(lane = this.first): WorkerClient {
    if (this.context.disposed()) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed; create a new one');
    return this.pool.connect(lane);
  }

  /** One load in one worker (started if need be). */
  async loadInto(lane: Lane, request: Omit<LoadRequest, 'requestId'>, moved: ArrayBuffer[], options: LoadOptions = {}): Promise<{ reply: LoadReply; replica: Replica; client: WorkerClient }> {
    const client = this.connect(lane);
    const generation = lane.generation;
    const requestId = this.nextRequest++;
    const onAbort = () => void client.call((api) => api.abort(requestId)).catch(() => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.call(() => lane.ready as Promise<WorkerEnv>);
      const events = options.onProgress ? proxy(options.onProgress) : undefined;
      const loading = client.call((api) => api.load(transfer({ ...request, requestId }, moved), events)).finally(() => client.started());
      const reply = await this.unusableOn(client, loading);
      return { reply, client, replica: { lane, generation, handle: reply.handle } };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Loads a model placed as `id` into the other workers the way `again` says; one that fails is reported and left out
   * (the model runs on the rest). A worker that died while loading is replaced, and the load tried there once more.
   */
  async replicate(id: number, model: string, again: (lane: Lane) => Promise<Replica>, onProgress: LoadOptions['onProgress']): Promise<void> {
    const once = (lane: Lane) => again(lane).catch((error: unknown) => {
      if (error instanceof EdgeInferError && error.code === 'worker-crashed' && !this.context.disposed()) return again(lane);
      throw error;
    });
    const settled = await Promise.allSettled(this.pool.lanes.slice(1).map(once));
    for (const [i, s] of settled.entries()) {
      if (s.status === 'fulfilled') {
        if (!this.pool.add(id, s.value)) await this.release(s.value); // disposed meanwhile
        continue;
      }
      this.context.telemetry.recordError(s.reason, { id: model });
      const message = `worker ${i + 2} could not load "${model}", which runs on the others: ${s.reason instanceof Error ? s.reason.message : shown(s.reason)}`;
      onProgress?.({ type: 'warning', id: model, code: 'replica-failed', message });
    }
  }

  async release({ lane, generation, handle }: Replica): Promise<void> {
    const client = lane.client;
    if (!client?.alive || generation !== lane.generation) return; // its session died with its worker
    client.runs.windows.delete(handle);
    client.runs.rollouts.delete(handle);
    await client.call((api) => api.release(handle));
  }

  /** The least busy worker that holds all these models, with their handles there. */
  together(ids: number[]): { lane: Lane; handles: number[] } {
    if (this.context.disposed()) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed');
    return this.pool.together(ids);
  }

  /** A worker whose runtime failed to start stays broken (onnxruntime-web keeps the failure): start over next time. */
  async unusableOn<T>(client: WorkerClient, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof EdgeInferError && error.code === 'runtime-assets-unavailable') client.stop(error);
      throw error;
    }
  }

  stop(reason: EdgeInferError): void {
    for (const lane of this.pool.lanes) lane.client?.stop(reason);
  }

  /** The live replica to send a call to, on the least busy worker. */
  private pick(id: number): Replica {
    if (this.context.disposed()) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed');
    return this.pool.pick(id);
  }

  /** Gives a lane a new worker. One that crashes is replaced at once where the pool has models to load into it again. */
  private start(lane: Lane): void {
    const { options, telemetry } = this.context;
    const worker = options.createWorker ? madeWorker(options.createWorker) : new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'edge-infer' });
    const client = new WorkerClient(worker, (error) => {
      telemetry.recordError(error);
      if (!this.context.disposed()) this.pool.crashed(lane);
    }, options.workerTimeoutMs, this.buffers);
    const wasmPaths = options.wasmPaths && new URL(options.wasmPaths, this.context.baseUrl()).href;
    const { storage, retries, retryDelayMs, numThreads } = options;
    const allowedOrigins = this.context.allowedOrigins;
    const config = {
      ...(wasmPaths ? { wasmPaths } : {}), numThreads,
      storage: { dbName: storage.dbName, maxBytes: storage.maxBytes, chunkBytes: storage.chunkBytes, retries, retryDelayMs, ...(allowedOrigins ? { allowedOrigins } : {}) },
    };
    lane.client = client;
    lane.ready = client.call((api) => api.init(config));
    lane.ready.catch(() => undefined);
    if (storage.persist && lane.index === 0) void navigator.storage?.persist?.().catch(() => false);
  }
}

/** The app's own worker factory: a throw is `worker-crashed` (the worker could not start), a non-Worker is a misuse. */
function madeWorker(create: () => Worker): Worker {
  let worker: unknown;
  try {
    worker = create();
  } catch (error) {
    throw new EdgeInferError('worker-crashed', `createWorker() threw: ${error instanceof Error ? error.message : shown(error)}`, {}, { cause: error });
  }
  const usable = typeof worker === 'object' && worker !== null && ['postMessage', 'addEventListener', 'terminate'].every((m) => typeof (worker as Record<string, unknown>)[m] === 'function');
  if (!usable) throw new EdgeInferError('options-invalid', `createWorker() must return a Worker, got ${shown(worker)}`);
  return worker as Worker;
}
