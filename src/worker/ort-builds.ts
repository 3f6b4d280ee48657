// onnxruntime-web ships one build per kind of device. Each bundle carries its own copy of onnxruntime-web (its own
// `env`, `Tensor` and WebAssembly instance), so one worker can hold sessions of two builds side by side: models on
// WASM never pay the asyncify build's per-operator cost, whatever other models on the page run on.
import type { Backend } from '../backends.js';

export type Ort = typeof import('onnxruntime-web/wasm');

/** `wasm`: CPU only, the fastest on WASM. `jspi`: WebGPU/WebNN where the browser has JSPI. `asyncify`: WebGPU/WebNN elsewhere. */
export type BuildName = 'wasm' | 'jspi' | 'asyncify';

/** The .wasm each build fetches (bundlers may add a content hash to the name). */
export const BUILD_FILES: Readonly<Record<BuildName, string>> = Object.freeze({
  wasm: 'ort-wasm-simd-threaded.wasm',
  jspi: 'ort-wasm-simd-threaded.jspi.wasm',
  asyncify: 'ort-wasm-simd-threaded.asyncify.wasm',
});

/** Whether this browser has JSPI (WebAssembly.Suspending), which the jspi build needs. */
export function hasJspi(): boolean {
  return typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';
}

/** The cheapest build that runs `backend` here. */
export function buildFor(backend: Backend, jspi = hasJspi()): BuildName {
  if (backend === 'wasm') return 'wasm';
  return jspi ? 'jspi' : 'asyncify';
}

const loaders: Record<BuildName, () => Promise<Ort>> = {
  wasm: () => import('onnxruntime-web/wasm'),
  jspi: () => import('onnxruntime-web/jspi'),
  asyncify: () => import('onnxruntime-web/webgpu'),
};

export interface BuildConfig {
  /** Absolute URL prefix of the .wasm files, when the app serves them itself. */
  wasmPaths?: string;
  numThreads: number;
}

const modules = new Map<BuildName, Promise<Ort>>();

/** Imports a build once per worker and sets its `env` from the runtime's options. */
export function importBuild(build: BuildName, config: BuildConfig): Promise<Ort> {
  let module = modules.get(build);
  if (!module) {
    module = loaders[build]().then((ort) => {
      if (config.wasmPaths) ort.env.wasm.wasmPaths = { wasm: new URL(BUILD_FILES[build], config.wasmPaths).href };
      ort.env.wasm.proxy = false; // this worker replaces onnxruntime-web's own proxy worker
      if (config.numThreads > 0) ort.env.wasm.numThreads = config.numThreads;
      return ort;
    });
    modules.set(build, module);
    module.catch(() => modules.delete(build));
  }
  return module;
}
