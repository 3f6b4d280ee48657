import { del, get, getMany, promisifyRequest, set, type UseStore } from 'idb-keyval';
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
  lastUsed: number;
  url: string;
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
/** Chunks fetched per transaction when reading: a damaged record fails at its first bad chunk, not after them all. */
const READ_BATCH = 16;

/** The record a writer was extending was deleted or rewritten meanwhile (storage.clear(), eviction, another tab). */
export class RecordChanged extends Error {
  override readonly name = 'RecordChanged';
}

/** Model bytes in IndexedDB, in chunks of a few MiB, plus one small record per model version. */
export class ModelStore {
  private readonly db: UseStore;

  constructor(dbName = 'edge-infer') {
    this.db = openStore(dbName);
  }

  /** The record for a model version; an unreadable one is removed and reads as missing. */
  async get(id: string, version: string): Promise<StoredModel | undefined> {
    const key = metaKey(id, version);
    const value = await get<unknown>(key, this.db);
    if (value === undefined) return undefined;
    const meta = parseRecord(key, value);
    if (!meta) await this.sweep();
    return meta;
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

  /** Writes the next chunk and the record that counts it in one transaction, so a reload never sees a gap. */
  async appendChunk(meta: StoredModel, chunk: Uint8Array): Promise<void> {
    const next: StoredModel = { ...meta, chunks: meta.chunks + 1, stored: meta.stored + chunk.byteLength };
    await this.update(meta, next, [chunkKey(meta.sha256, meta.chunks), chunk]);
    Object.assign(meta, next);
  }

  /**
   * Replaces the record `meta` with `next` (and writes `extra`) in one transaction, only if the stored record is still
   * `meta`; otherwise throws RecordChanged. A writer that outlives a clear or an eviction so never brings back a
   * record whose earlier chunks are gone.
   */
  update(meta: StoredModel, next: StoredModel, extra?: [Key, Uint8Array]): Promise<void> {
    return this.db('readwrite', async (store) => {
      await expectRecord(store, meta);
      if (extra) store.put(extra[1], extra[0]);
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
   * The stored bytes, concatenated (partial if the record is not complete). Throws when a chunk is missing or has a
   * length the record does not allow, so a read never goes past the chunks the record's size accounts for.
   */
  async read(meta: StoredModel): Promise<Uint8Array> {
    let out: Uint8Array | undefined;
    for (let first = 0; first < meta.chunks; first += READ_BATCH) {
      const keys = Array.from({ length: Math.min(READ_BATCH, meta.chunks - first) }, (_, i) => chunkKey(meta.sha256, first + i));
      const chunks = await getMany<unknown>(keys, this.db);
      chunks.forEach((chunk, i) => {
        if (!(chunk instanceof Uint8Array) || chunk.byteLength !== chunkLength(meta, first + i)) {
          throw new Error(`model ${meta.id}@${meta.version}: chunk ${first + i} is missing or not ${chunkLength(meta, first + i)} bytes`);
        }
      });
      out ??= new Uint8Array(meta.stored); // once the first chunks show the record is not a bare claim
      chunks.forEach((chunk, i) => out!.set(chunk as Uint8Array, (first + i) * meta.chunkSize));
    }
    return out ?? new Uint8Array(0);
  }

  /** Records a use, unless the record was removed meanwhile (then it stays removed). */
  async touch(meta: StoredModel, now: number): Promise<void> {
    await this.update(meta, { ...meta, lastUsed: now });
    meta.lastUsed = now;
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
