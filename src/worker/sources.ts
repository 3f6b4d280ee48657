import { EdgeInferError } from '../errors.js';
import type { Fetched } from '../store/loader.js';
import { ModelLoader } from '../store/loader.js';
import { autoForms, chooseFile, profileFileOf, type FileChoice, type ManifestModel } from '../store/manifest.js';
import { checkOrigin } from '../store/origins.js';
import { ManifestResolver, type Resolved } from '../store/resolve.js';
import { InstallId } from '../store/install-id.js';
import { Rollbacks } from '../store/rollbacks.js';
import type { Assignment, Rollout } from '../store/rollout.js';
import type { Processors } from '../processors/spec.js';
import type { Backend } from '../options.js';
import { keyOf } from '../store/space.js';
import { sha256Hex } from '../store/integrity.js';
import { ModelStore, publicInfo, type CachedModelInfo } from '../store/store.js';
import type { LoadEvent, LoadRequest, StorageConfig, StorageUsage } from '../rpc/protocol.js';

/** Verified bytes plus their SHA-256: the expected digest when one was given, else computed here. */
type Sourced = Fetched & { version: string | undefined; sha256: string };

/** Turns a load request into verified model bytes, using the IndexedDB store where the source allows it. */
export class ModelSources {
  private readonly store: ModelStore;
  private readonly loader: ModelLoader;
  private readonly resolver: ManifestResolver;
  /** Files already fetched for a load request, so trying a second backend reuses the same bytes. */
  private readonly requests = new WeakMap<LoadRequest, Map<string, Promise<Sourced>>>();
  /** What the manifest chose for each load request (the latest resolve wins; they agree within one load). */
  private readonly chosen = new WeakMap<LoadRequest, Resolved>();
  private readonly install: InstallId;
  private readonly rollbacks: Rollbacks;

  constructor(private readonly config: StorageConfig) {
    this.store = new ModelStore(config.dbName);
    this.loader = new ModelLoader(this.store, { maxBytes: config.maxBytes, chunkBytes: config.chunkBytes, retries: config.retries, backoffMs: config.retryDelayMs });
    this.resolver = new ManifestResolver(this.store, this.loader, { retries: config.retries, backoffMs: config.retryDelayMs });
    this.install = new InstallId(config.dbName);
    this.rollbacks = new Rollbacks(config.dbName);
  }

  /**
   * The assignment of a manifest load, once resolved (with the stable version a variant falls back to, and the id's
   * rollout); a load of stable in place of a variant says `rolled-back`, from which version and why.
   */
  assignmentOf(request: LoadRequest): (Assignment & { stable?: string; rollout?: Rollout }) | undefined {
    const resolved = this.chosen.get(request);
    if (!resolved || request.source.kind !== 'manifest') return undefined;
    const { rollback } = request.source;
    const { assignment, stable, rollout } = resolved;
    if (rollback !== undefined) return { version: assignment.version, arm: 'rolled-back', ...rollback, ...(rollout ? { rollout } : {}) };
    return { ...assignment, ...(stable ? { stable } : {}), ...(rollout ? { rollout } : {}) };
  }

  /** The processors the manifest entry of a load names, if any. */
  processorsOf(request: LoadRequest): Processors | undefined {
    const entry = this.chosen.get(request)?.entry;
    return entry && (entry.pre || entry.post) ? { ...(entry.pre ? { pre: entry.pre } : {}), ...(entry.post ? { post: entry.post } : {}) } : undefined;
  }

  /** Remembers that this device rolled `request`'s model back from variant `version`, so later loads run stable. */
  rememberRollback(request: LoadRequest, version: string, reason: string): Promise<void> {
    if (request.source.kind !== 'manifest') return Promise.resolve();
    return this.rollbacks.set(request.source.manifest, request.id, { version, reason });
  }

  private async resolve(request: LoadRequest, signal: AbortSignal, pick: (entry: ManifestModel) => ReturnType<typeof chooseFile>): Promise<Resolved> {
    const source = request.source as Extract<LoadRequest['source'], { kind: 'manifest' }>;
    const unit = request.unitId ?? (await this.install.get());
    const rolledBack = source.version === undefined ? await this.rollbacks.get(source.manifest, request.id) : undefined;
    const resolved = await this.resolver.resolve(source.manifest, request.id, source.version, signal, pick, unit, rolledBack);
    // Another variant version than the one rolled back from: the device gives it a chance.
    if (rolledBack && resolved.assignment.arm === 'variant') void this.rollbacks.clear(source.manifest, request.id);
    this.chosen.set(request, resolved);
    return resolved;
  }

  /**
   * Verified bytes for `request`, in the form that suits `backend`, or the form named by `form` (one fetch per
   * distinct file per request).
   */
  fetch(request: LoadRequest, signal: AbortSignal, emit: (e: LoadEvent) => void, backend: Backend, form?: FileChoice): Promise<Sourced> {
    const source = request.source;
    const key = source.kind === 'manifest' ? `${backend}:${form ?? source.precision ?? 'auto'}` : '';
    let byKey = this.requests.get(request);
    if (!byKey) this.requests.set(request, (byKey = new Map()));
    let fetched = byKey.get(key);
    if (!fetched) byKey.set(key, (fetched = this.fetchFor(request, signal, emit, backend, form)));
    return fetched;
  }

