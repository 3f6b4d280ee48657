import { transfer } from 'comlink';
import { EdgeInferError } from './errors.js';
import { Model, type ModelHost } from './model.js';
import { isBackend, resolveOptions, type Backend, type ResolvedRuntimeOptions, type RuntimeOptions } from './options.js';
import { wholeBuffers } from './tensor.js';
import { WorkerClient } from './worker/client.js';
import type { WorkerEnv } from './worker/protocol.js';
import { installErrorTransfer } from './worker/transfer.js';

/** Where a model comes from: a URL, or its bytes. */
export type LoadSource = ({ url: string } | { bytes: ArrayBuffer | Uint8Array }) & {
  /** Name used in errors and telemetry. @defaultValue the URL, or `model-<n>` for bytes */
  id?: string;
  /** Force one backend; loading fails with `backend-unavailable` if it cannot run the model. */
  backend?: Backend;
};

export function createRuntime(options?: RuntimeOptions): Runtime {
  return new Runtime(options);
}

/** Owns the inference worker and the models loaded into it. */
export class Runtime {
  readonly options: ResolvedRuntimeOptions;
  private client: WorkerClient | undefined;
  private ready: Promise<WorkerEnv> | undefined;
  private generation = 0;
  private anonymous = 0;
  private disposed = false;
  private readonly host: ModelHost = {
    run: (handle, generation, feeds, move) =>
      this.live(generation).call((api) => api.run(handle, move ? transfer(feeds, wholeBuffers(Object.values(feeds))) : feeds)),
    release: async (handle, generation) => {
      const client = this.client;
      if (!client || generation !== this.generation || !client.alive) return; // its session died with its worker
      await client.call((api) => api.release(handle));
    },
  };

  constructor(options?: RuntimeOptions) {
    this.options = resolveOptions(options);
  }

  /** Loads a model into the worker and resolves when its session is ready. */
  async load(source: LoadSource): Promise<Model> {
    const { id, request, backends, moved } = this.parseSource(source);
    const client = this.connect();
    const generation = this.generation;
    await client.call(() => this.ready as Promise<WorkerEnv>);
    const reply = await client.call((api) => api.load(transfer({ id, source: request, backends }, moved)));
    return new Model(id, reply, this.host, generation);
  }

  /** What the worker found about this page: cross-origin isolation and WASM threads. */
  async env(): Promise<WorkerEnv> {
    const client = this.connect();
    return client.call(() => this.ready as Promise<WorkerEnv>);
  }

  /** Ends the worker. Pending runs reject with `runtime-disposed`; the runtime cannot be used again. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.client?.stop(new EdgeInferError('runtime-disposed', 'the runtime was disposed'));
    this.client = undefined;
  }

  private connect(): WorkerClient {
    if (this.disposed) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed; create a new one');
    if (this.client?.alive) return this.client;
    installErrorTransfer();
    const worker = this.options.createWorker
      ? this.options.createWorker()
      : new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module', name: 'edge-infer' });
    const client = new WorkerClient(worker, () => {
      if (this.client === client) this.client = undefined;
    });
    this.client = client;
    this.generation++;
    const wasmPaths = new URL(this.options.wasmPaths, baseUrl()).href;
    this.ready = client.call((api) => api.init({ wasmPaths, numThreads: this.options.numThreads }));
    this.ready.catch(() => undefined);
    return client;
  }

  private live(generation: number): WorkerClient {
    if (this.disposed) throw new EdgeInferError('runtime-disposed', 'the runtime was disposed');
    const client = this.client;
    if (!client || generation !== this.generation) {
      throw new EdgeInferError('worker-crashed', 'the worker that held this model stopped; load the model again');
    }
    return client;
  }

  private parseSource(source: LoadSource) {
    if (typeof source !== 'object' || source === null) {
      throw new EdgeInferError('options-invalid', `load() expects { url } or { bytes }, got ${source === null ? 'null' : typeof source}`);
    }
    if (source.backend !== undefined && !isBackend(source.backend)) {
      throw new EdgeInferError('options-invalid', `backend must be 'webgpu' or 'wasm', got ${JSON.stringify(source.backend)}`);
    }
    const backends = source.backend ? [source.backend] : this.options.backends;
    if ('url' in source && typeof source.url === 'string' && source.url !== '') {
      const url = new URL(source.url, baseUrl()).href;
      return { id: source.id ?? source.url, request: { url }, backends, moved: [] };
    }
    if ('bytes' in source && (source.bytes instanceof ArrayBuffer || source.bytes instanceof Uint8Array)) {
      // Copy so the caller's buffer stays usable, then move the copy.
      const bytes = (source.bytes instanceof Uint8Array ? source.bytes : new Uint8Array(source.bytes)).slice().buffer;
      return { id: source.id ?? `model-${++this.anonymous}`, request: { bytes }, backends, moved: [bytes] };
    }
    throw new EdgeInferError('options-invalid', 'load() expects { url: string } or { bytes: ArrayBuffer | Uint8Array }');
  }
}

function baseUrl(): string {
  return globalThis.document?.baseURI ?? globalThis.location.href;
}
