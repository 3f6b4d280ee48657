// Options, progress and result types of `runtime.runBatch()`, with their checks and defaults.
import { EdgeInferError, shown } from '../errors.js';
import type { AnySignature, Signature, TypedOutputs } from '../typed.js';

/** What `runBatch()` reads items from: an array, any iterable (a generator) or an async iterable (a stream of rows). */
export type BatchSource<T> = Iterable<T> | AsyncIterable<T>;

/** A `runBatch()` progress event: at most one every ~100 ms while it runs, and one at the end. */
export interface BatchProgress {
  /** Items done, those an earlier run of the job did (`skipped`) included. */
  readonly done: number;
  /** Items in the source when known (an array's length); `undefined` for other iterables. */
  readonly total: number | undefined;
  /** Items a resumed job had done before this call; they are not run again. */
  readonly skipped: number;
  /** Items run per second by this call. */
  readonly rate: number;
  /** Estimated milliseconds left, when `total` is known and items have run; `0` at the end. */
  readonly etaMs: number | undefined;
}

export interface BatchJobOptions {
  /**
   * Items per batch: one `model.run()` with the rows stacked on the first dimension when every input and output of
   * the model has a free first dimension, else item by item (`batchSize` runs at once). From 1 to 4096.
   * @defaultValue `64`
   */
  batchSize?: number;
  /** Batches in flight at once, from 1 to 16. @defaultValue `2` */
  concurrency?: number;
  /** Stops the job once the batches in flight have settled (their results kept), then rejects with `aborted`. */
  signal?: AbortSignal;
  /** Called with `{ done, total, skipped, rate, etaMs }` at most every ~100 ms, and once at the end. */
  onProgress?: (progress: BatchProgress) => void;
  /**
   * A job name (1–128 characters): every completed batch's results go to IndexedDB (`<dbName>-jobs`) with a
   * checkpoint, so a later call with the same name (after a reload) skips the items already done, and a finished
   * job returns its stored results without running anything.
   * @defaultValue none: results are kept in memory only
   */
  checkpoint?: string;
  /**
   * `'memory'`: the promise resolves with every result in `results`. `'store'` (needs `checkpoint`): `results` is
   * empty; read them with `read(from, to)` or `for await`, so a 100k-item job need not sit in memory.
   * @defaultValue `'memory'`
   */
  results?: 'memory' | 'store';
  /** Discard the job's checkpoint and results, if any, and start over. @defaultValue `false` */
  restart?: boolean;
}

/** What `runBatch()` resolves with once every item is done. */
export interface BatchJobResult<O extends Signature = AnySignature> {
  /** One entry per item, in source order; empty with `results: 'store'`. */
  readonly results: TypedOutputs<O>[];
  /** Items done: every item of the source. */
  readonly done: number;
  /** Items in the source (equal to `done`). */
  readonly total: number;
  /** Items an earlier run of the job had done; this call did not run them (all of them for a finished job). */
  readonly skipped: number;
  /** Milliseconds this call took. */
  readonly ms: number;
  /** The job name, or `undefined` without `checkpoint`. */
  readonly checkpoint: string | undefined;
  /** Results of items `from` (inclusive) to `to` (exclusive), in order; from memory or from the store. */
  read(from?: number, to?: number): Promise<TypedOutputs<O>[]>;
  /** Every result in order, read from the store a few batches at a time. */
  [Symbol.asyncIterator](): AsyncIterator<TypedOutputs<O>>;
  /** Deletes the job's checkpoint and stored results (nothing to do without `checkpoint`). */
  delete(): Promise<void>;
}

export interface ResolvedBatchJobOptions {
  readonly batchSize: number;
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: BatchProgress) => void) | undefined;
  readonly checkpoint: string | undefined;
  readonly results: 'memory' | 'store';
  readonly restart: boolean;
}

export const BATCH_JOB_DEFAULTS = Object.freeze({ batchSize: 64, concurrency: 2, results: 'memory' as const });
export const MAX_BATCH_SIZE = 4096;
export const MAX_CONCURRENCY = 16;
export const MAX_JOB_NAME = 128;

const invalid = (message: string, details: Record<string, unknown> = {}) => new EdgeInferError('options-invalid', `runBatch(): ${message}`, details);

export function resolveBatchJobOptions(options: unknown): ResolvedBatchJobOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid(`options must be an object, got ${shown(options)}`);
  const o = options as BatchJobOptions;
  const batchSize = o.batchSize ?? BATCH_JOB_DEFAULTS.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw invalid(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${shown(batchSize)}`, { option: 'batchSize' });
  }
  const concurrency = o.concurrency ?? BATCH_JOB_DEFAULTS.concurrency;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalid(`concurrency must be an integer from 1 to ${MAX_CONCURRENCY}, got ${shown(concurrency)}`, { option: 'concurrency' });
  }
  const signal = o.signal;
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function')) {
    throw invalid(`signal must be an AbortSignal, got ${shown(signal)}`, { option: 'signal' });
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid(`onProgress must be a function, got ${shown(o.onProgress)}`, { option: 'onProgress' });
  const checkpoint = o.checkpoint;
  if (checkpoint !== undefined && !(typeof checkpoint === 'string' && checkpoint.length > 0 && checkpoint.length <= MAX_JOB_NAME)) {
    throw invalid(`checkpoint must be a job name of 1 to ${MAX_JOB_NAME} characters, got ${shown(checkpoint)}`, { option: 'checkpoint' });
  }
  const results = o.results ?? BATCH_JOB_DEFAULTS.results;
  if (results !== 'memory' && results !== 'store') throw invalid(`results must be 'memory' or 'store', got ${shown(results)}`, { option: 'results' });
  if (results === 'store' && checkpoint === undefined) throw invalid(`results: 'store' needs a checkpoint (the job name results are stored under)`, { option: 'results' });
  if (o.restart !== undefined && typeof o.restart !== 'boolean') throw invalid(`restart must be a boolean, got ${shown(o.restart)}`, { option: 'restart' });
  return Object.freeze({ batchSize, concurrency, signal, onProgress: o.onProgress, checkpoint, results, restart: o.restart === true });
}

/** Format of the stored results; a checkpoint of another format is not resumed. */
export const JOB_FORMAT = 1;

/**
 * A digest (FNV-1a, hex) of what shapes a job's stored results besides the model: the store format and `batchSize`
 * (stored results are keyed by batch index). `concurrency`, `signal` and `onProgress` may change between runs.
 */
export function optionsDigest(options: Pick<ResolvedBatchJobOptions, 'batchSize'>): string {
  const text = JSON.stringify({ format: JOB_FORMAT, batchSize: options.batchSize });
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
