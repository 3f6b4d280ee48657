// Recent predictions' summaries in a bounded IndexedDB ring (`<dbName>-outcomes`), so an outcome reported minutes or
// a reload later can be joined to the prediction it scores. Only summaries are kept, never inputs (see quality.ts).
//
// remember() sits on the run path, so it only validates and buffers; writes go in batches (after `flushDelayMs`, at
// 256 pending, or on flush()) in relaxed-durability transactions that also evict. Storage failures never reach a
// run: they are counted, reported to `onStorageError`, and the summaries stay in memory (bounded the same way).
import { promisifyRequest } from 'idb-keyval';
import { EdgeInferError, shown } from '../errors.js';
import { checkPredictionId, newPredictionId, type PredictionId } from './prediction-id.js';
import { checkActual, checkActualShape, toSummary, type Actual, type Prediction, type Summary } from './quality.js';

const STORE = 'predictions';
const BATCH = 256;
const DAY = 86_400_000;
const TIMERS: RingScheduler = { setTimeout: (run, ms) => setTimeout(run, ms), clearTimeout: (handle) => clearTimeout(handle as number) };

export interface RingScheduler {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export interface OutcomeRingOptions {
  /** Predictions kept (joined ones included); beyond it the oldest go first. @defaultValue `10000` */
  maxPredictions?: number;
  /** Age at which a prediction can no longer be joined; the next write deletes it. @defaultValue 7 days */
  maxAgeMs?: number;
  /** Wait between the first unsaved prediction and its write. @defaultValue `1000` */
  flushDelayMs?: number;
  /** Told of each failed storage operation (code `storage-failed`, `details.name` the DOMException name). */
  onStorageError?: (error: EdgeInferError) => void;
  /** @defaultValue `Date.now` */
  now?: () => number;
  /** @defaultValue `globalThis` timers */
  scheduler?: RingScheduler;
}
export type JoinResult = { status: 'joined'; summary: Summary } | { status: 'unknown' | 'expired' | 'duplicate' };
export interface RingStats {
  /** Remembered, not yet written. */
  pending: number;
  /** Held in memory only, because their write failed. */
  memoryOnly: number;
  remembered: number;
  written: number;
  evicted: { size: number; age: number };
  outcomes: { joined: number; unknown: number; expired: number; duplicate: number };
  storage: { failures: number; lastError?: string };
}

/** A joined prediction's record keeps only its time: a second outcome for it is a duplicate, and it ages out. */
type Tombstone = { at: number };
type Held = Summary | Tombstone;

export class OutcomeRing {
  private readonly dbName: string;
  private readonly o: Required<Omit<OutcomeRingOptions, 'onStorageError'>> & Pick<OutcomeRingOptions, 'onStorageError'>;
  private pending = new Map<string, Held>();
  private writing = new Map<string, Held>();
  /** Held here only: their write failed. */
  private readonly memory = new Map<string, Held>();
  private db: Promise<IDBDatabase> | undefined;
  private timer: unknown;
  private chain = Promise.resolve();
  private queued = false;
  private swept = false;
  private readonly tally = {
    remembered: 0, written: 0, evicted: { size: 0, age: 0 }, outcomes: { joined: 0, unknown: 0, expired: 0, duplicate: 0 },
    storage: { failures: 0 } as RingStats['storage'],
  };

