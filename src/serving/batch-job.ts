// `runtime.runBatch()`: runs a model over every item of an array or (async) iterable, `batchSize` items per run and
// `concurrency` runs in flight, results in source order. With `checkpoint`, each batch's results and the checkpoint
// that counts them go to IndexedDB, so a reload resumes after the last contiguous batch done.
import { hashTensors } from '../cache/hash.js';
import { EdgeInferError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { AnySignature, Signature } from '../typed.js';
import { JOB_FORMAT, optionsDigest, resolveBatchJobOptions, type BatchJobOptions, type BatchJobResult, type ResolvedBatchJobOptions } from './batch-options.js';
import { jobResult, Progress } from './batch-result.js';
import { checkItem, groups, itemFeeds, splitRows, stackRows, type ItemTensors, type RowModel } from './batch-rows.js';
import { SourceReader } from './batch-source.js';
import { indexedDbJobStore, type Checkpoint, type JobStore, type StoredResult } from './job-store.js';
import { hasBatchDimension } from './serving.js';

/** What a job needs of a model (a `Model` has it all). */
export interface BatchModel extends RowModel {
  readonly sha256: string;
  readonly isDisposed: boolean;
  run(feeds: Record<string, Tensor>, options?: { transfer?: boolean; cache?: boolean }): Promise<{ readonly outputs: Readonly<Record<string, Tensor>> }>;
}

export interface BatchContext {
  /** The runtime's model database: jobs live in `<dbName>-jobs`. */
  readonly dbName: string;
  /** Replaces the IndexedDB store (unit tests). */
  readonly store?: JobStore;
  readonly now?: () => number;
}

/** Jobs running in this page, by database and name: two runs of one job at once would interleave their batches. */
const running = new Set<string>();

export async function runBatchJob<O extends Signature = AnySignature>(model: BatchModel, source: unknown, options: BatchJobOptions | undefined, context: BatchContext): Promise<BatchJobResult<O>> {
  const now = context.now ?? (() => performance.now());
  const start = now();
  const o = resolveBatchJobOptions(options);
  if (model.isDisposed) throw new EdgeInferError('model-disposed', `runBatch(): model "${model.id}" was disposed; load it again`, { model: model.id });
  const reader = new SourceReader(source);
  const job = o.checkpoint;
  const lock = `${context.dbName}\u0000${job}`;
  if (job !== undefined && running.has(lock)) {
    reader.close();
    throw new EdgeInferError('options-invalid', `runBatch(): job "${job}" is already running in this page`, { job });
  }
  if (job !== undefined) running.add(lock);
  try {
    const store = job === undefined ? undefined : (context.store ?? indexedDbJobStore(context.dbName));
    let saved: Checkpoint | undefined;
    if (store && job !== undefined) {
      if (o.restart) await store.delete(job);
      else saved = await store.checkpoint(job);
      if (saved) checkSame(saved, model, o, job);
    }
    if (o.signal?.aborted) throw aborted(job, saved?.done ?? 0);
    const progress = new Progress(o.onProgress, reader.total, saved?.done ?? 0, start, now);
    let ran: { count: number; results: StoredResult[] };
    try {
      ran = saved?.finished ? { count: saved.done, results: [] } : await new JobRun(model, o, reader, store, saved, progress).run();
    } finally {
      progress.emit(undefined, true); // the last event, also when the job failed or was aborted
    }
    if (store === undefined) return jobResult<O>(o, ran.count, 0, now() - start, undefined, ran.results);
    const read = (from: number, to: number) => store.read(job!, from, to);
    const results = o.results === 'memory' ? (await read(0, Math.ceil(ran.count / o.batchSize))).flat() : [];
    return jobResult<O>(o, ran.count, saved?.done ?? 0, now() - start, store, results, read);
  } finally {
    reader.close();
    if (job !== undefined) running.delete(lock);
  }
}

/** One call's work: read batches, run them `concurrency` at a time, store them, report progress. */
class JobRun {
  private readonly stacked: boolean;
  private failure: unknown;
  private contiguous: number;
  private stored: number;
  private readonly pending = new Map<number, number>();
  private writes: Promise<void> = Promise.resolve();
  private readonly memory: StoredResult[][] = [];
  private first: string | undefined;
  private ran = 0;

  constructor(
    private readonly model: BatchModel,
    private readonly o: ResolvedBatchJobOptions,
    private readonly reader: SourceReader,
    private readonly store: JobStore | undefined,
    private readonly saved: Checkpoint | undefined,
    private readonly progress: Progress,
  ) {
    this.stacked = hasBatchDimension(model.inputs, model.outputs);
    this.contiguous = saved?.batches ?? 0;
    this.stored = saved?.done ?? 0;
    this.first = saved?.first;
  }

  /** Resolves once every item is done and stored: how many there were, and their results unless a store has them. */
  async run(): Promise<{ count: number; results: StoredResult[] }> {
    const { o, saved } = this;
    const skipped = saved?.done ?? 0;
    if (skipped > 0) await this.skip(skipped);
    let batch = saved?.batches ?? 0;
    let index = skipped;
    const inFlight = new Set<Promise<void>>();
    let ended = false;
    while (this.failure === undefined && !o.signal?.aborted) {
      let items: ItemTensors[];
      try {
        const read = await this.reader.take(o.batchSize);
        items = read.map((item, i) => checkItem(this.model, item, index + i, this.stacked));
      } catch (error) {
        this.failure = error;
        break;
      }
      if (items.length === 0) {
        ended = true;
        break;
      }
      if (index === 0) this.first = fingerprint(items[0]!);
      const task = this.runOne(batch++, items).catch((error: unknown) => void (this.failure ??= error)).finally(() => inFlight.delete(task));
      inFlight.add(task);
      index += items.length;
      if (items.length < o.batchSize) {
        ended = true; // a short batch is the source's last
        break;
      }
      while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (this.failure !== undefined) throw this.failure;
    if (!ended) throw aborted(o.checkpoint, this.stored, skipped + this.ran);
    if (this.store) await this.store.mark(o.checkpoint!, this.checkpoint(true));
    return { count: index, results: this.store ? [] : this.memory.flat() };
  }

  /** Reads past the items a resumed job did, checking item 0 is the one the job started with. */
  private async skip(count: number): Promise<void> {
    const head = await this.reader.take(1);
    if (head.length === 1 && this.saved?.first !== undefined && fingerprint(checkItem(this.model, head[0], 0, this.stacked)) !== this.saved.first) {
      throw mismatch(this.o.checkpoint!, 'source', 'its item 0 differs from the item 0 the job started with');
    }
    const skipped = head.length + (await this.reader.skip(count - 1));
    if (skipped < count) throw mismatch(this.o.checkpoint!, 'source', `it has ${skipped} items, fewer than the ${count} the checkpoint has done`);
  }

  private async runOne(batch: number, items: ItemTensors[]): Promise<void> {
    const { model } = this;
    let results: StoredResult[];
    if (this.stacked) {
      const runs = groups(items).map(([from, to]) =>
        model.run(stackRows(model.inputs, items.slice(from, to)), { transfer: true, cache: false }).then((r) => splitRows(model.id, r.outputs, to - from)));
      results = (await Promise.all(runs)).flat();
    } else {
      results = await Promise.all(items.map((tensors) => model.run(itemFeeds(model.inputs, tensors)).then((r) => ({ ...r.outputs }))));
    }
    if (this.store) {
      const write = this.writes.then(() => {
        this.pending.set(batch, items.length);
        for (let n; (n = this.pending.get(this.contiguous)) !== undefined; this.contiguous++) {
          this.pending.delete(this.contiguous);
          this.stored += n;
        }
        return this.store!.save(this.o.checkpoint!, batch, results, this.checkpoint(false));
      });
      this.writes = write.catch(() => undefined);
      await write;
    } else {
      this.memory[batch] = results;
    }
    this.ran += items.length;
    this.progress.emit((this.saved?.done ?? 0) + this.ran, false);
  }

  private checkpoint(finished: boolean): Checkpoint {
    const { o, model } = this;
    return {
      format: JOB_FORMAT, sha256: model.sha256, batchSize: o.batchSize, digest: optionsDigest(o), first: this.first,
      batches: this.contiguous, done: this.stored, finished, updatedAt: Date.now(),
    };
  }
}

function fingerprint(tensors: ItemTensors): string {
  const { lo, hi } = hashTensors(tensors);
  return `${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}

function checkSame(saved: Checkpoint, model: BatchModel, o: ResolvedBatchJobOptions, job: string): void {
  if (saved.format !== JOB_FORMAT) throw mismatch(job, 'format', `it was stored in format ${saved.format}, this SDK reads ${JOB_FORMAT}`);
  if (saved.sha256 !== model.sha256) throw mismatch(job, 'model', `it was made with the model of sha256 ${saved.sha256.slice(0, 12)}…, not "${model.id}" (${model.sha256.slice(0, 12)}…)`);
  if (saved.batchSize !== o.batchSize) throw mismatch(job, 'batchSize', `it was made with batchSize ${saved.batchSize}, not ${o.batchSize}`);
  if (saved.digest !== optionsDigest(o)) throw mismatch(job, 'options', 'it was made with other options');
}

function mismatch(job: string, field: string, why: string): EdgeInferError {
  return new EdgeInferError('options-invalid', `runBatch(): checkpoint "${job}" does not fit: ${why}; pass restart: true to start over`, { job, field });
}

function aborted(job: string | undefined, stored: number, done = stored): EdgeInferError {
  const kept = job === undefined ? 'results in memory are dropped' : `the checkpoint keeps ${stored} items`;
  return new EdgeInferError('aborted', `runBatch() was aborted after ${done} items; ${kept}`, { ...(job !== undefined ? { job } : {}), done, stored });
}
