// Options of the output cache and of dynamic batching: runtime-wide in `createRuntime()`, per model in `load()`.
import { EdgeInferError, shown } from '../errors.js';

export interface CacheOptions {
  /** Most entries held, across all models of the runtime. @defaultValue `1000` */
  maxEntries?: number;
  /** Most bytes held (stored inputs plus outputs), across all models. @defaultValue `8388608` (8 MiB) */
  maxBytes?: number;
  /** Milliseconds an entry may answer runs after it was stored. @defaultValue `Infinity` (no expiry) */
  ttlMs?: number;
}

export interface BatchingOptions {
  /** Most rows (summed first dimensions) merged into one `session.run`. @defaultValue `64` */
  maxBatch?: number;
  /**
   * Longest a batch waits in the worker for more requests once the session is free for it. It leaves earlier when
   * full, or when a turn of the worker's event loop brought no new request, so lone calls barely wait.
   * @defaultValue `2`
   */
  maxDelayMs?: number;
}

export interface ResolvedCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlMs: number;
}

export interface ResolvedBatchingOptions {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
}

export const CACHE_DEFAULTS: ResolvedCacheOptions = Object.freeze({ maxEntries: 1000, maxBytes: 8 * 1024 * 1024, ttlMs: Infinity });
export const BATCHING_DEFAULTS: ResolvedBatchingOptions = Object.freeze({ maxBatch: 64, maxDelayMs: 2 });

/** Per-model serving options, given to `runtime.load()`. */
export interface ServingOptions {
  /**
   * Answer repeated inputs from the runtime's output cache. Stateful models are never cached unless this is `true`.
   * @defaultValue `true`, or `false` for a stateful model
   */
  cache?: boolean;
  /**
   * Merge concurrent runs into one `session.run`, overriding the runtime's `batching` (given fields only). Applies
   * only to models whose inputs and outputs all have a free first dimension and that are not stateful.
   * @defaultValue the runtime's `batching`
   */
  batching?: BatchingOptions | false;
  /**
   * Declare the model stateful (its runs depend on earlier outputs fed back as inputs) or not, instead of the name
   * rule (see `model.serving.stateInputs`). Stateful models are neither cached nor batched by default.
   * @defaultValue detected from input and output names
   */
  stateful?: boolean;
}

export function resolveCacheOptions(options: unknown): ResolvedCacheOptions | false {
  if (options === false) return false;
  const o = object<CacheOptions>(options, 'cache', '{ maxEntries?, maxBytes?, ttlMs? } or false');
  const maxEntries = o.maxEntries ?? CACHE_DEFAULTS.maxEntries;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw invalid(`cache.maxEntries must be a positive integer, got ${shown(maxEntries)}`);
  const maxBytes = o.maxBytes ?? CACHE_DEFAULTS.maxBytes;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) throw invalid(`cache.maxBytes must be a positive number, got ${shown(maxBytes)}`);
  const ttlMs = o.ttlMs ?? CACHE_DEFAULTS.ttlMs;
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) throw invalid(`cache.ttlMs must be a positive number or Infinity, got ${shown(ttlMs)}`);
  return Object.freeze({ maxEntries, maxBytes, ttlMs });
}

/** Fills missing fields from `defaults` (the runtime's batching, or the built-in defaults). */
export function resolveBatchingOptions(options: unknown, defaults: ResolvedBatchingOptions = BATCHING_DEFAULTS): ResolvedBatchingOptions | false {
  if (options === false) return false;
  const o = object<BatchingOptions>(options, 'batching', '{ maxBatch?, maxDelayMs? } or false');
  const maxBatch = o.maxBatch ?? defaults.maxBatch;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw invalid(`batching.maxBatch must be a positive integer, got ${shown(maxBatch)}`);
  const maxDelayMs = o.maxDelayMs ?? defaults.maxDelayMs;
  if (typeof maxDelayMs !== 'number' || !(maxDelayMs >= 0 && maxDelayMs <= 1000)) {
    throw invalid(`batching.maxDelayMs must be milliseconds from 0 to 1000, got ${shown(maxDelayMs)}`);
  }
  return Object.freeze({ maxBatch, maxDelayMs });
}

/** Checks the serving fields of `load()` options; other fields are left to the loader. */
export function parseServingOptions(options: unknown): ServingOptions {
  if (typeof options !== 'object' || options === null) return {};
  const { cache, batching, stateful } = options as ServingOptions;
  if (cache !== undefined && typeof cache !== 'boolean') throw invalid(`load(): cache must be a boolean, got ${typeof cache}`);
  if (stateful !== undefined && typeof stateful !== 'boolean') throw invalid(`load(): stateful must be a boolean, got ${typeof stateful}`);
  if (batching !== undefined) resolveBatchingOptions(batching);
  return { ...(cache !== undefined ? { cache } : {}), ...(batching !== undefined ? { batching } : {}), ...(stateful !== undefined ? { stateful } : {}) };
}

function object<T>(value: unknown, name: string, expected: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${name} must be ${expected}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as T;
}

function invalid(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message);
}
