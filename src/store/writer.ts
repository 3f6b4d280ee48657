import type { LoadEvent } from '../rpc/protocol.js';
import { PIECE_BYTES, pieceSha256 } from './integrity.js';
import type { ModelFile } from './manifest.js';
import { readChecked } from './read-checked.js';
import { fitsFile } from './record.js';
import { isQuotaError, keyOf } from './space.js';
import { RecordChanged, type ModelStore, type StoredModel } from './store.js';

/**
 * Frees `need` bytes for the model `key` (never evicting it); false when it cannot. `full` means a write just hit
 * the quota, so the browser's estimate is not to be trusted: free `need` bytes whatever it says.
 */
export type MakeRoom = (need: number, key: string, full?: boolean) => Promise<boolean>;

/**
 * Writes a download to the store chunk by chunk as it arrives, so an interrupted download resumes from the last
 * stored chunk. When storage runs out (even after evicting and retrying once) it stops persisting and the load
 * carries on from memory, with a warning event: the model still runs. Every write checks that the record is still
 * the one this writer wrote last; if a clear or an eviction removed it, the writer stops persisting and leaves it so.
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
      chunks: 0, stored: 0, complete: false, lastUsed: now, url: file.url, digests: { pieceBytes: PIECE_BYTES, sha256: [] },
    };
    const writer = new ChunkWriter(store, fresh, true, makeRoom, emit);
    try {
      const old = await store.get(file.id, file.version);
      if (old && fitsFile(old, file) && old.chunkSize === chunkSize && !old.complete) {
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

  get isPersisting(): boolean {
    return this.persisting;
  }

  /**
   * Bytes already in the store from an earlier, interrupted download, checked against their digests; a copy that
   * cannot be read or fails a check is dropped. A copy an older version wrote (no digests) gets them now: the whole
   * file is checked before the record is completed, and they are checked with it.
   */
  async readStored(): Promise<Uint8Array> {
    if (!this.persisting || this.meta.stored === 0) return new Uint8Array(0);
    try {
      const { bytes, digests } = await readChecked(this.store, this.meta);
      this.meta.digests = digests;
      return bytes;
    } catch {
      await this.reset();
      return new Uint8Array(0);
    }
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
    const fresh: StoredModel = { ...this.meta, chunks: 0, stored: 0, digests: { pieceBytes: PIECE_BYTES, sha256: [] } };
    await this.attempt(async () => {
      await this.store.replace(this.meta, fresh);
      this.meta = fresh;
    });
  }

  async complete(now: number): Promise<void> {
    if (!this.persisting) return;
    const done: StoredModel = { ...this.meta, complete: true, lastUsed: now, bytes: this.meta.stored };
    await this.attempt(async () => {
      await this.store.update(this.meta, done);
      this.meta = done;
    });
  }

  /** Removes everything this download stored (bytes that failed verification). */
  async discard(): Promise<void> {
    if (this.persisting) await this.store.delete(this.meta).catch(() => undefined);
  }

  /** Stores one chunk with the digests of its pieces, which later reads check it against. */
  private async write(chunk: Uint8Array): Promise<void> {
    const pieces = await pieceSha256(chunk, this.meta.digests?.pieceBytes ?? PIECE_BYTES);
    return this.attempt(() => this.store.appendChunk(this.meta, chunk, pieces), chunk.byteLength);
  }

  /**
   * Runs one store write; on QuotaExceededError evicts other models and retries once, then stops persisting. When the
   * record changed under it, it stops quietly and touches nothing: the record is gone, or another writer owns it.
   */
  private async attempt(write: () => Promise<void>, size = 0): Promise<void> {
    for (let retried = false; ; retried = true) {
      try {
        await write();
        return;
      } catch (error) {
        if (error instanceof RecordChanged) return void (this.persisting = false);
        if (!isQuotaError(error)) return this.stop('storage-failed', `writing to IndexedDB failed: ${String(error)}`);
      }
      const remaining = Math.max(this.meta.bytes - this.meta.stored, size);
      if (retried || !(await this.makeRoom(remaining, keyOf(this.meta), true).catch(() => false))) {
        return this.stop('quota-exceeded', 'storage quota exceeded even after evicting other models');
      }
    }
  }

  private async stop(code: 'quota-exceeded' | 'storage-failed', reason: string): Promise<void> {
    this.persisting = false;
    await this.store.delete(this.meta).catch(() => undefined);
    this.emit({ type: 'warning', id: this.meta.id, code, message: `${reason}; model "${this.meta.id}" runs from memory and is not cached` });
  }
}
