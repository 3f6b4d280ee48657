import { EdgeInferError, shown } from './errors.js';
import { parseOrigins } from './store/origins.js';
import { TELEMETRY_DEFAULTS, type TelemetryOptions } from './telemetry/options.js';
import {
  BATCHING_DEFAULTS, CACHE_DEFAULTS, resolveBatchingOptions, resolveCacheOptions,
  type BatchingOptions, type CacheOptions, type ResolvedBatchingOptions, type ResolvedCacheOptions,
} from './serving/options.js';

import { BACKEND_LIST, BACKENDS, isBackend, type Backend } from './backends.js';

export { BACKENDS, isBackend, type Backend };

export interface RuntimeOptions {
  /**
   * `'auto'`: each model runs on the backend measured fastest for it on this device. The usable backends (`webgpu`
   * unless its adapter is a software one, `webnn` where `navigator.ml` exists, `wasm`) each run the model briefly
   * (`backendProbe`); the decision is kept in IndexedDB per device and model file, so later loads skip the probe.
   * A list instead: the first backend whose session initializes, in order, without measuring; the reasons earlier
   * ones were skipped are kept on the model (`model.fallbackReason`). `load({ backend })` forces one.
   * @defaultValue `'auto'`
   */
  backends?: readonly Backend[] | 'auto';
  /** How `backends: 'auto'` measures. */
  backendProbe?: BackendProbeOptions;
  /**
   * WASM threads. `0` lets onnxruntime-web choose (up to 4, half the cores). Threads need a cross-origin isolated
   * page (COOP `same-origin` + COEP `require-corp`); without it one thread is used whatever this says.
   * @defaultValue `0`
   */
  numThreads?: number;
  /**
   * Inference workers. With more than one, a model whose session runs on WASM is loaded into each (the weights are
   * downloaded once and read from IndexedDB by the others) and every call goes to the one with the fewest calls in
   * flight; a worker that dies fails only its own calls and is replaced, with those models loaded again. Models on
   * WebGPU or WebNN, monitored models and models in a guarded rollout run in the first worker only. `'auto'`: one per
   * spare core (cores − 1, divided by the WASM threads each worker uses), at most 4, one where the device reports under 4 GB of memory.
   * @defaultValue `1`
   */
  workers?: number | 'auto';
  /**
   * URL prefix (ending in `/`) where onnxruntime-web's `ort-wasm-simd-threaded.asyncify.wasm` is served, resolved
   * against the page's base URL. Without it onnxruntime-web finds the file next to its own module, which is where
   * bundlers (Vite, webpack 5) emit it. The SDK never loads it from a CDN.
   * @defaultValue `undefined` (next to onnxruntime-web's module, as bundled)
   */
  wasmPaths?: string;
  /**
   * Creates the worker. Override it when your bundler or CSP needs the worker built another way; the script must
   * run `edge-infer`'s worker entry.
   * @defaultValue the worker bundled with the SDK
   */
  createWorker?: () => Worker;
  /**
   * URL of the manifest that `load('<id>')` looks models up in, resolved against the page's base URL. A load can
   * name another one with its own `manifest` option.
   * @defaultValue `undefined` (loading by id then needs `manifest` in the load options)
   */
  manifest?: string;
  /**
   * Origins that models and manifests may be fetched from, e.g. `['https://models.example.com']`; the page's own
   * origin is always allowed. A URL elsewhere (given to `load()` or named by a manifest) fails with
   * `origin-not-allowed` before any request is made.
   * @defaultValue `undefined` (any origin; files with a sha256 are verified wherever they come from)
   */
  allowedOrigins?: readonly string[];
  /** The IndexedDB model cache. */
  storage?: StorageOptions;
  /**
   * Download retries after network errors, 5xx and 429 answers (4xx fail at once), with exponential backoff.
   * @defaultValue `3`
   */
  retries?: number;
  /**
   * First backoff delay in milliseconds; it doubles each retry, with jitter.
   * @defaultValue `500`
   */
  retryDelayMs?: number;
  /**
   * The output cache shared by this runtime's models, answered on the main thread without a worker round trip.
   * `false` turns it off; `load({ cache: false })` turns it off for one model. Stateful models are not cached.
   * @defaultValue `{ maxEntries: 1000, maxBytes: 8 MiB, ttlMs: Infinity }`
   */
  cache?: CacheOptions | false;
  /**
   * Dynamic batching of concurrent runs in the worker, for models whose inputs and outputs have a free first
   * dimension and no state inputs. `false` turns it off; `load({ batching })` overrides it per model.
   * @defaultValue `{ maxBatch: 64, maxDelayMs: 2 }`
   */
  batching?: BatchingOptions | false;
  /**
   * Liveness check: while calls wait on the worker, it must answer a ping within this many milliseconds, or it
   * counts as crashed (closed, terminated from outside, or stuck in a long task): pending calls reject with
   * `worker-crashed` and the next `load()` starts a new worker. `false` turns the check off.
   * @defaultValue `30000`
   */
  workerTimeoutMs?: number | false;
  /**
   * Aggregated metrics and error logs sent as OTLP/HTTP JSON to an OpenTelemetry Collector (README "Telemetry").
   * @defaultValue `undefined` (off: nothing is recorded or sent)
   */
  telemetry?: TelemetryOptions;
}

