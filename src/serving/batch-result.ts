// What a batch job hands the app: throttled progress events while it runs, and the result once it is done.
import { EdgeInferError, shown } from '../errors.js';
import type { Signature, TypedOutputs } from '../typed.js';
import type { BatchJobResult, BatchProgress, ResolvedBatchJobOptions } from './batch-options.js';
import type { JobStore, StoredResult } from './job-store.js';

const PROGRESS_EVERY_MS = 100;
/** Batches read per store transaction by the result's async iterator. */
const READ_BATCHES = 16;

/** Throttled progress: at most one event per ~100 ms, and the last one always. */
export class Progress {
  private last = -Infinity;
  private done: number;

  constructor(
    private readonly onProgress: ((progress: BatchProgress) => void) | undefined,
    private readonly total: number | undefined,
    private readonly skipped: number,
    private readonly start: number,
    private readonly now: () => number,
  ) {
    this.done = skipped;
  }

  /** `done` undefined: the last count given. */
  emit(done: number | undefined, final: boolean): void {
    if (done !== undefined) this.done = done;
    else done = this.done;
    const t = this.now();
    if (!this.onProgress || (!final && t - this.last < PROGRESS_EVERY_MS)) return;
    this.last = t;
    const seconds = (t - this.start) / 1000;
    const rate = seconds > 0 ? (done - this.skipped) / seconds : 0;
    const etaMs = final ? 0 : this.total !== undefined && rate > 0 ? (Math.max(0, this.total - done) / rate) * 1000 : undefined;
    const event: BatchProgress = { done, total: this.total, skipped: this.skipped, rate, etaMs };
    try {
      this.onProgress(event);
    } catch (error) {
      queueMicrotask(() => { throw error; }); // the app's bug: reported, the job goes on
    }
  }
}

/** What `runBatch()` resolves with: the counts, the results in memory or a reader over the store, and `delete()`. */
export function jobResult<O extends Signature>(
  o: ResolvedBatchJobOptions, done: number, skipped: number, ms: number, store: JobStore | undefined,
  held: StoredResult[], read?: (from: number, to: number) => Promise<StoredResult[][]>,
): BatchJobResult<O> {
  const results = held as unknown as TypedOutputs<O>[];
  const slice = async (from = 0, to = done): Promise<TypedOutputs<O>[]> => {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from || to > done) {
      throw new EdgeInferError('options-invalid', `read(from, to) needs integers with 0 <= from <= to <= ${done}, got ${shown(from)}, ${shown(to)}`);
    }
    if (!read || results.length === done) return results.slice(from, to);
    const first = Math.floor(from / o.batchSize);
    const rows = (await read(first, Math.ceil(to / o.batchSize))).flat();
    return rows.slice(from - first * o.batchSize, to - first * o.batchSize) as unknown as TypedOutputs<O>[];
  };
  return {
    results, done, total: done, skipped, ms, checkpoint: o.checkpoint,
    read: slice,
    async *[Symbol.asyncIterator]() {
      const step = READ_BATCHES * o.batchSize;
      for (let from = 0; from < done; from += step) yield* await slice(from, Math.min(done, from + step));
    },
    delete: async () => {
      if (store) await store.delete(o.checkpoint!);
    },
  };
}