  constructor(dbName: string, options: OutcomeRingOptions = {}) {
    const need = (ok: boolean, name: string, expected: string, value: unknown) => {
      if (!ok) throw new EdgeInferError('options-invalid', `outcome ring ${name} must be ${expected}, got ${shown(value)}`);
    };
    need(typeof dbName === 'string' && dbName !== '', 'dbName', 'a non-empty string', dbName);
    need(typeof options === 'object' && options !== null, 'options', 'an object', options);
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as OutcomeRingOptions;
    const o = { maxPredictions: 10_000, maxAgeMs: 7 * DAY, flushDelayMs: 1000, now: Date.now, scheduler: TIMERS, ...given };
    need(Number.isInteger(o.maxPredictions) && o.maxPredictions >= 1 && o.maxPredictions <= 1e6, 'maxPredictions', 'an integer in [1, 1e6]', o.maxPredictions);
    need(typeof o.maxAgeMs === 'number' && o.maxAgeMs > 0 && o.maxAgeMs <= 3650 * DAY, 'maxAgeMs', 'a number of ms in (0, 10 years]', o.maxAgeMs);
    need(Number.isInteger(o.flushDelayMs) && o.flushDelayMs >= 0 && o.flushDelayMs <= 60_000, 'flushDelayMs', 'an integer in [0, 60000]', o.flushDelayMs);
    need(o.onStorageError === undefined || typeof o.onStorageError === 'function', 'onStorageError', 'a function', o.onStorageError);
    need(typeof o.now === 'function', 'now', 'a function', o.now);
    need(typeof o.scheduler?.setTimeout === 'function' && typeof o.scheduler.clearTimeout === 'function', 'scheduler', 'setTimeout and clearTimeout', o.scheduler);
    this.dbName = `${dbName}-outcomes`;
    this.o = o;
  }

  /** Keeps `prediction`'s summary (its own fields only) and returns the id its outcome will be reported with. */
  remember(prediction: Prediction): PredictionId {
    const summary = toSummary(prediction, this.o.now());
    const id = newPredictionId();
    this.tally.remembered++;
    this.hold(id, summary);
    return id;
  }

  /**
   * Joins an outcome to its prediction, once. Rejects with `input-invalid` for a malformed id or outcome (also for an
   * outcome of the wrong kind or size for a held prediction); an id the ring no longer holds is `unknown`.
   */
  async join(id: PredictionId, actual: Actual): Promise<JoinResult> {
    checkPredictionId(id);
    checkActualShape(actual);
    let held = this.local(id);
    if (!held) {
      const stored = await this.read(id);
      held = this.local(id) ?? stored; // a join meanwhile wins over what was read
    }
    const status = !held ? 'unknown' : !('kind' in held) ? 'duplicate' : this.o.now() - held.at >= this.o.maxAgeMs ? 'expired' : 'joined';
    if (status !== 'joined') {
      this.tally.outcomes[status]++;
      return { status };
    }
    const summary = held as Summary;
    checkActual(summary, actual); // before anything is counted or marked
    this.tally.outcomes.joined++;
    const tombstone = { at: summary.at };
    if (this.memory.has(id)) this.memory.set(id, tombstone);
    this.hold(id, tombstone);
    return { status, summary };
  }

  /** Writes what is pending; never rejects (failures are counted and keep the summaries in memory). */
  flush(): Promise<void> {
    if (this.timer !== undefined) this.o.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queued) {
      this.queued = true;
      this.chain = this.chain.then(() => {
        this.queued = false;
        return this.write();
      });
    }
    return this.chain;
  }

  /** Flushes, then lets go of the database connection (a later use opens it again). */
  async close(): Promise<void> {
    await this.flush();
    const db = this.db;
    this.db = undefined;
    (await db?.catch(() => undefined))?.close();
  }

  stats(): RingStats {
    const t = this.tally;
    return { pending: this.pending.size + this.writing.size, memoryOnly: this.memory.size, remembered: t.remembered, written: t.written,
      evicted: { ...t.evicted }, outcomes: { ...t.outcomes }, storage: { ...t.storage } };
  }

  private hold(id: string, held: Held): void {
    this.setLast(this.pending, id, held); // bounded too: a stuck write must not let the buffer grow without end
    if (this.pending.size >= BATCH) void this.flush();
    else this.timer ??= this.o.scheduler.setTimeout(() => void this.flush(), this.o.flushDelayMs);
  }

  /** Puts `id` last in `map`, a ring of `maxPredictions` too: beyond it the oldest goes. */
  private setLast(map: Map<string, Held>, id: string, held: Held): void {
    map.delete(id);
    map.set(id, held);
    if (map.size > this.o.maxPredictions && map.delete(map.keys().next().value!)) this.tally.evicted.size++;
  }

