// The lab's runtimes, one per backend key (WASM twice: 1 thread and N threads, each in its own worker since the
// thread count is fixed per worker), made on first use, and what the device offers.
import { createRuntime, type Runtime } from '../../src/index.js';
import { availability } from '../../src/worker/backend.js';
import type { DeviceFacts, LabBackend, LabBackendKey } from './types.js';

export const BACKEND_OF: Readonly<Record<LabBackendKey, LabBackend>> = Object.freeze({ webgpu: 'webgpu', webnn: 'webnn', 'wasm-1': 'wasm', 'wasm-n': 'wasm' });

/** The lab's IndexedDB, apart from the app's: clearing it for cold loads never touches another page's models. */
export const LAB_DB = 'edge-infer-lab';

export class LabRuntimes {
  private readonly made = new Map<LabBackendKey, Runtime>();
  private readonly started = new Map<LabBackendKey, Promise<Runtime>>();
  private readonly reasons = new Map<LabBackendKey, Promise<string | undefined>>();

  /** Why `key` cannot run here (asked once), or undefined when it can. */
  unavailable(key: LabBackendKey): Promise<string | undefined> {
    let reason = this.reasons.get(key);
    if (!reason) {
      reason = key === 'wasm-n'
        ? this.threads(key).then((n) => (n > 1 ? undefined : `WASM would run 1 thread here (${oneThread()}): the same as wasm-1`))
        : availability(BACKEND_OF[key]).then((a) => (a.ok ? undefined : a.reason), (e: unknown) => `the backend could not be probed: ${String(e)}`);
      this.reasons.set(key, reason);
    }
    return reason;
  }

  /** The runtime of `key`, made without starting onnxruntime-web. */
  runtime(key: LabBackendKey): Runtime {
    let runtime = this.made.get(key);
    if (!runtime) {
      runtime = createRuntime({
        backends: [BACKEND_OF[key]],
        numThreads: key === 'wasm-1' ? 1 : 0,
        cache: false,
        batching: false,
        storage: { dbName: LAB_DB },
        backendProbe: { softwareGpu: true }, // the lab measures a software adapter too, to show that it is slow
      });
      this.made.set(key, runtime);
    }
    return runtime;
  }

  /** The runtime of `key` with onnxruntime-web started, so a timed load is the model's alone. A failure is kept. */
  ready(key: LabBackendKey): Promise<Runtime> {
    let started = this.started.get(key);
    if (!started) {
      const runtime = this.runtime(key);
      started = runtime.prepare().then(() => runtime);
      started.catch(() => undefined);
      this.started.set(key, started);
    }
    return started;
  }

  /** WASM threads of `key`'s runtime: 1 for wasm-1; for wasm-n what its worker found (1 when not isolated). */
  async threads(key: LabBackendKey): Promise<number> {
    if (key === 'wasm-1') return 1;
    if (key !== 'wasm-n') return 0;
    return (await this.runtime(key).env()).numThreads;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.made.values()].map((r) => r.dispose().catch(() => undefined)));
    this.made.clear();
    this.started.clear();
  }
}

function oneThread(): string {
  if (globalThis.crossOriginIsolated !== true) return 'the page is not cross-origin isolated';
  return `onnxruntime-web uses half the cores, up to 4, and this device reports ${globalThis.navigator?.hardwareConcurrency ?? 1}`;
}

/** What the page runs on: the browser, cores, isolation, WASM threads of wasm-n, the WebGPU adapter, WebNN. */
export async function deviceFacts(runtimes: LabRuntimes): Promise<DeviceFacts> {
  const nav = globalThis.navigator;
  const gpu = await availability('webgpu');
  const wasmThreads = await runtimes.threads('wasm-n').catch(() => 1);
  return {
    userAgent: nav?.userAgent ?? '',
    hardwareConcurrency: nav?.hardwareConcurrency ?? 1,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    wasmThreads,
    webgpu: gpu.ok
      ? { available: true, ...(gpu.gpu?.vendor ? { vendor: gpu.gpu.vendor } : {}), ...(gpu.gpu?.architecture ? { architecture: gpu.gpu.architecture } : {}), fallback: gpu.gpu?.software === true }
      : { available: false, reason: gpu.reason },
    webnn: nav !== undefined && 'ml' in nav,
  };
}
