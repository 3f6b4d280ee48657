// GPU adapter facts for setDevice(), read on the main thread when the worker does not report them.
export interface GpuInfo {
  gpuVendor: string | undefined;
  gpuArchitecture: string | undefined;
}

/** `GPUAdapterInfo.vendor` and `.architecture` (empty strings become undefined); both undefined without WebGPU. */
export async function gpuInfo(gpu: unknown = (globalThis.navigator as { gpu?: unknown } | undefined)?.gpu): Promise<GpuInfo> {
  try {
    const adapter = await (gpu as { requestAdapter?: () => Promise<{ info?: { vendor?: string; architecture?: string } } | null> } | undefined)?.requestAdapter?.();
    const info = adapter?.info;
    return { gpuVendor: info?.vendor || undefined, gpuArchitecture: info?.architecture || undefined };
  } catch {
    return { gpuVendor: undefined, gpuArchitecture: undefined };
  }
}
