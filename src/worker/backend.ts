import type { Backend } from '../options.js';

export type Availability = { ok: true; gpu?: GpuAdapterFacts } | { ok: false; reason: string };

/** What the WebGPU adapter says about itself (empty strings dropped), for device context in telemetry. */
export interface GpuAdapterFacts {
  vendor?: string;
  architecture?: string;
}

let webgpu: Promise<Availability> | undefined;

/** `'gpu' in navigator` proves nothing: only an adapter from requestAdapter() does. Asked once per worker. */
export function webgpuAvailability(): Promise<Availability> {
  webgpu ??= probeWebGpu();
  return webgpu;
}

async function probeWebGpu(): Promise<Availability> {
  type Adapter = { info?: { vendor?: string; architecture?: string } };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (WebGPU unsupported or disabled in this browser)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
    const { vendor, architecture } = adapter.info ?? {};
    return { ok: true, gpu: { ...(vendor ? { vendor } : {}), ...(architecture ? { architecture } : {}) } };
  } catch (error) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed: ${String(error)}` };
  }
}

export function availability(backend: Backend): Promise<Availability> {
  return backend === 'webgpu' ? webgpuAvailability() : Promise.resolve({ ok: true });
}
