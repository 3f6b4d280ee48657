import { EdgeInferError } from '../errors.js';
import { download } from './download.js';
import type { Emit, ModelLoader } from './loader.js';
import { fileOf, findModel, parseManifest, type Manifest, type ModelFile } from './manifest.js';
import type { ModelStore } from './store.js';

/**
 * Turns "model `id` from manifest `url`" into a file to load. A cached model with a cached manifest needs no
 * request at all; the manifest is then checked in the background, and a newer version is downloaded and verified
 * while the cached one keeps serving, which is deleted only once the new one is ready.
 */
export class ManifestResolver {
  private readonly updates = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ModelStore,
    private readonly loader: ModelLoader,
  ) {}

  async resolve(url: string, id: string, version: string | undefined, signal: AbortSignal): Promise<{ file: ModelFile; stale: boolean }> {
    const cached = await this.cachedManifest(url);
    if (version !== undefined) return { file: await this.pinned(url, id, version, cached, signal), stale: false };
    const entry = cached?.models.find((m) => m.id === id);
    if (entry && (await this.store.get(id, entry.version).catch(() => undefined))?.complete) {
      return { file: fileOf(entry, url), stale: true };
    }
    let manifest: Manifest;
    try {
      manifest = await this.fetchManifest(url, signal);
    } catch (error) {
      if (!entry || (error as EdgeInferError).code === 'aborted') throw error;
      return { file: fileOf(entry, url), stale: true }; // offline, but the cached manifest knows the model
    }
    return { file: fileOf(findModel(manifest, id, url), url), stale: false };
  }

  /** Checks the manifest for a newer version of `id` and caches it; at most one check per model at a time. */
  refresh(url: string, id: string, servedVersion: string, emit: Emit): Promise<void> {
    const key = `${url}#${id}`;
    const running = this.updates.get(key);
    if (running) return running;
    const update = (async () => {
      const signal = new AbortController().signal;
      const entry = findModel(await this.fetchManifest(url, signal), id, url);
      if (entry.version === servedVersion) return;
      await this.loader.get(fileOf(entry, url), signal, () => undefined);
      const old = await this.store.get(id, servedVersion);
      if (old) await this.store.delete(old);
    })()
      .catch((error: unknown) => {
        emit({ type: 'warning', id, code: 'update-failed', message: `checking for a newer "${id}" failed: ${(error as Error).message}` });
      })
      .finally(() => this.updates.delete(key));
    this.updates.set(key, update);
    return update;
  }

  private async pinned(url: string, id: string, version: string, cached: Manifest | undefined, signal: AbortSignal): Promise<ModelFile> {
    const meta = await this.store.get(id, version).catch(() => undefined);
    if (meta?.complete) return { id, version, url: meta.url, sha256: meta.sha256, bytes: meta.bytes };
    const inCache = cached?.models.find((m) => m.id === id && m.version === version);
    const entry = inCache ?? findModel(await this.fetchManifest(url, signal), id, url);
    if (entry.version !== version) {
      throw new EdgeInferError('model-unknown', `version ${version} of model "${id}" is neither cached nor in manifest ${url} (it has ${entry.version})`, {
        model: id, version,
      });
    }
    return fileOf(entry, url);
  }

  private async cachedManifest(url: string): Promise<Manifest | undefined> {
    try {
      const value = await this.store.getManifest(url);
      return value === undefined ? undefined : parseManifest(value, url);
    } catch {
      return undefined;
    }
  }

  private async fetchManifest(url: string, signal: AbortSignal): Promise<Manifest> {
    const chunks: Uint8Array[] = [];
    await download({ url, offset: 0, total: undefined, signal, retries: 2, backoffMs: 300, onData: async (data, restart) => {
      if (restart) chunks.length = 0;
      chunks.push(data.slice());
    } });
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(concat(chunks)));
    } catch (error) {
      throw new EdgeInferError('manifest-invalid', `manifest ${url} is not JSON: ${String(error)}`, { url });
    }
    const manifest = parseManifest(value, url);
    await this.store.putManifest(url, manifest).catch(() => undefined);
    return manifest;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
