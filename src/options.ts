import { EdgeInferError } from './errors.js';

export type Backend = 'webgpu' | 'wasm';
export const BACKENDS: readonly Backend[] = ['webgpu', 'wasm'];

export interface RuntimeOptions {
  /**
   * Backends to try, in order. A model uses the first one whose session initializes; the reasons the others were
   * skipped are kept on the model (`model.fallbackReason`).
   * @defaultValue `['webgpu', 'wasm']`
   */
  backends?: readonly Backend[];
  /**
   * WASM threads. `0` lets onnxruntime-web choose (up to 4, half the cores). Threads need a cross-origin isolated
   * page (COOP `same-origin` + COEP `require-corp`); without it one thread is used whatever this says.
   * @defaultValue `0`
   */
  numThreads?: number;
  /**
   * URL prefix (ending in `/`) where onnxruntime-web's `ort-wasm-simd-threaded.asyncify.{mjs,wasm}` files are served,
   * resolved against the page's base URL. The SDK never loads them from a CDN.
   * @defaultValue `'ort/'`
   */
  wasmPaths?: string;
  /**
   * Creates the worker. Override it when your bundler or CSP needs the worker built another way; the script must
   * run `edge-infer`'s worker entry.
   * @defaultValue the worker bundled with the SDK
   */
  createWorker?: () => Worker;
}

export interface ResolvedRuntimeOptions {
  readonly backends: readonly Backend[];
  readonly numThreads: number;
  readonly wasmPaths: string;
  readonly createWorker: (() => Worker) | undefined;
}

export const DEFAULTS: Readonly<Omit<ResolvedRuntimeOptions, 'createWorker'>> = Object.freeze({
  backends: Object.freeze(['webgpu', 'wasm'] as Backend[]),
  numThreads: 0,
  wasmPaths: 'ort/',
});

export function resolveOptions(options: unknown = {}): ResolvedRuntimeOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`createRuntime() options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options as RuntimeOptions;
  const backends = o.backends ?? DEFAULTS.backends;
  if (!Array.isArray(backends) || backends.length === 0 || !backends.every(isBackend)) {
    throw invalid(`backends must be a non-empty array of ${BACKENDS.map((b) => `'${b}'`).join(' | ')}`);
  }
  const numThreads = o.numThreads ?? DEFAULTS.numThreads;
  if (!Number.isInteger(numThreads) || numThreads < 0 || numThreads > 64) {
    throw invalid(`numThreads must be an integer from 0 to 64, got ${String(numThreads)}`);
  }
  const wasmPaths = o.wasmPaths ?? DEFAULTS.wasmPaths;
  if (typeof wasmPaths !== 'string' || !wasmPaths.endsWith('/')) {
    throw invalid(`wasmPaths must be a URL prefix ending in '/', got ${JSON.stringify(wasmPaths)}`);
  }
  if (o.createWorker !== undefined && typeof o.createWorker !== 'function') {
    throw invalid('createWorker must be a function returning a Worker');
  }
  return Object.freeze({ backends: Object.freeze([...new Set(backends)]), numThreads, wasmPaths, createWorker: o.createWorker });
}

export function isBackend(value: unknown): value is Backend {
  return (BACKENDS as readonly unknown[]).includes(value);
}

function invalid(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message);
}
