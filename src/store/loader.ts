import { EdgeInferError } from '../errors.js';
import type { LoadEvent, LoadSourceKind } from '../rpc/protocol.js';
import { download, throwIfAborted } from './download.js';
import { sha256Hex } from './integrity.js';
import type { ModelFile } from './manifest.js';
import { readChecked, type ReadTimings } from './read-checked.js';
import { fitsFile } from './record.js';
import { availableBytes, keyOf, planEviction } from './space.js';
import type { ModelStore } from './store.js';
import { ChunkWriter } from './writer.js';

export type Emit = (event: LoadEvent) => void;

export interface Fetched {
  bytes: Uint8Array;
  source: LoadSourceKind;
  cached: boolean;
  /** For bytes read from the store: how long reading and verifying them took. */
  timings?: ReadTimings;
}

export interface LoaderConfig {
  maxBytes: number;
  chunkBytes: number;
  retries: number;
  backoffMs: number;
}

interface Shared {
  promise: Promise<Fetched>;
  controller: AbortController;
  listeners: Set<Emit>;
  waiters: number;
}

/**
 * Gives verified model bytes: from the store when an intact copy is there, otherwise downloaded (once, however many
 * loads ask at the same time), checked against its sha256, and cached. Nothing unverified is ever returned.
 */
export class ModelLoader {
  private readonly inflight = new Map<string, Shared>();
  /** Models whose bytes back a live session here; eviction passes over them. */
  readonly inUse = new Set<string>();

  constructor(
    private readonly store: ModelStore,
    private readonly config: LoaderConfig,
    private readonly now: () => number = Date.now,
  ) {}

  async get(file: ModelFile, signal: AbortSignal, emit: Emit): Promise<Fetched> {
    throwIfAborted(signal);
    const cached = await this.fromStore(file, emit);
    if (cached) return { bytes: cached.bytes, source: 'cache', cached: true, timings: cached.timings };
    const key = `${keyOf(file)}:${file.sha256}`;
    let shared = this.inflight.get(key);
    if (!shared) {
      const controller = new AbortController();
      const listeners = new Set<Emit>();
      const started: Shared = {
        controller, listeners, waiters: 0,
        promise: this.fetchVerified(file, controller.signal, (e) => listeners.forEach((l) => l(e))),
      };
      this.inflight.set(key, started);
      // Forget settled downloads, rejected ones too, so a retry starts afresh.
      started.promise.then(() => this.inflight.delete(key), () => this.inflight.delete(key));
      shared = started;
    }
    return join(shared, signal, emit);
  }

  /** Downloads without caching: without a sha256 the bytes cannot be verified, so they never enter the store. */
  async plain(id: string, url: string, signal: AbortSignal, emit: Emit): Promise<Fetched> {
    let buffer: Uint8Array = new Uint8Array(0);
    let size = 0;
    const progress = throttled(() => emit({ type: 'download', id, loaded: size, total: undefined }));
    await download({
      url, offset: 0, total: undefined, signal, retries: this.config.retries, backoffMs: this.config.backoffMs,
      onData: async (data, restart) => {
        if (restart) size = 0;
        if (size + data.byteLength > buffer.byteLength) buffer = grow(buffer, size + data.byteLength);
        buffer.set(data, size);
        size += data.byteLength;
        progress(false);
      },
    });
    progress(true);
    return { bytes: buffer.subarray(0, size), source: 'network', cached: false };
  }

  /**
   * An intact stored copy, or undefined. A copy that fails verification, or whose record claims a size the file
   * cannot have, is evicted (and will be fetched again).
   */
  private async fromStore(file: ModelFile, emit: Emit): Promise<{ bytes: Uint8Array; timings: ReadTimings } | undefined> {
    try {
      const meta = await this.store.get(file.id, file.version, { prefetch: true });
      if (!meta?.complete) return undefined;
      if (meta.sha256 === file.sha256) {
        emit({ type: 'verify', id: file.id });
        const read = fitsFile(meta, file) ? await readChecked(this.store, meta).catch(() => undefined) : undefined;
        if (read) {
          // The bytes are verified: recording the use (and bringing a record an older version wrote up to date)
          // need not hold up the session.
          const upgrade = !meta.digests || read.typedChunks ? { digests: read.digests, ...(read.typedChunks ? { bytes: read.bytes } : {}) } : undefined;
          void this.store.touch(meta, this.now(), upgrade).catch(() => undefined);
          return read;
        }
        emit({ type: 'warning', id: file.id, code: 'cache-corrupt', message: `cached copy of "${file.id}" ${file.version} failed verification; fetching it again` });
      }
      await this.store.delete(meta);
    } catch (error) {
      emit({ type: 'warning', id: file.id, code: 'storage-failed', message: `reading the model cache failed: ${String(error)}` });
    }
    return undefined;
  }

