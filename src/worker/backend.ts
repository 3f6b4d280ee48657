import type { Backend } from '../backends.js';

export type Availability = { ok: true; gpu?: GpuAdapterFacts } | { ok: false; reason: string };

/** What the WebGPU adapter says about itself (empty strings dropped), for device context in telemetry. */
export interface GpuAdapterFacts {
  vendor?: string;
  architecture?: string;
  /** A software rasterizer (SwiftShader, llvmpipe, WARP): correct, but far slower than WASM. */
  software?: boolean;
}

/** Architectures of software WebGPU adapters, for browsers that do not set `isFallbackAdapter`. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;

let webgpu: Promise<Availability> | undefined;

/** `'gpu' in navigator` proves nothing: only an adapter from requestAdapter() does. Asked once per worker. */
export function webgpuAvailability(): Promise<Availability> {
  webgpu ??= probeWebGpu();
  return webgpu;
}

async function probeWebGpu(): Promise<Availability> {
  type Info = { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  type Adapter = { info?: Info; isFallbackAdapter?: boolean };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (WebGPU unsupported or disabled in this browser)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
    const { vendor, architecture, description } = adapter.info ?? {};
    const software = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true
      || SOFTWARE.test(`${vendor ?? ''} ${architecture ?? ''} ${description ?? ''}`);
    return { ok: true, gpu: { ...(vendor ? { vendor } : {}), ...(architecture ? { architecture } : {}), ...(software ? { software } : {}) } };
  } catch (error) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed: ${String(error)}` };
  }
}

/** Whether `backend` can run here at all. With `measured` (the `auto` choice), a software WebGPU adapter is ruled out. */
export async function availability(backend: Backend, measured = false): Promise<Availability> {
  if (backend === 'wasm') return { ok: true };
  if (backend === 'webnn') {
    const ml = (navigator as Navigator & { ml?: unknown }).ml;
    return ml ? { ok: true } : { ok: false, reason: 'navigator.ml is missing (WebNN unsupported or disabled in this browser)' };
  }
  const found = await webgpuAvailability();
  if (measured && found.ok && found.gpu?.software) {
    const name = found.gpu.architecture || found.gpu.vendor || 'fallback adapter';
    return { ok: false, reason: `the WebGPU adapter is a software one (${name}): slower than WASM, so auto never chooses it` };
  }
  return found;
}
