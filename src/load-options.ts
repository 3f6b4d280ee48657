import { EdgeInferError, shown } from './errors.js';
import { BACKEND_LIST, isBackend, type Backend } from './backends.js';
import type { ResolvedRuntimeOptions } from './options.js';
import type { ServingOptions } from './serving/options.js';
import { isSha256Hex } from './store/integrity.js';
import { MAX_MODEL_BYTES, type Precision } from './store/manifest.js';
import type { LoadEvent, LoadRequest } from './rpc/protocol.js';

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
  /** Pin a version instead of following the manifest's current one. */
  version?: string;
  /**
   * Which file of a manifest model to load: `'fp32'`, `'int8'` (the variant made for the backend in use), or
   * `'auto'`: the int8 variant the manifest recommends for that backend, else fp32.
   * @defaultValue `'auto'`
   */
  precision?: Precision;
  /** Force one backend; loading fails with `backend-unavailable` if it cannot run the model. */
  backend?: Backend;
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
  const backends = options.backend ? [options.backend] : runtime.backends;

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
    return { request: { id: source, source: kind, backends }, moved: [] };
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
    return { request: { id: source.id ?? source.url, source: kind, backends }, moved: [] };
  }
  if ('bytes' in source && (source.bytes instanceof ArrayBuffer || source.bytes instanceof Uint8Array)) {
    if (isDetached(source.bytes)) throw invalid('bytes are detached (moved to another thread or worker); pass a buffer you still own');
    // Copy so the caller's buffer stays usable, then move the copy.
    const bytes = (source.bytes instanceof Uint8Array ? source.bytes : new Uint8Array(source.bytes)).slice().buffer;
    return { request: { id: source.id ?? anonymousId(), source: { kind: 'bytes', bytes }, backends }, moved: [bytes] };
  }
  throw invalid('expected a model id, { url: string } or { bytes: ArrayBuffer | Uint8Array }');
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
