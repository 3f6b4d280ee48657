// The rollout unit of a browser profile when the app passes no `unitId`: random, made once, kept in IndexedDB
// beside the model store (`<dbName>-install`, key 'id'). Never derived from the user or the device.
import { get, update } from 'idb-keyval';
import { openStore } from './db.js';

const ID = /^[0-9a-f]{32}$/;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The install id (128 random bits, hex). `update` runs in one transaction, so two tabs racing on first use agree.
 * Without usable IndexedDB the id lives only as long as `this` (rollout then still works, but is not sticky).
 */
export class InstallId {
  private id: Promise<string> | undefined;

  constructor(private readonly dbName: string) {}

  get(): Promise<string> {
    this.id ??= this.read();
    return this.id;
  }

  private async read(): Promise<string> {
    const fresh = randomId();
    try {
      const store = openStore(`${this.dbName}-install`);
      await update('id', (old) => (typeof old === 'string' && ID.test(old) ? old : fresh), store);
      const stored = await get<string>('id', store);
      return typeof stored === 'string' && ID.test(stored) ? stored : fresh;
    } catch {
      return fresh;
    }
  }
}
