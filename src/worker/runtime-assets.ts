// onnxruntime-web's .wasm (14-27 MB per build): fetched once with progress, kept in IndexedDB, and served from there
// on the next start, so a page that opens offline still starts the runtime. onnxruntime-web computes the file's URL
// inside its own bundle (where bundlers rewrite it), so the worker learns the URL from the request itself: while a
// build starts, this worker's `fetch` answers requests for that build's file.
import { delMany, get, keys, set } from 'idb-keyval';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { LoadEvent } from '../rpc/protocol.js';
import { openStore } from '../store/db.js';
import { sha256Hex } from '../store/integrity.js';
import { importBuild, type BuildConfig, type BuildName, type Ort } from './ort-builds.js';

/** Any build's file, hashed or not: starts run one at a time, so the file asked for is the starting build's. */
const RUNTIME_FILE = /ort-wasm-simd-threaded[^/]*\.wasm$/;
/** A 105-byte Identity model: creating its session makes onnxruntime-web fetch and compile its .wasm. */
const STARTER = 'CAgSEWVkZ2UtaW5mZXItbW9kZWxzGgUxLjAuMCgBMgA6QQoTCgF4EgF5GgF5IghJZGVudGl0eRIIaWRlbnRpdHlaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR';

interface Kept {
  url: string;
  sha256: string;
  bytes: ArrayBuffer;
}

type Emit = (event: LoadEvent) => void;

/** Starts each onnxruntime-web build's WebAssembly once per worker; concurrent callers share the start. */
export class RuntimeAssets {
  private readonly started = new Map<BuildName, Promise<Ort>>();
  /** Starts run one at a time: each swaps this worker's `fetch` while it runs. */
  private queue: Promise<unknown> = Promise.resolve();
  private emit: Emit = () => undefined;

  constructor(private readonly dbName: string, private readonly config: BuildConfig) {}

  /** Resolves with the build once it can create sessions; `emit` gets `runtime` progress events. */
  prepare(build: BuildName, emit: Emit): Promise<Ort> {
    this.emit = emit;
    let started = this.started.get(build);
    if (!started) {
      started = this.queue.then(() => this.start(build));
      this.queue = started.catch(() => undefined);
      this.started.set(build, started);
    }
    return started;
  }

  private async start(build: BuildName): Promise<Ort> {
    const ort = await importBuild(build, this.config).catch((error: unknown) => {
      throw toEdgeInferError(error, 'runtime-assets-unavailable', `onnxruntime-web's ${build} build could not be imported`);
    });
    const store = openStore(`${this.dbName}-runtime`, 'files');
    const key = `onnxruntime-web@${ort.env.versions.web ?? ort.env.versions.common}/${build}`;
    const kept = await get<Kept>(key, store).catch(() => undefined);
    const native = globalThis.fetch;
    let failure: EdgeInferError | undefined;
    globalThis.fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!RUNTIME_FILE.test(new URL(url, location.href).pathname)) return native(input, init);
      try {
        const bytes = (await fromKept(kept, url, this.emit)) ?? (await this.download(native, url, key, store));
        return new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } });
      } catch (error) {
        failure = toEdgeInferError(error, 'runtime-assets-unavailable', `onnxruntime-web's ${url} could not be fetched`);
        throw failure;
      }
    };
    try {
      const session = await ort.InferenceSession.create(Uint8Array.from(atob(STARTER), (c) => c.charCodeAt(0)), { executionProviders: ['wasm'] });
      await session.release();
      return ort;
    } catch (error) {
      throw failure ?? toEdgeInferError(error, 'runtime-assets-unavailable', 'onnxruntime-web failed to start');
    } finally {
      globalThis.fetch = native;
    }
  }

  private async download(native: typeof fetch, url: string, key: string, store: ReturnType<typeof openStore>): Promise<ArrayBuffer> {
    const response = await native(url, { credentials: 'same-origin' }).catch((error: unknown) => {
      throw new EdgeInferError('runtime-assets-unavailable', `fetching onnxruntime-web's ${url} failed: ${String(error)}`, { url });
    });
    const type = response.headers.get('Content-Type') ?? 'none';
    if (!response.ok || !response.body || type.includes('text/html')) {
      await response.body?.cancel();
      throw new EdgeInferError('runtime-assets-unavailable', `onnxruntime-web's ${url} answered HTTP ${response.status} with content-type ${type}; ` +
        'expected application/wasm (serve the file there, or point wasmPaths at it)', { url, status: response.status, contentType: type });
    }
    const total = Number(response.headers.get('Content-Length')) || undefined;
    const parts: Uint8Array[] = [];
    let loaded = 0;
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      parts.push(read.value);
      loaded += read.value.byteLength;
      this.emit({ type: 'runtime', url, loaded, total, cached: false });
    }
    const bytes = new Uint8Array(loaded);
    let offset = 0;
    for (const part of parts) bytes.set(part, (offset += part.byteLength) - part.byteLength);
    if (!isWasm(bytes)) {
      throw new EdgeInferError('runtime-assets-unavailable', `onnxruntime-web's ${url} (content-type ${type}) is not WebAssembly: it does not start with 00 61 73 6d`, { url, contentType: type });
    }
    await set(key, { url, sha256: await sha256Hex(bytes), bytes: bytes.buffer } satisfies Kept, store).catch(() => undefined); // uncached, still usable
    await dropOtherVersions(key, store);
    return bytes.buffer;
  }
}

/** Files of other onnxruntime-web versions (kept before an update) are never read again: free their space. */
async function dropOtherVersions(key: string, store: ReturnType<typeof openStore>): Promise<void> {
  const version = key.slice(0, key.indexOf('/') + 1);
  const stale = (await keys(store).catch(() => [])).filter((k) => typeof k === 'string' && !k.startsWith(version));
  if (stale.length > 0) await delMany(stale, store).catch(() => undefined);
}

/** The kept copy, if it is whole: a copy damaged in storage is ignored and fetched again. */
async function fromKept(kept: Kept | undefined, url: string, emit: Emit): Promise<ArrayBuffer | undefined> {
  if (!kept || !(kept.bytes instanceof ArrayBuffer) || !isWasm(new Uint8Array(kept.bytes))) return undefined;
  if ((await sha256Hex(new Uint8Array(kept.bytes))) !== kept.sha256) return undefined;
  emit({ type: 'runtime', url, loaded: kept.bytes.byteLength, total: kept.bytes.byteLength, cached: true });
  return kept.bytes;
}

function isWasm(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}
