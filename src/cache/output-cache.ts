// The main-thread output cache: one bounded W-TinyLFU store shared by a runtime's models, keyed by model (id +
// version) and a 64-bit hash of the inputs. A hit is answered without a worker round trip.
import type { Tensor } from '../tensor.js';
import { hashString, hashTensors, sameTensor } from './hash.js';
import { WTinyLfu, type Removal } from './policy.js';
import { setOwn } from '../own.js';

/** Counters for one model. All but `entries` and `bytes` only grow, so telemetry can export deltas. */
export interface CacheStats {
  /** Runs answered from the cache. */
  readonly hits: number;
  /** Runs looked up and not found (or found expired). */
  readonly misses: number;
  /** New entries the admission filter turned away because they were rarer than what they would displace. */
  readonly rejected: number;
  /** Admitted entries dropped to make room. */
  readonly evictions: number;
  /** Entries dropped because their `ttlMs` had passed. */
  readonly expired: number;
  /** Runs that skipped the cache (`cache: false`, a stateful model, or no cache). */
  readonly bypassed: number;
  /** Entries held now. */
  readonly entries: number;
  /** Bytes held now: stored inputs plus outputs. */
  readonly bytes: number;
}

export interface CacheConfig {
  maxEntries: number;
  maxBytes: number;
  /** Milliseconds an entry stays valid; `Infinity` for no limit. */
  ttlMs: number;
  /** Clock in milliseconds. @defaultValue `performance.now` */
  now?: () => number;
}

export type Counters = { -readonly [K in keyof CacheStats]: number };

/** @internal One model's share of the cache. */
export interface Space {
  readonly id: number;
  readonly hash: number;
  refs: number;
  readonly keys: Set<string>;
  readonly stats: Counters;
}

interface Entry {
  readonly space: Space;
  readonly inputs: readonly Tensor[];
  readonly outputs: Readonly<Record<string, Tensor>>;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** A miss to fill once the worker answers: the key and a private copy of the inputs. */
export interface PendingEntry {
  readonly key: string;
  readonly hash: number;
  readonly inputs: readonly Tensor[];
}

/** A miss carries `pending` unless the inputs alone are larger than the cache, so could never be stored. */
export type Lookup = { hit: true; outputs: Record<string, Tensor> } | { hit: false; pending?: PendingEntry };

export class OutputCache {
  private readonly policy: WTinyLfu<string, Entry>;
  private readonly spaces = new Map<string, Space>();
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private nextId = 1;

  constructor(config: CacheConfig) {
    this.ttlMs = config.ttlMs;
    this.maxBytes = config.maxBytes;
    this.now = config.now ?? (() => performance.now());
    this.policy = new WTinyLfu<string, Entry>({
      maxEntries: config.maxEntries,
      maxWeight: config.maxBytes,
      onRemove: (key, entry, why) => this.forget(key, entry, why),
    });
  }

  /** The cache as one model sees it. Models loaded under the same name share entries; close each when done. */
  open(name: string): ModelCache {
    let space = this.spaces.get(name);
    if (!space) {
      space = { id: this.nextId++, hash: hashString(name), refs: 0, keys: new Set(), stats: zeroStats() };
      this.spaces.set(name, space);
    }
    space.refs++;
    return new ModelCache(this, space, () => this.close(name, space));
  }

  /** Drops every entry; counters other than `entries` and `bytes` are kept. */
  clear(): void {
    this.policy.clear();
    for (const space of this.spaces.values()) {
      space.keys.clear();
      space.stats.entries = 0;
      space.stats.bytes = 0;
    }
  }

