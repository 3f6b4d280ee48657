// Remembers which backend `auto` chose for a model on this device, so the next load skips the probe. The record
// never leaves the device; the device facts in its key only tell apart what changes speed (another GPU, browser).
import { get, set } from 'idb-keyval';
import { isBackend, type Backend } from '../backends.js';
import { openStore } from '../store/db.js';
import type { BackendCandidate } from '../rpc/protocol.js';
import type { GpuAdapterFacts } from './backend.js';

export interface Remembered {
  backend: Backend;
  /** The manifest form chosen, when precision `auto` compared forms. */
  variant?: string;
  candidates: BackendCandidate[];
  /** When the probe ran (ms since the epoch). */
  at: number;
  /** onnxruntime-web's version: a new one may change which backend is fastest. */
  runtime: string;
}

/** What tells one device's speed from another's: the GPU, the core count and the browser's major version. */
export function deviceKey(gpu: GpuAdapterFacts | undefined, cores: number | undefined, userAgent: string): string {
  const browser = /(Edg|OPR|Firefox|Chrome|Chromium|Version)\/(\d+)/.exec(userAgent);
  return [gpu?.vendor ?? '-', gpu?.architecture ?? '-', cores ?? '-', browser ? `${browser[1]}/${browser[2]}` : '-'].join('|');
}

/** One decision per model file, precision asked for and device. */
export function choiceKey(sha256: string, precision: string, device: string): string {
  return `${sha256}|${precision}|${device}`;
}

/** A stored record is used only when it is well-formed, younger than `maxAgeMs` and from the same runtime version. */
export function isFresh(value: unknown, now: number, maxAgeMs: number, runtime: string): value is Remembered {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Remembered>;
  const wellFormed = isBackend(r.backend) && (r.variant === undefined || typeof r.variant === 'string') && Array.isArray(r.candidates) && r.candidates.every((c) => isBackend(c?.backend))
    && typeof r.at === 'number' && typeof r.runtime === 'string';
  return wellFormed && r.runtime === runtime && r.at! <= now && now - r.at! < maxAgeMs;
}

/** The decisions, in IndexedDB `<dbName>-choices`. Storage failures only cost a probe: they are never thrown. */
export class ChoiceStore {
  private readonly store: ReturnType<typeof openStore>;

  constructor(dbName: string) {
    this.store = openStore(`${dbName}-choices`, 'choices');
  }

  async get(key: string, maxAgeMs: number, runtime: string, now = Date.now()): Promise<Remembered | undefined> {
    const value = await get<unknown>(key, this.store).catch(() => undefined);
    return isFresh(value, now, maxAgeMs, runtime) ? value : undefined;
  }

  async set(key: string, value: Remembered): Promise<void> {
    await set(key, value, this.store).catch(() => undefined);
  }
}