export interface BackendProbeOptions {
  /**
   * Time for the timed runs of one model, over all candidate backends (session creation and one warm-up run per
   * backend come on top).
   * @defaultValue `300`
   */
  budgetMs?: number;
  /**
   * A decision older than this many milliseconds is measured again; so is one made with another onnxruntime-web
   * version, browser major version, GPU or core count.
   * @defaultValue `604800000` (7 days)
   */
  maxAgeMs?: number;
  /**
   * Measure a software WebGPU adapter (SwiftShader, llvmpipe, WARP) too. Off, `auto` never chooses one: such
   * adapters are correct but usually far slower than WASM.
   * @defaultValue `false`
   */
  softwareGpu?: boolean;
}

export interface StorageOptions {
  /**
   * Byte limit for cached models; least recently used models are evicted whole to stay under it (and under the
   * browser's own quota, read from `navigator.storage.estimate()`).
   * @defaultValue `Infinity` (only the browser's quota limits it)
   */
  maxBytes?: number;
  /**
   * Ask the browser to keep this origin's storage when it runs short (`navigator.storage.persist()`), on the first load.
   * @defaultValue `false`
   */
  persist?: boolean;
  /**
   * Size of the pieces a model is stored in. A download resumes from the last whole piece, and no IndexedDB write
   * is larger than this.
   * @defaultValue `4194304` (4 MiB)
   */
  chunkBytes?: number;
  /**
   * IndexedDB database name, for apps that run several independent runtimes.
   * @defaultValue `'edge-infer'`
   */
  dbName?: string;
}

export interface ResolvedRuntimeOptions {
  readonly backends: readonly Backend[] | 'auto';
  readonly backendProbe: Readonly<Required<BackendProbeOptions>>;
  readonly numThreads: number;
  readonly workers: number;
  readonly wasmPaths: string | undefined;
  readonly createWorker: (() => Worker) | undefined;
  readonly manifest: string | undefined;
  readonly allowedOrigins: readonly string[] | undefined;
  readonly storage: Readonly<Required<StorageOptions>>;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly cache: ResolvedCacheOptions | false;
  readonly batching: ResolvedBatchingOptions | false;
  readonly workerTimeoutMs: number | false;
  /** Checked by createTelemetry() when the runtime is made. */
  readonly telemetry: TelemetryOptions | undefined;
}

export const DEFAULTS = Object.freeze({
  backends: 'auto' as readonly Backend[] | 'auto',
  backendProbe: Object.freeze({ budgetMs: 300, maxAgeMs: 7 * 24 * 3600 * 1000, softwareGpu: false }),
  numThreads: 0,
  workers: 1 as number | 'auto',
  wasmPaths: undefined as string | undefined,
  storage: Object.freeze({ maxBytes: Infinity, persist: false, chunkBytes: 4 * 1024 * 1024, dbName: 'edge-infer' }),
  retries: 3,
  retryDelayMs: 500,
  cache: CACHE_DEFAULTS,
  batching: BATCHING_DEFAULTS,
  telemetry: TELEMETRY_DEFAULTS,
  allowedOrigins: undefined as readonly string[] | undefined,
  workerTimeoutMs: 30_000 as number | false,
});

