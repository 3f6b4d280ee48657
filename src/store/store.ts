import { del, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { openStore } from './db.js';
import { chunkLength, parseRecord, sameRecord } from './record.js';

/** What the store keeps about one model version. Chunks are keyed by content hash, so versions never mix. */
export interface StoredModel {
  id: string;
  version: string;
  sha256: string;
  /** Full size of the file. */
  bytes: number;
  chunkSize: number;
  /** Chunks written so far, in order from the start of the file. */
  chunks: number;
  /** Bytes written so far (all chunks). */
  stored: number;
  /** True once every byte is stored and the whole file matched its sha256. */
  complete: boolean;
  /**
   * SHA-256 of each stored chunk's pieces, written in the same transaction as the chunk. A complete record's digests
   * describe bytes that matched `sha256` as a whole when they were downloaded, so a read can check chunk by chunk
   * instead. Absent in records older versions wrote (those are checked as a whole, then given digests).
   */
  digests?: ChunkDigests;
  lastUsed: number;
  url: string;
}

export interface ChunkDigests {
  /** Each chunk is hashed in pieces of this many bytes, the last one shorter (see PIECE_BYTES). */
  pieceBytes: number;
  /** `sha256[i][j]`: lower-case hex SHA-256 of piece j of chunk i. */
  sha256: string[][];
}

/** Public view of a cached model, as `runtime.storage.list()` returns it. */
export interface CachedModelInfo {
  id: string;
  version: string;
  sha256: string;
  bytes: number;
  stored: number;
  complete: boolean;
  lastUsed: number;
}

type Key = IDBValidKey;
const metaKey = (id: string, version: string): Key => ['meta', id, version];
const chunkKey = (sha256: string, index: number): Key => ['chunk', sha256, index];
const manifestKey = (url: string): Key => ['manifest', url];
const META_RANGE = () => IDBKeyRange.bound(['meta'], ['meta', []]);
const CHUNK_RANGE = (sha256?: string) => (sha256 ? IDBKeyRange.bound(['chunk', sha256], ['chunk', sha256, []]) : IDBKeyRange.bound(['chunk'], ['chunk', []]));
/**
 * Chunk values requested ahead of the ones that arrived, when reading: up to READ_AHEAD_CHUNKS (Blob handles are
 * cheap), fewer for large chunks (older versions stored typed arrays, whose bytes come with the value), never fewer
 * than 2. A damaged record fails at its first bad chunk, not after them all.
 */
const READ_AHEAD = 64 * 1024 * 1024;
const READ_AHEAD_CHUNKS = 64;

/** The record a writer was extending was deleted or rewritten meanwhile (storage.clear(), eviction, another tab). */
export class RecordChanged extends Error {
  override readonly name = 'RecordChanged';
}

/** Model bytes in IndexedDB, in chunks of a few MiB, plus one small record per model version. */
export class ModelStore {
  private readonly db: UseStore;
  /** Chunk values fetched with a record by `get(..., { prefetch: true })`, until readBytes takes them. */
  private readonly prefetched = new WeakMap<StoredModel, Promise<(Blob | Uint8Array)[]>>();

  constructor(dbName = 'edge-infer') {
    this.db = openStore(dbName);
  }

  /** The record for a model version; an unreadable one is removed and reads as missing. */
  async get(id: string, version: string, options: { prefetch?: boolean } = {}): Promise<StoredModel | undefined> {
    const key = metaKey(id, version);
    const found = await this.db('readonly', (store) => promisifyRequest(store.get(key)).then((value: unknown) => {
      const meta = value === undefined ? undefined : parseRecord(key, value);
      // With `prefetch`, a complete record's chunk values come in the same transaction (still active in this
      // reaction to its success event), for readBytes: one transaction less, and the record and chunks of one moment.
      if (options.prefetch && meta?.complete) this.prefetched.set(meta, quiet(chunkValues(store, meta)));
      return { value, meta };
    }));
    if (found.value !== undefined && !found.meta) await this.sweep();
    return found.meta;
  }

  /** Every readable record; unreadable ones are removed with the chunks nothing else owns. */
  async list(): Promise<StoredModel[]> {
    const { records, junk } = await this.db('readonly', readRecords);
    if (junk.length > 0) await this.sweep();
    return records;
  }

  /** Writes a record as it is (a new download starting). */
  put(meta: StoredModel): Promise<void> {
    return set(metaKey(meta.id, meta.version), meta, this.db);
  }

  /**
   * Writes the next chunk and the record that counts it (and the digests of its pieces) in one transaction, so a
   * reload never sees a gap. A record without digests for its earlier chunks gets none for this one either.
   */
  async appendChunk(meta: StoredModel, chunk: Uint8Array, pieces: string[]): Promise<void> {
    const { digests, ...rest } = meta;
    const next: StoredModel = { ...rest, chunks: meta.chunks + 1, stored: meta.stored + chunk.byteLength };
    if (digests?.sha256.length === meta.chunks) next.digests = { pieceBytes: digests.pieceBytes, sha256: [...digests.sha256, pieces] };
    await this.update(meta, next, () => [[chunkKey(meta.sha256, meta.chunks), chunkBlob(chunk)]]);
    delete meta.digests;
    Object.assign(meta, next);
  }

  /**
   * Replaces the record `meta` with `next` (and writes the `extra` entries, made once the check passed) in one
   * transaction, only if the stored record is still `meta`; otherwise throws RecordChanged. A writer that outlives a
   * clear or an eviction so never brings back a record whose earlier chunks are gone.
   */
  update(meta: StoredModel, next: StoredModel, extra: () => [Key, Blob][] = () => []): Promise<void> {
    return this.db('readwrite', async (store) => {
      await expectRecord(store, meta);
      for (const [key, value] of extra()) store.put(value, key);
      store.put(next, metaKey(next.id, next.version));
      return promisifyRequest(store.transaction);
    });
  }

  /** Drops the record `meta` and its chunks and writes `next` instead, if the stored record is still `meta`. */
  replace(meta: StoredModel, next: StoredModel): Promise<void> {
    return this.db('readwrite', async (store) => {
      await expectRecord(store, meta);
      await removeIn(store, meta);
      store.put(next, metaKey(next.id, next.version));
      return promisifyRequest(store.transaction);
    });
  }

  /**
   * The stored bytes, concatenated (partial if the record is not complete), unverified; `typed` when some chunks
   * are stored as typed arrays, as older versions stored them. The chunk values come from one transaction: Blob
   * handles, so no bytes move yet, and a record that claims chunks the store does not have, or lengths it does not
   * allow, fails at the first such chunk, never walking more chunks than the record's size accounts for. Then one
   * composite Blob reads every chunk in one go, straight into one buffer.
   */
  async readBytes(meta: StoredModel): Promise<{ bytes: Uint8Array; typed: boolean }> {
    const afresh = () => this.db('readonly', (store) => chunkValues(store, meta));
    const prefetched = this.prefetched.get(meta);
    this.prefetched.delete(meta);
    // A browser that ends transactions before promise reactions run cannot prefetch: get the values afresh.
    const inactive = (error: unknown) => ((error as Error | null)?.name === 'TransactionInactiveError' ? afresh() : Promise.reject(error));
    const values = await (prefetched ? prefetched.catch(inactive) : afresh());
    const typed = values.some((value) => !(value instanceof Blob));
    return { bytes: new Uint8Array(await new Blob(values as BlobPart[]).arrayBuffer()), typed };
  }

  /**
   * Records a use, unless the record was removed or replaced meanwhile (then it stays so). `upgrade` brings a record
   * an older version wrote up to date, in the same transaction: its digests and, from bytes just verified, its chunks
   * as Blobs.
   */
  async touch(meta: StoredModel, now: number, upgrade?: { digests: ChunkDigests; bytes?: Uint8Array }): Promise<void> {
    const next: StoredModel = { ...meta, lastUsed: now };
    if (upgrade?.digests.sha256.length === meta.chunks) next.digests = upgrade.digests;
    const bytes = upgrade?.bytes?.byteLength === meta.stored ? upgrade.bytes : undefined;
    const chunks = (): [Key, Blob][] => Array.from({ length: bytes ? meta.chunks : 0 }, (_, i) => {
      const start = i * meta.chunkSize;
      return [chunkKey(meta.sha256, i), chunkBlob(bytes!.subarray(start, start + chunkLength(meta, i)))];
    });
    await this.update(meta, next, chunks);
    Object.assign(meta, next);
  }

  /** Removes a record and, unless another record has the same sha256, its chunks (all of them, whatever it claims). */
  delete(meta: Pick<StoredModel, 'id' | 'version' | 'sha256'>): Promise<void> {
    return this.db('readwrite', async (store) => {
      await removeIn(store, meta);
      return promisifyRequest(store.transaction);
    });
  }

  async clear(): Promise<void> {
    await this.db('readwrite', (store) => {
      store.clear();
      return promisifyRequest(store.transaction);
    });
  }

  getManifest(url: string): Promise<unknown> {
    return get(manifestKey(url), this.db);
  }

  putManifest(url: string, manifest: unknown): Promise<void> {
    return set(manifestKey(url), manifest, this.db);
  }

  deleteManifest(url: string): Promise<void> {
    return del(manifestKey(url), this.db);
  }

  /** Deletes unreadable records and the chunks no readable record accounts for, in one transaction. */
  private sweep(): Promise<void> {
    return this.db('readwrite', async (store) => {
      const { records, junk } = await readRecords(store);
      junk.forEach((key) => store.delete(key));
      const owned = new Set(records.flatMap((m) => Array.from({ length: m.chunks }, (_, i) => JSON.stringify(chunkKey(m.sha256, i)))));
      const chunkKeys = await promisifyRequest(store.getAllKeys(CHUNK_RANGE()));
      chunkKeys.filter((key) => !owned.has(JSON.stringify(key))).forEach((key) => store.delete(key));
      return promisifyRequest(store.transaction);
    });
  }
}

/**
 * Chunks are stored as Blobs: IndexedDB hands back a handle at once, and readBytes reads every chunk of a record
 * through one composite Blob into one buffer. A typed array is deserialized inside the transaction instead, one value
 * after another, then copied again into the file's buffer (a 13 MB model read ~2.5x slower that way in Chromium 156).
 */
function chunkBlob(bytes: Uint8Array): Blob {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}

/** `promise`, with its rejection marked as handled (whoever awaits it later still sees it). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The values of a record's chunks (see readBytes), a few requests ahead of the ones that arrived. */
function chunkValues(store: IDBObjectStore, meta: StoredModel): Promise<(Blob | Uint8Array)[]> {
  const values: (Blob | Uint8Array)[] = [];
  if (meta.chunks === 0) return Promise.resolve(values);
  return new Promise((resolve, reject) => {
    let next = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      try {
        store.transaction.abort(); // the requests still in flight are of no use
      } catch {
        // already finished
      }
      reject(error);
    };
    // Each next request is issued from a success event, while the transaction is still active.
    const request = () => {
      const index = next++;
      const get = store.get(chunkKey(meta.sha256, index));
      get.onerror = () => fail(get.error);
      get.onsuccess = () => {
        if (failed) return;
        const value: unknown = get.result;
        const length = chunkLength(meta, index);
        const size = value instanceof Blob ? value.size : value instanceof Uint8Array ? value.byteLength : -1;
        if (size !== length) return fail(new Error(`model ${meta.id}@${meta.version}: chunk ${index} is missing or not ${length} bytes`));
        values[index] = value as Blob | Uint8Array;
        if (index === meta.chunks - 1) resolve(values);
        else if (next < meta.chunks) request();
      };
    };
    const ahead = Math.max(2, Math.min(READ_AHEAD_CHUNKS, Math.ceil(READ_AHEAD / meta.chunkSize)));
    while (next < Math.min(ahead, meta.chunks)) request();
  });
}

