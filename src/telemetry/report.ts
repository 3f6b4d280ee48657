// Turns what a load reply says into telemetry records, keeping attribute values few and fixed.
import type { Backend } from '../options.js';
import type { GpuAdapterFacts } from '../worker/backend.js';
import type { LoadedModelRef, Telemetry } from './telemetry.js';

export function reportLoad(telemetry: Telemetry, model: LoadedModelRef & { loadMs: number; fallbackReason: string | undefined }, gpu: GpuAdapterFacts | undefined): void {
  if (!telemetry.enabled) return;
  telemetry.recordLoad(model, model.loadMs);
  telemetry.setDevice({ backend: model.backend, gpuVendor: gpu?.vendor, gpuArchitecture: gpu?.architecture });
  for (const { from, reason } of fallbacks(model.fallbackReason)) telemetry.recordFallback(model, from, reason);
}

/** `"webgpu: navigator.gpu.requestAdapter() returned no adapter; wasm: …"` → one short, fixed reason per backend. */
export function fallbacks(text: string | undefined): { from: Backend; reason: string }[] {
  if (!text) return [];
  const parts = text.split(/(?:^|; )(webgpu|wasm): /).slice(1);
  const out: { from: Backend; reason: string }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push({ from: parts[i] as Backend, reason: shortReason(parts[i + 1]!) });
  return out;
}

function shortReason(detail: string): string {
  if (/navigator\.gpu is missing/.test(detail)) return 'no-webgpu';
  if (/returned no adapter/.test(detail)) return 'no-adapter';
  if (/requestAdapter\(\) failed/.test(detail)) return 'adapter-failed';
  if (/session creation failed/.test(detail)) return 'session-failed';
  return 'other';
}
