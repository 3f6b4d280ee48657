// The status card: the run's progress bar and current cell, the runtime's download progress on a first visit, and
// the device facts of the last report.
import { createRuntime, type Backend, type LoadEvent } from '../../src/index.js';
import { BACKEND_OF, LAB_DB } from './device.js';
import type { DeviceFacts, LabBackendKey, LabProgress } from './types.js';

const $ = (id: string) => document.getElementById(id)!;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function showProgress(p: LabProgress): void {
  const bar = $('progress') as HTMLProgressElement;
  bar.max = Math.max(1, p.total);
  bar.value = p.done;
  const phase = p.phase === 'load' ? 'loading' : p.phase === 'runs' ? 'timing' : 'held-out quality';
  const got = p.download ? ` (downloading ${mb(p.download.loaded)}${p.download.total ? ` of ${mb(p.download.total)}` : ''})` : '';
  $('progress-text').textContent = `${p.done} of ${p.total} cells · ${p.model}: ${phase} ${p.cell}${got}`;
}

export function showStatus(text: string, finished?: boolean): void {
  $('progress-text').textContent = text;
  if (finished) {
    const bar = $('progress') as HTMLProgressElement;
    bar.value = bar.max;
  }
}

export function showDownloads(text: string): void {
  $('downloads').textContent = text;
}

let prepared: Promise<void> | undefined;

/**
 * Starts onnxruntime-web once per page for the chosen backends, in the lab's IndexedDB (where the engine's runtimes
 * find the files), so a first visit shows the runtime download with its progress, not a long silent first cell.
 * A failure is shown and left to the engine, whose cells then say what failed.
 */
export function prepareRuntime(keys: readonly LabBackendKey[]): Promise<void> {
  prepared ??= (async () => {
    const backends = [...new Set(keys.map((k) => BACKEND_OF[k]))] as Backend[];
    if (backends.length === 0) return;
    const runtime = createRuntime({ backends, cache: false, batching: false, storage: { dbName: LAB_DB }, backendProbe: { softwareGpu: true } });
    const files = new Map<string, { loaded: number; total: number | undefined; cached: boolean }>();
    const onProgress = (e: LoadEvent) => {
      if (e.type !== 'runtime') return;
      files.set(e.url, { loaded: e.loaded, total: e.total, cached: e.cached });
      const all = [...files.values()];
      const fetched = all.filter((f) => !f.cached);
      const loaded = fetched.reduce((n, f) => n + f.loaded, 0);
      const total = fetched.reduce((n, f) => n + (f.total ?? f.loaded), 0);
      showDownloads(fetched.length
        ? `Runtime files: downloading ${mb(loaded)} of ${mb(total)} (kept in IndexedDB for the next visit)`
        : `Runtime files: ${all.length} from IndexedDB`);
    };
    showDownloads('Runtime files: starting onnxruntime-web…');
    try {
      await runtime.prepare({ onProgress });
      const fetched = [...files.values()].filter((f) => !f.cached);
      showDownloads(fetched.length
        ? `Runtime files: ${mb(fetched.reduce((n, f) => n + f.loaded, 0))} downloaded. Models download as their cells load (shown above).`
        : 'Runtime files: from IndexedDB. Models load from the network on their first (cold) load, then from IndexedDB.');
    } catch (error) {
      prepared = undefined; // try again next run
      showDownloads(`Runtime files: ${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`);
    } finally {
      await runtime.dispose().catch(() => undefined);
    }
  })();
  return prepared;
}

export function showDevice(device: DeviceFacts | undefined): void {
  if (!device) {
    $('device').textContent = `${navigator.hardwareConcurrency || '?'} cores · ${crossOriginIsolated ? 'cross-origin isolated (WASM threads)' : 'not cross-origin isolated (WASM on 1 thread)'}`;
    return;
  }
  const gpu = device.webgpu.available
    ? `WebGPU ${[device.webgpu.vendor, device.webgpu.architecture].filter(Boolean).join(' ') || 'adapter'}${device.webgpu.fallback ? ' (software)' : ''}`
    : `no WebGPU (${device.webgpu.reason ?? 'unavailable'})`;
  $('device').textContent = `${device.hardwareConcurrency} cores · ${device.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated'} · WASM N = ${device.wasmThreads} thread${device.wasmThreads === 1 ? '' : 's'} · ${gpu} · WebNN ${device.webnn ? 'present' : 'absent'}`;
}
