import { EdgeInferError, shown } from './errors.js';
import { BACKEND_LIST, isBackend, type Backend } from './backends.js';
import type { ResolvedRuntimeOptions } from './options.js';
import type { ServingOptions } from './serving/options.js';
import { isSha256Hex } from './store/integrity.js';
import { MAX_MODEL_BYTES, type Precision } from './store/manifest.js';
import type { LoadEvent, LoadRequest } from './rpc/protocol.js';
import { DTYPES, isTypedArray, type Tensor } from './tensor.js';
import { checkMonitor, type MonitorOptions } from './monitor/options.js';
import { checkProcessors, type Processors } from './processors/spec.js';
import { checkUnitId } from './store/rollout.js';

/** A model to load: a URL (cached and verified when `sha256` is given), or its bytes. */
export type LoadSource =
  | {
      url: string;
      /** Expected SHA-256 (hex). With it the bytes are verified and cached in IndexedDB; without it neither. */
      sha256?: string;
      /** Size in bytes, if known: sizes the download buffer and the storage check up front. */
      size?: number;
      /** Name used in errors, telemetry and the cache. @defaultValue the URL */
      id?: string;
      /** Version label in the cache. @defaultValue derived from sha256 */
      version?: string;
    }
  | {
      bytes: ArrayBuffer | Uint8Array;
      /** @defaultValue `model-<n>` */
      id?: string;
    };

/** Load options; the serving fields (`cache`, `batching`, `stateful`) are documented on `ServingOptions`. */
export interface LoadOptions extends ServingOptions {
  /** Manifest to look the id up in (for `load('<id>')`). @defaultValue the runtime's `manifest` option */
  manifest?: string;
  /** Pin a version instead of following the manifest's current one (or its rollout). */
  version?: string;
  /**
   * The rollout unit for a manifest `rollout` (loads by id only): an id the app chooses (e.g. an account id) so a
   * unit gets the same version on every device. At most 256 characters.
   * @defaultValue a random install id the SDK keeps in IndexedDB
   */
  unitId?: string;
  /**
   * Which file of a manifest model to load: `'fp32'`, `'int8'` (the variant made for the backend in use), or
   * `'auto'`: the int8 variant the manifest recommends for that backend, else fp32.
   * @defaultValue `'auto'`
   */
  precision?: Precision;
  /** Force one backend; loading fails with `backend-unavailable` if it cannot run the model. */
  backend?: Backend;
  /**
   * Run one inference before `load()` resolves, so the app's first call is not the slow one (the first run of a
   * session compiles kernels and sizes buffers). A backend chosen by `auto` has already run while it was measured.
   * @defaultValue `true` when the runtime's `backends` is `'auto'` and no `backend` is forced, else `false`
   */
  warmup?: boolean;
  /**
   * Inputs for the warm-up and `auto`'s timed runs, e.g. `{ sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) }, ... }`
   * for a model that rejects made-up values. Without them, inputs are made from the signature: free dims 1, floats
   * from a seeded generator in [0, 1), integers 0.
   * @defaultValue made from the signature
   */
  probeFeeds?: Record<string, Tensor>;
  /** Drift monitoring and outcome tracking (see `MonitorOptions`); off unless given. */
  monitor?: MonitorOptions;
  /**
   * What `model.predict()` does before and after the model: an image pre-processor and a classes or values
   * post-processor (see "Processors" in the README). Wins over the manifest entry's `pre` and `post`.
   */
  processors?: Processors;
  /** Aborts the load; chunks already stored are kept, so the next load resumes. */
  signal?: AbortSignal;
  /** Progress events: `runtime` (the first load of a worker), `download` (repeated), `verify`, `cached`, `ready`, and `warning`. */
  onProgress?: (event: LoadEvent) => void;
}

