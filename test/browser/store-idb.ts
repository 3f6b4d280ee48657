// Direct access to a runtime's IndexedDB database from the page, to damage it the way other code, other tabs or a
// failing disk could. Every helper closes its connection, so the worker's own connection is never blocked.
const STORE = 'entries';

export type Entry = [IDBValidKey, unknown];

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Opens `name` (creating the object store like the SDK does if the database is new). */
async function open(name: string, version?: number, upgrade = (db: IDBDatabase) => void db.createObjectStore(STORE)): Promise<IDBDatabase> {
  const r = indexedDB.open(name, version);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) upgrade(r.result);
  };
  const db = await request(r);
  db.onversionchange = () => db.close();
  return db;
}

async function withStore<T>(name: string, mode: IDBTransactionMode, use: (store: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await open(name);
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
    const result = await use(tx.objectStore(STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

export function entries(name: string): Promise<Entry[]> {
  return withStore(name, 'readonly', async (store) => {
    const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
    return keys.map((k, i): Entry => [k, values[i]]);
  });
}

export function put(name: string, key: IDBValidKey, value: unknown): Promise<void> {
  return withStore(name, 'readwrite', async (store) => void store.put(value, key));
}

export function remove(name: string, key: IDBValidKey): Promise<void> {
  return withStore(name, 'readwrite', async (store) => void store.delete(key));
}

export function deleteDatabase(name: string): Promise<void> {
  return request(indexedDB.deleteDatabase(name) as IDBRequest<unknown>).then(() => undefined);
}

/** Opens `name` at the next version, as a newer release of some code in another tab would. */
export async function upgradeDatabase(name: string): Promise<void> {
  const db = await open(name);
  const version = db.version;
  db.close();
  (await open(name, version + 1)).close();
}

/** Creates `name` without the object store the SDK uses, so every IndexedDB call on it fails. */
export async function createBrokenDatabase(name: string): Promise<void> {
  (await open(name, 1, () => undefined)).close();
}

export const isMeta = (key: IDBValidKey): key is [string, string, string] => Array.isArray(key) && key[0] === 'meta';
export const isChunk = (key: IDBValidKey): key is [string, string, number] => Array.isArray(key) && key[0] === 'chunk';

/** The bytes of a stored chunk: a Blob (what the SDK writes) or a typed array (what older versions wrote). */
export async function bytesOf(value: unknown): Promise<Uint8Array<ArrayBuffer>> {
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new Error(`not a chunk: ${String(value)}`);
}

/** A database's chunks with their bytes, in key order. */
export async function chunkEntries(name: string): Promise<[IDBValidKey, Uint8Array<ArrayBuffer>][]> {
  const chunks = (await entries(name)).filter(([k]) => isChunk(k));
  return Promise.all(chunks.map(async ([k, v]): Promise<[IDBValidKey, Uint8Array<ArrayBuffer>]> => [k, await bytesOf(v)]));
}
