import { createRuntime, type LoadEvent, type RuntimeOptions } from '../../src/index.js';
import { json } from './data.js';

export interface ManifestEntry {
  id: string;
  version: string;
  file: string;
  bytes: number;
  sha256: string;
}

export const manifest = () => json<{ models: ManifestEntry[] }>('/models/manifest.json');

let counter = 0;
/** A fresh key: its own test-server log and its own IndexedDB database. */
export function uniqueKey(name: string): string {
  return `${name}-${Date.now().toString(36)}-${++counter}`;
}

/** A runtime with its own database, small chunks (so the models span several) and quick retries. */
export function storeRuntime(key: string, options: RuntimeOptions = {}) {
  return createRuntime({
    backends: ['wasm'],
    retryDelayMs: 5,
    ...options,
    storage: { dbName: `test-${key}`, chunkBytes: 65536, ...options.storage },
  });
}

/** The bundled model `id`, served by the faulty test server under `key` with the given faults. */
export async function served(key: string, id: string, faults = '') {
  const entry = (await manifest()).models.find((m) => m.id === id)!;
  const url = `/__test/file/${key}/${entry.file}${faults ? `?${faults}` : ''}`;
  return { url, sha256: entry.sha256, size: entry.bytes, id, entry };
}

export async function requests(key: string): Promise<{ path: string; range: string | null; status: number; sent: number }[]> {
  return json(`/__test/log/${key}`);
}

/** Publishes a manifest for `key` at /__test/manifest/<key>/manifest.json. */
export async function publish(key: string, models: ManifestEntry[]): Promise<string> {
  await fetch(`/__test/manifest/${key}`, { method: 'PUT', body: JSON.stringify({ models }) });
  return `/__test/manifest/${key}/manifest.json`;
}

export function recorder() {
  const events: LoadEvent[] = [];
  return { events, onProgress: (e: LoadEvent) => void events.push(e) };
}

export async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