/** Checks what the app passed to `load()` and turns it into a worker request (minus the request id). */
export function toLoadRequest(
  source: string | LoadSource,
  options: LoadOptions,
  runtime: ResolvedRuntimeOptions,
  base: string,
  anonymousId: () => string,
): { request: Omit<LoadRequest, 'requestId'>; moved: ArrayBuffer[] } {
  const invalid = (what: string) => new EdgeInferError('options-invalid', `load(): ${what}`);
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  if (options.backend !== undefined && !isBackend(options.backend)) throw invalid(`backend must be ${BACKEND_LIST}, got ${shown(options.backend)}`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw invalid('signal must be an AbortSignal');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw invalid('onProgress must be a function');
  if (options.version !== undefined && (typeof options.version !== 'string' || options.version === '')) throw invalid('version must be a non-empty string');
  if (options.precision !== undefined && !['auto', 'fp32', 'int8'].includes(options.precision)) {
    throw invalid(`precision must be 'auto', 'fp32' or 'int8', got ${shown(options.precision)}`);
  }
  if (options.warmup !== undefined && typeof options.warmup !== 'boolean') throw invalid(`warmup must be a boolean, got ${shown(options.warmup)}`);
  const unitId = options.unitId === undefined ? undefined : checkUnitId(options.unitId);
  const backends = options.backend ? [options.backend] : runtime.backends;
  const feeds = options.probeFeeds === undefined ? undefined : checkProbeFeeds(options.probeFeeds, invalid);
  const monitor = options.monitor === undefined ? undefined : checkMonitor(options.monitor, typeof source === 'string').request;
  const processors = options.processors === undefined ? undefined : checkProcessors(options.processors, 'processors', (what) => {
    throw invalid(what);
  });
  const choice = {
    backends,
    probe: { ...runtime.backendProbe, ...(feeds ? { feeds } : {}) },
    warmup: options.warmup ?? backends === 'auto',
    ...(monitor ? { monitor } : {}),
    ...(processors ? { processors } : {}),
  };

  if (typeof source === 'string') {
    if (source === '') throw invalid('the model id is empty');
    const manifest = options.manifest ?? runtime.manifest;
    if (!manifest) throw invalid(`loading "${source}" by id needs a manifest: pass { manifest: '/models/manifest.json' } or set it in createRuntime()`);
    const kind = {
      kind: 'manifest' as const,
      manifest: modelUrl(manifest, base, 'manifest'),
      ...(options.version ? { version: options.version } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
    };
    return { request: { id: source, source: kind, ...choice, ...(unitId ? { unitId } : {}) }, moved: [] };
  }
  if (typeof source !== 'object' || source === null) throw invalid(`expected a model id, { url } or { bytes }, got ${source === null ? 'null' : typeof source}`);
  for (const key of ['id', 'version'] as const) {
    const value = (source as { id?: unknown; version?: unknown })[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw invalid(`${key} must be a non-empty string, got ${shown(value)}`);
  }
  if ('url' in source) {
    if (typeof source.url !== 'string' || source.url === '') throw invalid('url must be a non-empty string');
    if (source.sha256 !== undefined && !isSha256Hex(source.sha256)) throw invalid('sha256 must be 64 lower-case hex digits');
    if (source.size !== undefined && (!Number.isSafeInteger(source.size) || source.size <= 0 || source.size > MAX_MODEL_BYTES)) {
      throw invalid(`size must be a positive integer of at most ${MAX_MODEL_BYTES} bytes (2 GiB, the largest ONNX file without external data), got ${shown(source.size)}`);
    }
    const url = modelUrl(source.url, base, 'url');
    const kind = { kind: 'url' as const, url, ...pick(source, ['sha256', 'size']), ...(options.version ?? source.version ? { version: options.version ?? source.version } : {}) };
    return { request: { id: source.id ?? source.url, source: kind, ...choice }, moved: [] };
  }
  if ('bytes' in source && (source.bytes instanceof ArrayBuffer || source.bytes instanceof Uint8Array)) {
    if (isDetached(source.bytes)) throw invalid('bytes are detached (moved to another thread or worker); pass a buffer you still own');
    // Copy so the caller's buffer stays usable, then move the copy.
    const bytes = (source.bytes instanceof Uint8Array ? source.bytes : new Uint8Array(source.bytes)).slice().buffer;
    return { request: { id: source.id ?? anonymousId(), source: { kind: 'bytes', bytes }, ...choice }, moved: [bytes] };
  }
  throw invalid('expected a model id, { url: string } or { bytes: ArrayBuffer | Uint8Array }');
}

/** `{ name: { dtype, dims, data } }` with data of the dtype's array type and as many elements as the dims say. */
function checkProbeFeeds(feeds: unknown, invalid: (what: string) => EdgeInferError): Record<string, Tensor> {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) throw invalid(`probeFeeds must be an object of { dtype, dims, data } by input name, got ${shown(feeds)}`);
  const out: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(feeds)) {
    const t = value as Partial<Tensor> | null;
    const expected = `probeFeeds.${name} must be { dtype, dims, data }`;
    if (typeof t !== 'object' || t === null || typeof t.dtype !== 'string' || !Object.hasOwn(DTYPES, t.dtype)) throw invalid(`${expected} with a known dtype, got ${shown(t?.dtype)}`);
    if (!Array.isArray(t.dims) || !t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw invalid(`${expected} with dims an array of integers >= 0`);
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (!isTypedArray(t.data) || t.data.constructor.name !== DTYPES[t.dtype] || t.data.length !== size) {
      throw invalid(`${expected} with data a ${DTYPES[t.dtype]} of ${size} elements`);
    }
    Object.defineProperty(out, name, { value: { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() }, enumerable: true });
  }
  return out;
}

/** Resolves a model or manifest URL; only http(s) and blob: URLs can carry a model. */
function modelUrl(value: string, base: string, what: 'url' | 'manifest'): string {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new EdgeInferError('options-invalid', `load(): ${what} ${shown(value)} is not a valid URL`);
  }
  if (!['http:', 'https:', 'blob:'].includes(url.protocol)) {
    throw new EdgeInferError('options-invalid', `load(): ${what} must be an http(s) or blob: URL, got a ${url.protocol} URL`);
  }
  return url.href;
}

function isDetached(bytes: ArrayBuffer | Uint8Array): boolean {
  const buffer = bytes instanceof Uint8Array ? bytes.buffer : bytes;
  return buffer instanceof ArrayBuffer && (buffer as ArrayBuffer & { detached?: boolean }).detached === true;
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