  /** @internal */
  lookup(space: Space, inputs: readonly Tensor[]): Lookup {
    if (sizeOf(inputs, {}) > this.maxBytes) {
      space.stats.bypassed++; // neither hashed nor copied: it can never be stored
      return { hit: false };
    }
    const { lo, hi } = hashTensors(inputs);
    const key = `${space.id}:${lo}:${hi}`;
    const hash = (lo ^ space.hash) >>> 0;
    const entry = this.policy.get(key, hash);
    if (entry) {
      if (entry.expiresAt <= this.now()) {
        this.policy.delete(key);
        this.forget(key, entry, 'expired');
      } else if (entry.inputs.length === inputs.length && entry.inputs.every((t, i) => sameTensor(t, inputs[i] as Tensor))) {
        space.stats.hits++;
        return { hit: true, outputs: copyOutputs(entry.outputs) };
      }
    }
    space.stats.misses++;
    return { hit: false, pending: { key, hash, inputs: inputs.map(copyTensor) } };
  }

  /** @internal Stores outputs for a miss; keeps its own copy, so the caller may mutate `outputs`. */
  store(space: Space, pending: PendingEntry, outputs: Readonly<Record<string, Tensor>>): void {
    if (space.refs === 0) return;
    const previous = this.policy.delete(pending.key);
    if (previous) this.forget(pending.key, previous, undefined);
    if (sizeOf(pending.inputs, outputs) > this.maxBytes) return;
    const copy = copyOutputs(outputs);
    const bytes = sizeOf(pending.inputs, copy);
    const entry: Entry = { space, inputs: pending.inputs, outputs: copy, expiresAt: this.now() + this.ttlMs, bytes };
    space.keys.add(pending.key);
    space.stats.entries++;
    space.stats.bytes += bytes;
    this.policy.set(pending.key, pending.hash, entry, bytes);
  }

  private forget(key: string, entry: Entry, why: Removal | 'expired' | undefined): void {
    const { space } = entry;
    if (!space.keys.delete(key)) return;
    space.stats.entries--;
    space.stats.bytes -= entry.bytes;
    if (why === 'rejected') space.stats.rejected++;
    else if (why === 'evicted') space.stats.evictions++;
    else if (why === 'expired') space.stats.expired++;
  }

  private close(name: string, space: Space): void {
    if (--space.refs > 0) return;
    for (const key of [...space.keys]) {
      const entry = this.policy.delete(key);
      if (entry) this.forget(key, entry, undefined);
    }
    if (this.spaces.get(name) === space) this.spaces.delete(name);
  }
}

/** One model's view of the shared cache. */
export class ModelCache {
  private closed = false;

  /** @internal */
  constructor(
    private readonly cache: OutputCache,
    private readonly space: Space,
    private readonly onClose: () => void,
  ) {}

  /** Returns copies of the stored outputs on a hit, or what `store` needs on a miss. */
  lookup(inputs: readonly Tensor[]): Lookup {
    return this.cache.lookup(this.space, inputs);
  }

  store(pending: PendingEntry, outputs: Readonly<Record<string, Tensor>>): void {
    if (!this.closed) this.cache.store(this.space, pending, outputs);
  }

  /** Counts a run that did not use the cache. */
  bypass(): void {
    this.space.stats.bypassed++;
  }

  stats(): CacheStats {
    return Object.freeze({ ...this.space.stats });
  }

  /** Drops this model's entries once no other model shares them. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

export function zeroStats(): Counters {
  return { hits: 0, misses: 0, rejected: 0, evictions: 0, expired: 0, bypassed: 0, entries: 0, bytes: 0 };
}

function copyTensor(t: Tensor): Tensor {
  return { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() };
}

function copyOutputs(outputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  const copy: Record<string, Tensor> = {};
  for (const name in outputs) setOwn(copy, name, copyTensor(outputs[name] as Tensor));
  return copy;
}

function sizeOf(inputs: readonly Tensor[], outputs: Readonly<Record<string, Tensor>>): number {
  let bytes = 0;
  for (const t of inputs) bytes += t.data.byteLength;
  for (const name in outputs) bytes += (outputs[name] as Tensor).data.byteLength;
  return bytes;
}