  private local(id: string): Held | undefined {
    return this.pending.get(id) ?? this.writing.get(id) ?? this.memory.get(id);
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0 && this.swept) return;
    const batch = (this.writing = this.pending);
    this.pending = new Map();
    const cutoff = this.o.now() - this.o.maxAgeMs;
    try {
      const store = (await this.open()).transaction(STORE, 'readwrite', { durability: 'relaxed' }).objectStore(STORE);
      const entries = [...batch];
      await inSlices(entries.length, (i) => store.put(entries[i]![1], entries[i]![0]));
      // Oldest first (the 'at' index): all older than maxAgeMs, then more while over maxPredictions.
      const excess = (await promisifyRequest(store.count())) - this.o.maxPredictions;
      const old = await promisifyRequest(store.index('at').getAllKeys(IDBKeyRange.upperBound(cutoff)));
      const doomed = excess > old.length ? await promisifyRequest(store.index('at').getAllKeys(null, excess)) : old;
      await inSlices(doomed.length, (i) => store.delete(doomed[i]!));
      await promisifyRequest(store.transaction);
      const t = this.tally;
      [t.written, t.evicted.age, t.evicted.size] = [t.written + batch.size, t.evicted.age + old.length, t.evicted.size + doomed.length - old.length];
      this.swept = true;
    } catch (error) {
      this.failed(error, 'write');
      for (const [id, held] of batch) this.setLast(this.memory, id, held);
    } finally {
      this.writing = new Map();
    }
  }

  /** The stored record for `id`, when it is a well-formed summary or tombstone. */
  private async read(id: string): Promise<Held | undefined> {
    try {
      const db = await this.open();
      const value: unknown = await promisifyRequest(db.transaction(STORE, 'readonly').objectStore(STORE).get(id));
      const at = (value as Partial<Held> | undefined)?.at;
      if (typeof at !== 'number') return undefined;
      return 'kind' in (value as object) ? toSummary(value as Summary, at) : { at };
    } catch (error) {
      if (!(error instanceof EdgeInferError)) this.failed(error, 'read');
      return undefined; // junk or unreadable: as if never stored
    }
  }

  private open(): Promise<IDBDatabase> {
    if (this.db) return this.db;
    const request = indexedDB.open(this.dbName);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE).createIndex('at', 'at');
    const opening = (this.db = promisifyRequest(request));
    const forget = () => void (this.db === opening && (this.db = undefined));
    opening.then((db) => {
      db.onclose = forget;
      db.onversionchange = () => (db.close(), forget());
    }, forget);
    return opening;
  }

  private failed(error: unknown, operation: string): void {
    const name = (error as { name?: unknown } | null)?.name;
    const storage = this.tally.storage;
    [storage.failures, storage.lastError] = [storage.failures + 1, typeof name === 'string' ? name : 'Error'];
    // A lost connection (InvalidStateError, a missing store) is reopened on the next use.
    const db = this.db;
    this.db = undefined;
    void db?.then((d) => d.close(), () => undefined);
    const message = `outcome ring ${operation} in IndexedDB ${shown(this.dbName)} failed: ${error instanceof Error ? error.message : String(error)}`;
    try {
      this.o.onStorageError?.(new EdgeInferError('storage-failed', message, { name: storage.lastError }, { cause: error }));
    } catch {
      // the app's callback must not break the ring either
    }
  }
}

/**
 * Issues `count` requests 32 at a time, each slice from the last one's success event. A put or delete costs the thread
 * 50-90 µs (headless Chromium, 2 cores), so 256 at once would block it for ~20 ms, longer than a frame.
 */
function inSlices(count: number, request: (i: number) => IDBRequest): Promise<void> {
  let next = 0;
  return new Promise((resolve, reject) => {
    const slice = () => {
      let last: IDBRequest | undefined;
      for (const end = Math.min(next + 32, count); next < end; next++) last = request(next);
      if (!last) return resolve();
      last.onsuccess = next < count ? slice : () => resolve();
      last.onerror = () => reject(last!.error);
    };
    slice();
  });
}
