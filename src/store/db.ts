import { promisifyRequest, type UseStore } from 'idb-keyval';

/**
 * An idb-keyval store in its own database whose transactions use `durability: 'relaxed'`: model chunks can always
 * be fetched again, and relaxed commits are many times faster than the default flush to disk.
 */
export function openStore(dbName: string, storeName = 'entries'): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  const connect = (): Promise<IDBDatabase> => {
    if (db) return db;
    const request = indexedDB.open(dbName);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    const opening = promisifyRequest(request);
    db = opening;
    opening.then(
      (opened) => {
        opened.onclose = () => (db = undefined);
        opened.onversionchange = () => opened.close(); // let clear-site-data and upgrades through
      },
      () => (db = undefined),
    );
    return opening;
  };
  return async (mode, callback) => {
    const opened = await connect();
    return callback(opened.transaction(storeName, mode, { durability: 'relaxed' }).objectStore(storeName));
  };
}
