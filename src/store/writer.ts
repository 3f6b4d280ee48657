import type { LoadEvent } from '../worker/protocol.js';
import type { ModelFile } from './manifest.js';
import { isQuotaError, keyOf } from './space.js';
import type { ModelStore, StoredModel } from './store.js';

/**
 * Frees `need` bytes for the model `key` (never evicting it); false when it cannot. `full` means a write just hit
 * the quota, so the browser's estimate is not to be trusted: free `need` bytes whatever it says.
 */
export type MakeRoom = (need: number, key: string, full?: boolean) => Promise<boolean>;

/**
 * Writes a download to the store chunk by chunk as it arrives, so an interrupted download resumes from the last
 * stored chunk. When storage runs out (even after evicting and retrying once) it stops persisting and the load
 * carries on from memory, with a warning event: the model still runs.
 */
export class ChunkWriter {
  private constructor(
    private readonly store: ModelStore,
    private meta: StoredModel,
    private persisting: boolean,
    private readonly makeRoom: MakeRoom,
    private readonly emit: (event: LoadEvent) => void,
  ) {}

  static async open(store: ModelStore, file: ModelFile, chunkSize: number, now: number, makeRoom: MakeRoom, emit: (e: LoadEvent) => void): Promise<ChunkWriter> {
    const fresh: StoredModel = {
      id: file.id, version: file.version, sha256: file.sha256, bytes: file.bytes ?? 0, chunkSize,
      chunks: 0, stored: 0, complete: false, lastUsed: now, url: file.url,
    };
    const writer = new ChunkWriter(store, fresh, true, makeRoom, emit);
    try {
      const old = await store.get(file.id, file.version);
      if (old && old.sha256 === file.sha256 && old.chunkSize === chunkSize && !old.complete) {
        writer.meta = old;
        return writer;
      }
      if (old) await store.delete(old);
      if (!(await makeRoom(fresh.bytes, keyOf(fresh)))) {
        await writer.stop('quota-exceeded', `not enough storage for ${fresh.bytes} bytes even after evicting other models`);
      } else {
        await writer.attempt(() => store.put(fresh));
      }
    } catch (error) {
      await writer.stop('storage-failed', `IndexedDB is not usable here: ${String(error)}`);
    }
    return writer;
  }

  /** Bytes already in the store from an earlier, interrupted download. */
  get stored(): number {
    return this.persisting ? this.meta.stored : 0;
  }

  get isPersisting(): boolean {
    return this.persisting;
  }

  readStored(): Promise<Uint8Array> {
    return this.store.read(this.meta);
  }

  /** Stores every whole chunk of `buffer[0, size)` not stored yet. */
  async push(buffer: Uint8Array, size: number): Promise<void> {
    while (this.persisting && size - this.meta.stored >= this.meta.chunkSize) {
      await this.write(buffer.slice(this.meta.stored, this.meta.stored + this.meta.chunkSize));
    }
  }

  /** Stores the tail after the last whole chunk. */
  async flush(buffer: Uint8Array, size: number): Promise<void> {
    if (this.persisting && size > this.meta.stored) await this.write(buffer.slice(this.meta.stored, size));
  }

  /** The server sent the file from byte 0 again: drop what we had. */
  async reset(): Promise<void> {
    if (!this.persisting) return;
    await this.store.delete(this.meta);
    this.meta = { ...this.meta, chunks: 0, stored: 0 };
    await this.store.put(this.meta);
  }

  async complete(now: number): Promise<void> {
    if (!this.persisting) return;
    this.meta.complete = true;
    this.meta.lastUsed = now;
    this.meta.bytes = this.meta.stored;
    await this.store.put(this.meta);
  }

  /** Removes everything this download stored (bytes that failed verification). */
  async discard(): Promise<void> {
    if (this.persisting) await this.store.delete(this.meta).catch(() => undefined);
  }

  private write(chunk: Uint8Array): Promise<void> {
    return this.attempt(() => this.store.appendChunk(this.meta, chunk), chunk.byteLength);
  }

  /** Runs one store write; on QuotaExceededError evicts other models and retries once, then stops persisting. */
  private async attempt(write: () => Promise<void>, size = 0): Promise<void> {
    try {
      await write();
      return;
    } catch (error) {
      if (!isQuotaError(error)) return this.stop('storage-failed', `writing to IndexedDB failed: ${String(error)}`);
    }
    const remaining = Math.max(this.meta.bytes - this.meta.stored, size);
    if (await this.makeRoom(remaining, keyOf(this.meta), true).catch(() => false)) {
      try {
        await write();
        return;
      } catch (error) {
        if (!isQuotaError(error)) return this.stop('storage-failed', `writing to IndexedDB failed: ${String(error)}`);
      }
    }
    await this.stop('quota-exceeded', 'storage quota exceeded even after evicting other models');
  }

  private async stop(code: 'quota-exceeded' | 'storage-failed', reason: string): Promise<void> {
    this.persisting = false;
    await this.store.delete(this.meta).catch(() => undefined);
    this.emit({ type: 'warning', id: this.meta.id, code, message: `${reason}; model "${this.meta.id}" runs from memory and is not cached` });
  }
}
