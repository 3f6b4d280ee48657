// Turns what a load reply says into telemetry records, keeping attribute values few and fixed.
import type { Backend } from '../options.js';
import type { BackendChoice } from '../rpc/protocol.js';
import type { GpuAdapterFacts } from '../worker/backend.js';
import type { LoadedModelRef, Telemetry } from './telemetry.js';

type Loaded = LoadedModelRef & { loadMs: number; backendChoice: BackendChoice };

export function reportLoad(telemetry: Telemetry, model: Loaded, gpu: GpuAdapterFacts | undefined): void {
  if (!telemetry.enabled) return;
  telemetry.recordLoad(model, model.loadMs);
  telemetry.setDevice({ backend: model.backend, gpuVendor: gpu?.vendor, gpuArchitecture: gpu?.architecture });
  for (const { from, reason } of passedOver(model.backendChoice)) telemetry.recordFallback(model, from, reason);
}

/** Each backend the model does not run on, with one short, fixed reason: why it was not usable, or `slower`. */
export function passedOver(choice: BackendChoice): { from: Backend; reason: string }[] {
  return choice.candidates
    .filter((c) => c.backend !== choice.chosen)
    .map((c) => ({ from: c.backend, reason: c.reason === undefined ? 'slower' : shortReason(c.reason) }));
}

function shortReason(detail: string): string {
  if (/software one/.test(detail)) return 'software-adapter';
  if (/navigator\.ml is missing/.test(detail)) return 'no-webnn';
  if (/navigator\.gpu is missing/.test(detail)) return 'no-webgpu';
  if (/returned no adapter/.test(detail)) return 'no-adapter';
  if (/requestAdapter\(\) failed/.test(detail)) return 'adapter-failed';
  if (/session creation failed/.test(detail)) return 'session-failed';
  if (/^probe (failed|skipped)/.test(detail)) return 'probe-failed';
  return 'other';
}