async function readRecords(store: IDBObjectStore): Promise<{ records: StoredModel[]; junk: Key[] }> {
  const [keys, values] = await Promise.all([promisifyRequest(store.getAllKeys(META_RANGE())), promisifyRequest(store.getAll(META_RANGE()))]);
  const records: StoredModel[] = [];
  const junk: Key[] = [];
  keys.forEach((key, i) => {
    const meta = parseRecord(key, values[i]);
    if (meta) records.push(meta);
    else junk.push(key);
  });
  return { records, junk };
}

async function expectRecord(store: IDBObjectStore, meta: StoredModel): Promise<void> {
  const key = metaKey(meta.id, meta.version);
  const current = parseRecord(key, await promisifyRequest(store.get(key)));
  if (!current || !sameRecord(current, meta)) throw new RecordChanged(`the record for ${meta.id}@${meta.version} was removed or replaced`);
}

async function removeIn(store: IDBObjectStore, meta: Pick<StoredModel, 'id' | 'version' | 'sha256'>): Promise<void> {
  const { records } = await readRecords(store);
  const shared = records.some((m) => m.sha256 === meta.sha256 && !(m.id === meta.id && m.version === meta.version));
  if (!shared) store.delete(CHUNK_RANGE(meta.sha256));
  store.delete(metaKey(meta.id, meta.version));
}

export function publicInfo(meta: StoredModel): CachedModelInfo {
  const { id, version, sha256, bytes, stored, complete, lastUsed } = meta;
  return { id, version, sha256, bytes, stored, complete, lastUsed };
}