  /** The forms precision `auto` measures on `backend` (`undefined`: the request names one file, nothing to choose). */
  async forms(request: LoadRequest, signal: AbortSignal, backend: Backend): Promise<FileChoice[] | undefined> {
    const source = request.source;
    if (source.kind !== 'manifest' || (source.precision ?? 'auto') !== 'auto') return undefined;
    let forms: FileChoice[] = [];
    await this.resolve(request, signal, (entry) => {
      forms = autoForms(entry, backend);
      return chooseFile(entry, source.manifest, forms[0]!, backend);
    }).catch((error: unknown) => {
      throw explain(error, request.id);
    });
    return forms;
  }

  /**
   * The verified bytes of the profile the manifest entry names (cached like a model, under `<id>.profile`), or
   * undefined when the entry names none. Throws when it cannot be fetched or verified.
   */
  async profile(request: LoadRequest, signal: AbortSignal): Promise<Uint8Array | undefined> {
    const source = request.source;
    if (source.kind !== 'manifest') return undefined;
    let named: ReturnType<typeof profileFileOf>;
    await this.resolve(request, signal, (entry) => {
      named = profileFileOf(entry, source.manifest);
      if (named) checkOrigin(named.url, this.config.allowedOrigins, `the profile of model "${entry.id}" in the manifest is on`);
      return named ?? chooseFile(entry, source.manifest, 'fp32', 'wasm'); // a cached profile needs no request
    });
    return named && (await this.loader.get(named, signal, () => undefined)).bytes;
  }

  private async fetchFor(request: LoadRequest, signal: AbortSignal, emit: (e: LoadEvent) => void, backend: Backend, form?: FileChoice): Promise<Sourced> {
    const { source, id } = request;
    try {
      if (source.kind === 'bytes') {
        const bytes = new Uint8Array(source.bytes);
        return { bytes, source: 'bytes', cached: false, version: undefined, sha256: await sha256Hex(bytes) };
      }
      if (source.kind === 'url' && source.sha256 === undefined) {
        const plain = await this.loader.plain(id, source.url, signal, emit);
        return { ...plain, version: source.version, sha256: await sha256Hex(plain.bytes) };
      }
      if (source.kind === 'url') {
        const version = source.version ?? `sha256-${source.sha256!.slice(0, 16)}`;
        const file = { id, version, url: source.url, sha256: source.sha256!, ...(source.size ? { bytes: source.size } : {}) };
        return { ...(await this.loader.get(file, signal, emit)), version, sha256: file.sha256 };
      }
      // The manifest's own URL was checked by the runtime; the files it names are checked here.
      const allowed = this.config.allowedOrigins;
      const pick = (entry: ManifestModel) => {
        const file = chooseFile(entry, source.manifest, form ?? source.precision ?? 'auto', backend);
        checkOrigin(file.url, allowed, `model "${entry.id}" in the manifest is on`);
        return file;
      };
      const { file, stale, rolledBack } = await this.resolve(request, signal, pick);
      const fetched = await this.loader.get(file, signal, emit);
      // Check for a newer version in the background, unless the browser knows it is offline.
      if (stale && fetched.source === 'cache' && globalThis.navigator?.onLine !== false) {
        const unit = request.unitId ?? (await this.install.get());
        void this.resolver.refresh(source.manifest, file, pick, emit, unit, rolledBack);
      }
      return { ...fetched, version: file.version, sha256: file.sha256 };
    } catch (error) {
      throw explain(error, id);
    }
  }

  /** Marks a model version as backing a live session, so eviction passes over it. */
  hold(id: string, version: string | undefined): () => void {
    if (version === undefined) return () => undefined;
    const key = keyOf({ id, version });
    this.loader.inUse.add(key);
    return () => this.loader.inUse.delete(key);
  }

  list(): Promise<CachedModelInfo[]> {
    return storageCall('storage.list()', async () => (await this.store.list()).map(publicInfo));
  }

  usage(): Promise<StorageUsage> {
    return storageCall('storage.usage()', async () => {
      const bytes = (await this.store.list()).reduce((sum, m) => sum + m.stored, 0);
      const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
      const known = estimate?.usage !== undefined && estimate.quota !== undefined;
      return { bytes, limit: this.config.maxBytes, estimate: known ? { usage: estimate.usage!, quota: estimate.quota! } : undefined };
    });
  }

  delete(id: string): Promise<number> {
    return storageCall('storage.delete()', async () => {
      const versions = (await this.store.list()).filter((m) => m.id === id);
      for (const meta of versions) await this.store.delete(meta);
      return versions.length;
    });
  }

  clear(): Promise<void> {
    return storageCall('storage.clear()', () => this.store.clear());
  }
}

/** Runs a storage API call; IndexedDB failures (unavailable, blocked, broken) become `storage-failed`. */
async function storageCall<T>(call: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof EdgeInferError) throw error;
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    throw new EdgeInferError('storage-failed', `${call}: the model cache in IndexedDB is not usable here (${String(name ?? 'Error')}: ${message})`, {
      call, ...(typeof name === 'string' ? { name } : {}),
    }, { cause: error });
  }
}

/** Names the model in the error, and tells "offline with nothing cached" apart from other fetch failures. */
function explain(error: unknown, id: string): unknown {
  if (!(error instanceof EdgeInferError)) return error;
  const offline = error.code === 'model-fetch-failed' && (globalThis.navigator?.onLine === false || error.details.offline === true);
  if (offline) {
    return new EdgeInferError('model-unavailable-offline', `model "${id}" is not cached and the browser is offline: ${error.message}`, {
      ...error.details, model: id,
    }, { cause: error });
  }
  return error.details.model ? error : new EdgeInferError(error.code, error.message, { ...error.details, model: id }, { cause: error.cause });
}
