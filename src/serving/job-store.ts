// Batch jobs' checkpoints and results in IndexedDB: one database `<dbName>-jobs` beside the model store. A job's
// checkpoint sits at ['job', name]; the results of its batch b (one entry per item) at ['batch', name, b]. A batch's
// results and the checkpoint that counts them are written in one transaction, so a reload never finds one without
// the other.
import { get, promisifyRequest, setMany } from 'idb-keyval';
import { EdgeInferError } from '../errors.js';
import { openStore } from '../store/db.js';
import type { Tensor } from '../tensor.js';

/** How far a job got, and what it was made with. */
export interface Checkpoint {
  /** The stored results' format (`JOB_FORMAT`). */
  readonly format: number;
  /** The model file's SHA-256: results of another model are never mixed in. */
  readonly sha256: string;
  readonly batchSize: number;
  /** `optionsDigest()` of the options that shape the stored results. */
  readonly digest: string;
  /** A fingerprint of item 0 (dtype, dims and bytes), to notice a resumed job fed another source. */
  readonly first: string | undefined;
  /** Batches 0 .. batches-1 are done and stored. */
  readonly batches: number;
  /** Items in those batches. */
  readonly done: number;
  /** Every item of the source is done: a later call returns the stored results without running anything. */
  readonly finished: boolean;
  readonly updatedAt: number;
}

/** One item's results, as stored. */
export type StoredResult = Record<string, Tensor>;

/** Where a job keeps its checkpoint and results (IndexedDB in the browser; a Map in unit tests). */
export interface JobStore {
  checkpoint(job: string): Promise<Checkpoint | undefined>;
  /** Stores batch `batch`'s results (and the checkpoint, when given) in one transaction. */
  save(job: string, batch: number, results: readonly StoredResult[], checkpoint: Checkpoint | undefined): Promise<void>;
  /** Writes the checkpoint alone (a finished job). */
  mark(job: string, checkpoint: Checkpoint): Promise<void>;
  /** The results of batches `from` .. `to`-1, in order; `storage-failed` if one is missing. */
  read(job: string, from: number, to: number): Promise<StoredResult[][]>;
  /** Deletes the job's checkpoint and every stored batch. */
  delete(job: string): Promise<void>;
}

const checkpointKey = (job: string): IDBValidKey => ['job', job];
const batchKey = (job: string, batch: number): IDBValidKey => ['batch', job, batch];
// Arrays sort after numbers in IndexedDB's key order, so ['batch', job, []] is above every batch of the job.
const allBatches = (job: string) => IDBKeyRange.bound(['batch', job], ['batch', job, []]);

/** The IndexedDB job store of the runtime whose model database is `dbName`. */
export function indexedDbJobStore(dbName: string): JobStore {
  const store = openStore(`${dbName}-jobs`);
  const failed = (what: string, job: string) => (error: unknown): never => {
    if (error instanceof EdgeInferError) throw error;
    const name = (error as { name?: unknown } | null)?.name;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EdgeInferError('storage-failed', `runBatch(): could not ${what} of job "${job}" in IndexedDB (${dbName}-jobs): ${reason}`, {
      job, ...(typeof name === 'string' ? { name } : {}),
    }, { cause: error });
  };
  return {
    checkpoint: (job) => get<unknown>(checkpointKey(job), store).then((value) => parseCheckpoint(value, job), failed('read the checkpoint', job)),
    save: (job, batch, results, checkpoint) => {
      const entries: [IDBValidKey, unknown][] = [[batchKey(job, batch), results]];
      if (checkpoint) entries.push([checkpointKey(job), checkpoint]);
      return setMany(entries, store).catch(failed(`store batch ${batch}`, job));
    },
    mark: (job, checkpoint) => setMany([[checkpointKey(job), checkpoint]], store).catch(failed('store the checkpoint', job)),
    read: (job, from, to) => {
      if (to <= from) return Promise.resolve([]);
      const range = IDBKeyRange.bound(batchKey(job, from), batchKey(job, to - 1));
      return store('readonly', (s) => promisifyRequest(s.getAll(range) as IDBRequest<StoredResult[][]>)).then((batches) => {
        if (batches.length !== to - from) {
          throw new EdgeInferError('storage-failed', `runBatch(): job "${job}" lacks stored results: ${batches.length} of batches ${from}..${to - 1} were found; run it with restart: true`, { job });
        }
        return batches;
      }, failed(`read batches ${from}..${to - 1}`, job));
    },
    delete: (job) => store('readwrite', (s) => {
      s.delete(allBatches(job));
      s.delete(checkpointKey(job));
      return promisifyRequest(s.transaction);
    }).catch(failed('delete the results', job)),
  };
}

/** A stored checkpoint, checked field by field: storage is outside the SDK's control. */
export function parseCheckpoint(value: unknown, job: string): Checkpoint | undefined {
  if (value === undefined) return undefined;
  const c = value as Partial<Checkpoint> | null;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const ok = typeof c === 'object' && c !== null && typeof c.format === 'number' && typeof c.sha256 === 'string' && count(c.batchSize) &&
    typeof c.digest === 'string' && (c.first === undefined || typeof c.first === 'string') && count(c.batches) && count(c.done) &&
    typeof c.finished === 'boolean';
  if (!ok) throw new EdgeInferError('storage-failed', `runBatch(): the checkpoint of job "${job}" is unreadable; run it with restart: true`, { job });
  return { ...c, updatedAt: typeof c.updatedAt === 'number' ? c.updatedAt : 0 } as Checkpoint;
}