  private async fetchVerified(file: ModelFile, signal: AbortSignal, emit: Emit, fresh = false): Promise<Fetched> {
    const writer = await ChunkWriter.open(this.store, file, this.config.chunkBytes, this.now(), (need, key, full) => this.makeRoom(need, key, full), emit);
    if (fresh) await writer.reset();
    const partial = await writer.readStored();
    const resumed = partial.byteLength;
    let buffer: Uint8Array = new Uint8Array(Math.max(file.bytes ?? 0, resumed));
    buffer.set(partial);
    let size = resumed;
    const progress = throttled(() => emit({ type: 'download', id: file.id, loaded: size, total: file.bytes }));
    progress(true);
    await download({
      url: file.url, offset: resumed, total: file.bytes, signal, retries: this.config.retries, backoffMs: this.config.backoffMs,
      onData: async (data, restart) => {
        if (restart) {
          size = 0;
          await writer.reset();
        }
        if (file.bytes !== undefined && size + data.byteLength > file.bytes) {
          await writer.discard();
          throw mismatch(file, `more than the expected ${file.bytes} bytes`);
        }
        if (size + data.byteLength > buffer.byteLength) buffer = grow(buffer, size + data.byteLength);
        buffer.set(data, size);
        size += data.byteLength;
        await writer.push(buffer, size);
        progress(false);
      },
    });
    progress(true);
    await writer.flush(buffer, size);
    emit({ type: 'verify', id: file.id });
    const bytes = buffer.subarray(0, size);
    const actual = await sha256Hex(bytes);
    if (actual !== file.sha256) {
      await writer.discard();
      // A resumed download may have built on a stale partial copy: one clean attempt before giving up.
      if (resumed > 0 && !fresh) return this.fetchVerified(file, signal, emit, true);
      throw mismatch(file, `sha256 ${actual}; expected ${file.sha256}`, actual);
    }
    await writer.complete(this.now());
    if (writer.isPersisting) emit({ type: 'cached', id: file.id, bytes: size });
    return { bytes, source: 'network', cached: writer.isPersisting };
  }

  private async makeRoom(need: number, key: string, full = false): Promise<boolean> {
    const models = await this.store.list();
    const available = full ? 0 : await availableBytes();
    const plan = planEviction(models, need, { maxBytes: this.config.maxBytes, available }, new Set([key, ...this.inUse]));
    if (full && plan?.length === 0) return false; // nothing left to evict: retrying would fail the same way
    if (!plan) return false;
    for (const victim of plan) await this.store.delete(victim);
    return true;
  }
}

function mismatch(file: ModelFile, what: string, actual?: string): EdgeInferError {
  return new EdgeInferError('integrity-mismatch', `model "${file.id}" from ${file.url} has ${what}. Nothing was cached or run`, {
    model: file.id, url: file.url, expected: file.sha256, ...(actual ? { actual } : {}),
  });
}

function join(shared: Shared, signal: AbortSignal, emit: Emit): Promise<Fetched> {
  shared.waiters++;
  shared.listeners.add(emit);
  return new Promise<Fetched>((resolve, reject) => {
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      signal.removeEventListener('abort', onAbort);
      shared.listeners.delete(emit);
      // The download stops only when no load waits for it any more; its stored chunks stay for next time.
      if (--shared.waiters === 0) shared.controller.abort();
    };
    const onAbort = () => {
      leave();
      reject(new EdgeInferError('aborted', 'the load was aborted; stored chunks are kept for the next attempt'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.promise.then(
      (value) => {
        leave();
        resolve(value);
      },
      (error: unknown) => {
        leave();
        reject(error);
      },
    );
  });
}

/** Progress at most every 100 ms, and always when forced (first and last). */
function throttled(send: () => void): (force: boolean) => void {
  let last = -Infinity;
  return (force) => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    send();
  };
}

function grow(buffer: Uint8Array, needed: number): Uint8Array {
  const next = new Uint8Array(Math.max(needed, buffer.byteLength * 2, 1 << 20));
  next.set(buffer);
  return next;
}
