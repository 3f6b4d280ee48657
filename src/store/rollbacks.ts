// Variant versions this browser profile rolled back from, per manifest and model id, kept beside the install id
// (`<dbName>-install`): a device that saw a variant breach its guardrails keeps running stable on later visits, until
// the manifest assigns it another variant version.
import { del, get, set } from 'idb-keyval';
import { openStore } from './db.js';
import type { RolledBack } from './manifest.js';

export class Rollbacks {
  private readonly store: ReturnType<typeof openStore>;

  constructor(dbName: string) {
    this.store = openStore(`${dbName}-install`);
  }

  /** The remembered rollback, if any; storage that cannot be read remembers nothing. */
  async get(manifest: string, id: string): Promise<RolledBack | undefined> {
    const value: unknown = await get(key(manifest, id), this.store).catch(() => undefined);
    const r = value as Partial<RolledBack> | undefined;
    return typeof r?.version === 'string' && typeof r.reason === 'string' ? { version: r.version, reason: r.reason } : undefined;
  }

  set(manifest: string, id: string, value: RolledBack): Promise<void> {
    return set(key(manifest, id), value, this.store).catch(() => undefined);
  }

  clear(manifest: string, id: string): Promise<void> {
    return del(key(manifest, id), this.store).catch(() => undefined);
  }
}

const key = (manifest: string, id: string) => `rolled-back\u0000${manifest}\u0000${id}`;
