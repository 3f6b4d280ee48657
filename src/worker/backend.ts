import type { Backend } from '../options.js';

export type Availability = { ok: true } | { ok: false; reason: string };

let webgpu: Promise<Availability> | undefined;

/** `'gpu' in navigator` proves nothing: only an adapter from requestAdapter() does. Asked once per worker. */
export function webgpuAvailability(): Promise<Availability> {
  webgpu ??= probeWebGpu();
  return webgpu;
}

async function probeWebGpu(): Promise<Availability> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (WebGPU unsupported or disabled in this browser)' };
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? { ok: true } : { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  } catch (error) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed: ${String(error)}` };
  }
}

export function availability(backend: Backend): Promise<Availability> {
  return backend === 'webgpu' ? webgpuAvailability() : Promise.resolve({ ok: true });
}