export function resolveOptions(options: unknown = {}): ResolvedRuntimeOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`createRuntime() options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as RuntimeOptions;
  const backends = o.backends ?? DEFAULTS.backends;
  if (backends !== 'auto' && (!Array.isArray(backends) || backends.length === 0 || !backends.every(isBackend))) {
    throw invalid(`backends must be 'auto' or a non-empty array of ${BACKEND_LIST}, got ${shown(backends)}`);
  }
  const numThreads = o.numThreads ?? DEFAULTS.numThreads;
  if (!Number.isInteger(numThreads) || numThreads < 0 || numThreads > 64) {
    throw invalid(`numThreads must be an integer from 0 to 64, got ${shown(numThreads)}`);
  }
  const workers = o.workers ?? DEFAULTS.workers;
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1 && workers <= 16)) {
    throw invalid(`workers must be 'auto' or an integer from 1 to 16, got ${shown(workers)}`);
  }
  const wasmPaths = o.wasmPaths ?? DEFAULTS.wasmPaths;
  if (wasmPaths !== undefined && (typeof wasmPaths !== 'string' || !wasmPaths.endsWith('/'))) {
    throw invalid(`wasmPaths must be a URL prefix ending in '/', got ${shown(wasmPaths)}`);
  }
  if (o.createWorker !== undefined && typeof o.createWorker !== 'function') {
    throw invalid('createWorker must be a function returning a Worker');
  }
  if (o.manifest !== undefined && (typeof o.manifest !== 'string' || o.manifest === '')) throw invalid('manifest must be a URL string');
  const retries = o.retries ?? DEFAULTS.retries;
  const retryDelayMs = o.retryDelayMs ?? DEFAULTS.retryDelayMs;
  if (!Number.isInteger(retries) || retries < 0 || retries > 20) throw invalid(`retries must be an integer from 0 to 20, got ${shown(retries)}`);
  if (typeof retryDelayMs !== 'number' || !(retryDelayMs >= 0)) throw invalid(`retryDelayMs must be a number >= 0, got ${shown(retryDelayMs)}`);
  const workerTimeoutMs = o.workerTimeoutMs ?? DEFAULTS.workerTimeoutMs;
  if (workerTimeoutMs !== false && !(typeof workerTimeoutMs === 'number' && workerTimeoutMs >= 50 && workerTimeoutMs <= 2 ** 31 - 1)) {
    throw invalid(`workerTimeoutMs must be false or a number of milliseconds from 50 to 2147483647, got ${shown(workerTimeoutMs)}`);
  }
  return Object.freeze({
    backends: backends === 'auto' ? backends : Object.freeze([...new Set(backends)]),
    backendProbe: resolveProbe(o.backendProbe),
    numThreads,
    workers: workers === 'auto' ? autoWorkers(numThreads) : workers,
    wasmPaths,
    createWorker: o.createWorker,
    manifest: o.manifest,
    allowedOrigins: parseOrigins(o.allowedOrigins),
    storage: resolveStorage(o.storage),
    retries,
    retryDelayMs,
    cache: resolveCacheOptions(o.cache),
    batching: resolveBatchingOptions(o.batching),
    workerTimeoutMs,
    telemetry: o.telemetry,
  });
}

/** One worker per spare core (the page keeps one), threads counted; at most 4; one on a device short of memory. */
export function autoWorkers(
  numThreads: number,
  nav: { hardwareConcurrency?: number; deviceMemory?: number } | undefined = globalThis.navigator,
  isolated = globalThis.crossOriginIsolated === true,
): number {
  const cores = nav?.hardwareConcurrency ?? 1;
  if ((nav?.deviceMemory ?? 8) < 4) return 1;
  // numThreads 0: onnxruntime-web takes half the cores, up to 4, where threads are allowed (cross-origin isolated).
  const threads = numThreads > 0 ? numThreads : isolated ? Math.min(4, Math.ceil(cores / 2)) : 1;
  return Math.max(1, Math.min(4, Math.floor((cores - 1) / threads)));
}

function resolveStorage(storage: unknown): Readonly<Required<StorageOptions>> {
  if (storage !== undefined && (typeof storage !== 'object' || storage === null)) throw invalid('storage must be an object');
  const s = (storage ?? {}) as StorageOptions;
  const maxBytes = s.maxBytes ?? DEFAULTS.storage.maxBytes;
  const persist = s.persist ?? DEFAULTS.storage.persist;
  const dbName = s.dbName ?? DEFAULTS.storage.dbName;
  const chunkBytes = s.chunkBytes ?? DEFAULTS.storage.chunkBytes;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 65536) throw invalid(`storage.chunkBytes must be an integer >= 65536, got ${shown(chunkBytes)}`);
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) throw invalid(`storage.maxBytes must be a number >= 0, got ${shown(maxBytes)}`);
  if (typeof persist !== 'boolean') throw invalid('storage.persist must be a boolean');
  if (typeof dbName !== 'string' || dbName === '') throw invalid('storage.dbName must be a non-empty string');
  return Object.freeze({ maxBytes, persist, chunkBytes, dbName });
}

function resolveProbe(probe: unknown): Readonly<Required<BackendProbeOptions>> {
  if (probe !== undefined && (typeof probe !== 'object' || probe === null)) throw invalid('backendProbe must be an object');
  const p = { ...DEFAULTS.backendProbe, ...(probe as BackendProbeOptions | undefined) };
  if (typeof p.budgetMs !== 'number' || !(p.budgetMs >= 0 && p.budgetMs <= 60_000)) throw invalid(`backendProbe.budgetMs must be a number of milliseconds from 0 to 60000, got ${shown(p.budgetMs)}`);
  if (typeof p.maxAgeMs !== 'number' || !(p.maxAgeMs >= 0)) throw invalid(`backendProbe.maxAgeMs must be a number of milliseconds >= 0, got ${shown(p.maxAgeMs)}`);
  if (typeof p.softwareGpu !== 'boolean') throw invalid(`backendProbe.softwareGpu must be a boolean, got ${shown(p.softwareGpu)}`);
  return Object.freeze(p);
}

function invalid(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message);
}
