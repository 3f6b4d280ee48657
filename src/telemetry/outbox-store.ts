// Where batches wait while the endpoint is unreachable: IndexedDB (idb-keyval, its own database), oldest first.
import { createStore, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';
import type { Batch } from './batch.js';

export type OutboxKey = [number, string, number];

export interface OutboxStore {
  /** Keys, oldest first. */
  keys(): Promise<OutboxKey[]>;
  put(key: OutboxKey, batch: Batch): Promise<void>;
  /** Reads and deletes in one transaction, so two tabs draining at once never both send a batch. */
  take(key: OutboxKey): Promise<Batch | undefined>;
}

export function idbOutbox(dbName: string): OutboxStore {
  let store: UseStore | undefined;
  // Opened on first use: nothing touches IndexedDB until a batch needs it or a drain starts.
  const db = () => (store ??= createStore(dbName, 'batches'));
  return {
    keys: () => keys<OutboxKey>(db()),
    put: (key, batch) => set(key, batch, db()),
    take: (key) =>
      db()('readwrite', (s) => {
        const value = promisifyRequest(s.get(key));
        s.delete(key);
        return promisifyRequest(s.transaction).then(() => value as Promise<Batch | undefined>);
      }),
  };
}

/** For tests and pages without IndexedDB. */
export function memoryOutbox(): OutboxStore & { readonly batches: Map<string, Batch> } {
  const batches = new Map<string, Batch>();
  const entries = new Map<string, OutboxKey>();
  const id = (key: OutboxKey) => JSON.stringify(key);
  return {
    batches,
    keys: async () => [...entries.values()].sort(compare),
    put: async (key, batch) => {
      entries.set(id(key), key);
      batches.set(id(key), structuredClone(batch));
    },
    take: async (key) => {
      const batch = batches.get(id(key));
      batches.delete(id(key));
      entries.delete(id(key));
      return batch;
    },
  };
}

function compare(a: OutboxKey, b: OutboxKey): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
