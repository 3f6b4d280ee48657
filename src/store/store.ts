import { del, delMany, get, getMany, set, setMany, type UseStore } from 'idb-keyval';
import { openStore } from './db.js';

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

/** Model bytes in IndexedDB, in chunks of a few MiB, plus one small record per model version. */
export class ModelStore {
  private readonly db: UseStore;

  constructor(dbName = 'edge-infer') {
    this.db = openStore(dbName);
  }

  get(id: string, version: string): Promise<StoredModel | undefined> {
    return get<StoredModel>(metaKey(id, version), this.db);
  }

  async list(): Promise<StoredModel[]> {
    return this.db('readonly', (store) => new Promise<StoredModel[]>((resolve, reject) => {
      const request = store.getAll(META_RANGE());
      request.onsuccess = () => resolve(request.result as StoredModel[]);
      request.onerror = () => reject(request.error);
    }));
  }

  put(meta: StoredModel): Promise<void> {
    return set(metaKey(meta.id, meta.version), meta, this.db);
  }

  /** Writes the next chunk and the record that counts it in one transaction, so a reload never sees a gap. */
  appendChunk(meta: StoredModel, chunk: Uint8Array): Promise<void> {
    const next: StoredModel = { ...meta, chunks: meta.chunks + 1, stored: meta.stored + chunk.byteLength };
    return setMany([[chunkKey(meta.sha256, meta.chunks), chunk], [metaKey(meta.id, meta.version), next]], this.db).then(() => {
      Object.assign(meta, next);
    });
  }

  /** The stored bytes, concatenated (partial if the record is not complete). */
  async read(meta: StoredModel): Promise<Uint8Array> {
    const keys = Array.from({ length: meta.chunks }, (_, i) => chunkKey(meta.sha256, i));
    const chunks = await getMany<Uint8Array>(keys, this.db);
    const out = new Uint8Array(meta.stored);
    let offset = 0;
    for (const chunk of chunks) {
      if (!chunk || offset + chunk.byteLength > out.byteLength) throw new Error(`model ${meta.id}@${meta.version}: chunks missing or oversized`);
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (offset !== meta.stored) throw new Error(`model ${meta.id}@${meta.version}: ${offset} bytes stored, record says ${meta.stored}`);
    return out;
  }

  touch(meta: StoredModel, now: number): Promise<void> {
    meta.lastUsed = now;
    return this.put(meta);
  }

  async delete(meta: Pick<StoredModel, 'id' | 'version' | 'sha256' | 'chunks'>): Promise<void> {
    const others = (await this.list()).filter((m) => m.sha256 === meta.sha256 && !(m.id === meta.id && m.version === meta.version));
    // Another id may share the same bytes (same sha256): keep the chunks for it.
    const keys: Key[] = others.length > 0 ? [] : Array.from({ length: meta.chunks }, (_, i) => chunkKey(meta.sha256, i));
    await delMany([...keys, metaKey(meta.id, meta.version)], this.db);
  }

  async clear(): Promise<void> {
    await this.db('readwrite', (store) => {
      store.clear();
      return new Promise<void>((resolve, reject) => {
        store.transaction.oncomplete = () => resolve();
        store.transaction.onerror = () => reject(store.transaction.error);
      });
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
}

export function publicInfo(meta: StoredModel): CachedModelInfo {
  const { id, version, sha256, bytes, stored, complete, lastUsed } = meta;
  return { id, version, sha256, bytes, stored, complete, lastUsed };
}
