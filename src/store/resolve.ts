import { EdgeInferError } from '../errors.js';
import { download } from './download.js';
import type { Emit, ModelLoader } from './loader.js';
import { baseVersion, parseManifest, selectModel, type Manifest, type ManifestModel, type ModelFile, type RolledBack } from './manifest.js';
import type { Assignment, Rollout } from './rollout.js';

type Pick = (entry: ManifestModel) => ModelFile;
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
    /** The runtime's download retries and first backoff delay, for manifests as for models. */
    private readonly retry: { retries: number; backoffMs: number },
  ) {}

  /**
   * `pick` turns a manifest entry into the file to load (fp32 or an int8 variant); `unit` is the rollout unit and
   * `rolledBack` the variant this device rolled back from. The cached manifest decides as the fetched one would, so
   * the arm stays the same offline.
   */
  async resolve(url: string, id: string, version: string | undefined, signal: AbortSignal, pick: Pick, unit: string, rolledBack?: RolledBack): Promise<Resolved> {
    const cached = await this.cachedManifest(url);
    if (version !== undefined) return { ...(await this.pinned(url, id, version, cached, signal, pick)), stale: false, assignment: { version, arm: 'pinned' } };
    const chosen = cached && tryOr(() => selectModel(cached, id, unit, url, rolledBack));
    const file = chosen && pick(chosen.entry);
    const result = (f: ModelFile, c: ReturnType<typeof selectModel>, stale: boolean): Resolved => ({
      file: f, stale, assignment: c.assignment, entry: c.entry, ...(c.stable ? { stable: c.stable.version } : {}), ...(c.rollout ? { rollout: c.rollout } : {}),
      ...(rolledBack ? { rolledBack } : {}),
    });
    if (file && (await this.store.get(id, file.version).catch(() => undefined))?.complete) return result(file, chosen, true);
    let manifest: Manifest;
    try {
      manifest = await this.fetchManifest(url, signal);
    } catch (error) {
      if (!file || (error as EdgeInferError).code === 'aborted') throw error;
      return result(file, chosen, true); // offline, but the cached manifest knows the model
    }
    const fresh = selectModel(manifest, id, unit, url, rolledBack);
    return result(pick(fresh.entry), fresh, false);
  }

  /** Checks the manifest for a newer version of `id` and caches it; at most one check per model at a time. */
  refresh(url: string, served: ModelFile, pick: Pick, emit: Emit, unit: string, rolledBack?: RolledBack): Promise<void> {
    const { id } = served;
    const key = `${url}#${id}`;
    const running = this.updates.get(key);
    if (running) return running;
    const update = (async () => {
      const signal = new AbortController().signal;
      // The same unit as the load: a variant is never swapped for stable (or back) unless the rollout moved it.
      const { entry } = selectModel(await this.fetchManifest(url, signal), id, unit, url, rolledBack);
      if (entry.version === baseVersion(served.version)) return;
      await this.loader.get(pick(entry), signal, () => undefined);
      const old = await this.store.get(id, served.version);
      if (old) await this.store.delete(old);
    })()
      .catch((error: unknown) => {
        emit({ type: 'warning', id, code: 'update-failed', message: `checking for a newer "${id}" failed: ${(error as Error).message}` });
      })
      .finally(() => this.updates.delete(key));
    this.updates.set(key, update);
    return update;
  }

  private async pinned(url: string, id: string, version: string, cached: Manifest | undefined, signal: AbortSignal, pick: Pick): Promise<{ file: ModelFile; entry?: ManifestModel }> {
    const inCache = cached?.models.find((m) => m.id === id && m.version === version);
    if (inCache) return { file: pick(inCache), entry: inCache };
    let current: string | undefined;
    try {
      const manifest = await this.fetchManifest(url, signal);
      const entry = manifest.models.find((m) => m.id === id && m.version === version);
      if (entry) return { file: pick(entry), entry };
      current = manifest.models.filter((m) => m.id === id).map((m) => m.version).join(', ') || undefined;
    } catch (error) {
      if ((error as EdgeInferError).code === 'aborted') throw error;
    }
    // No longer (or not reachable) in the manifest: a complete cached copy of that version still serves.
    const stored = (await this.store.list().catch(() => [])).filter((m) => m.id === id && m.complete && baseVersion(m.version) === version);
    const meta = stored.find((m) => m.version === version) ?? stored[0];
    if (meta) return { file: { id, version: meta.version, url: meta.url, sha256: meta.sha256, bytes: meta.bytes } };
    throw new EdgeInferError('model-unknown', `version ${version} of model "${id}" is neither cached nor in manifest ${url}${current ? ` (it has ${current})` : ''}`, {
      model: id, version,
    });
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
    await download({ url, offset: 0, total: undefined, signal, ...this.retry, onData: async (data, restart) => {
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

export interface Resolved {
  file: ModelFile;
  /** Served from the cache without asking the network: worth a background refresh. */
  stale: boolean;
  assignment: Assignment;
  /** The manifest entry of the file (absent for a pinned version only the cache still has). */
  entry?: ManifestModel;
  /** The rollout's stable version, when `file` is a variant (to fall back to). */
  stable?: string;
  /** The id's rollout (for guardrails and the shadow), when it has one and the version was not pinned. */
  rollout?: Rollout;
  /** The rollback this device remembered for the id, as passed in (the background refresh needs it too). */
  rolledBack?: RolledBack;
}

function tryOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
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
