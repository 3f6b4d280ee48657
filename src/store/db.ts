import { promisifyRequest, type UseStore } from 'idb-keyval';

/**
 * An idb-keyval store in its own database whose transactions use `durability: 'relaxed'`: model chunks can always
 * be fetched again, and relaxed commits are many times faster than the default flush to disk.
 *
 * The connection is opened on first use and again after it is lost: another tab's upgrade or `deleteDatabase()`
 * (we close on `versionchange` to let them through), or the browser closing it (`close`). A call that finds the
 * connection gone (InvalidStateError, or a failure after it closed) reopens and runs once more.
 */
export function openStore(dbName: string, storeName = 'entries'): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  const connect = (): Promise<IDBDatabase> => {
    if (db) return db;
    const request = indexedDB.open(dbName);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    const opening = promisifyRequest(request);
    db = opening;
    const forget = () => {
      if (db === opening) db = undefined;
    };
    opening.then((opened) => {
      opened.onclose = forget;
      opened.onversionchange = () => {
        opened.close();
        forget();
      };
    }, forget);
    return opening;
  };
  const run = async <T>(mode: IDBTransactionMode, callback: (store: IDBObjectStore) => T | PromiseLike<T>, again: boolean): Promise<T> => {
    const opening = connect();
    try {
      const opened = await opening;
      return await callback(opened.transaction(storeName, mode, { durability: 'relaxed' }).objectStore(storeName));
    } catch (error) {
      const lost = (error as { name?: string } | null)?.name === 'InvalidStateError' || db !== opening;
      if (!again || !lost) throw error;
      if (db === opening) db = undefined;
      return run(mode, callback, false);
    }
  };
  return (mode, callback) => run(mode, callback, true);
}
