// The rollout unit of a browser profile when the app passes no `unitId`: random, made once, kept in IndexedDB
// beside the model store (`<dbName>-install`, key 'id'). Never derived from the user or the device.
import { update } from 'idb-keyval';
import { randomHex128 } from '../random.js';
import { openStore } from './db.js';

const ID = /^[0-9a-f]{32}$/;

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
    const fresh = randomHex128();
    let id = fresh;
    try {
      // The updater sees what the transaction read: the id kept, or none yet (then `fresh` is written and kept).
      await update('id', (old) => (id = typeof old === 'string' && ID.test(old) ? old : fresh), openStore(`${this.dbName}-install`));
      return id;
    } catch {
      return fresh;
    }
  }
}
