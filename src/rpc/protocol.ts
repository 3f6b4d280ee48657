// The typed contract between the main thread and the worker. Imported with `import type` on both sides.
import type { SerializedError } from '../errors.js';
import type { Backend } from '../options.js';
import type { Precision } from '../store/manifest.js';
import type { Assignment } from '../store/rollout.js';
import type { GpuAdapterFacts } from '../worker/backend.js';
import type { BuildName } from '../worker/ort-builds.js';
import type { CachedModelInfo } from '../store/store.js';
import type { Tensor, ValueInfo } from '../tensor.js';
import type { Profile } from '../monitor/profile-types.js';
import type { WindowCounts } from '../monitor/window.js';
import type { Prediction, Processors } from '../processors/spec.js';
import type { StreamChunk } from '../worker/stream.js';
import type { ComposedReply } from '../worker/compose.js';
import type { PipelineInput, PipelineReply, StepSpec } from '../worker/pipeline-run.js';
import type { GateReply, GateSpec } from '../worker/pipeline-gate.js';
import type { PredictPayload, PredictRequest } from '../worker/predict.js';
import type { BreachCode, GuardReport } from '../worker/guard.js';
import type { SecondReport, SecondResult } from '../worker/second-run.js';

export interface InitConfig {
  /** Absolute URL prefix of the onnxruntime-web wasm files; absent: next to onnxruntime-web's module. */
  wasmPaths?: string;
  numThreads: number;
  storage: StorageConfig;
}

export interface StorageConfig {
  /** Origins models and manifests may come from (the page's included); undefined: any. */
  allowedOrigins?: readonly string[];
  dbName: string;
  maxBytes: number;
  chunkBytes: number;
  retries: number;
  retryDelayMs: number;
}

export interface WorkerEnv {
  crossOriginIsolated: boolean;
  /** Threads onnxruntime-web will use for WASM sessions in this worker. */
  numThreads: number;
}

export interface LoadRequest {
  /** Lets `abort(requestId)` find this load. */
  requestId: number;
  id: string;
  source:
    | { kind: 'bytes'; bytes: ArrayBuffer }
    /** Without sha256 the bytes cannot be verified, so they are not cached. */
    | { kind: 'url'; url: string; sha256?: string; size?: number; version?: string }
    /** `rollback`: set by the worker when it loads stable instead of a variant (which one, and why). */
    | { kind: 'manifest'; manifest: string; version?: string; precision?: Precision; rollback?: { from: string; reason: string } };
  /** The rollout unit the app chose; absent: the install id. */
  unitId?: string;
  /** Backends to try in order, or `auto`: the fastest measured on this device (see worker/choose.ts). */
  backends: readonly Backend[] | 'auto';
  /** How `auto` measures; ignored for a list. */
  probe: ProbeRequest;
  /** Run one inference before the load resolves, so the first call is not the slow one. */
  warmup: boolean;
  /** Drift monitoring: the profile (given, or `manifest`: the one the manifest entry names) and the window. */
  monitor?: MonitorRequest;
  /** The app's processors for `predict()`; absent: the manifest entry's, if any. */
  processors?: Processors;
}

export interface MonitorRequest {
  profile: Profile | 'manifest';
  windowSize: number;
  sampleRate: number;
}

/** A closed monitoring window of one model, posted by the worker on the run port. */
export interface WindowEvent {
  handle: number;
  window: WindowCounts;
}

/** A rollout event of one model, posted by the worker on the run port: a second run's result, or a rollback. */
export type RolloutEvent = { handle: number; second: SecondResult } | { handle: number; rollback: RollbackNote };

/** A device's rollback from a variant that breached a guardrail. */
export interface RollbackNote {
  from: string;
  to: string;
  code: BreachCode;
  detail: string;
  /**
   * What the model runs now that stable replaced the variant in the same handle; absent when stable could not
   * replace it (it failed to load, or its inputs or outputs differ): then `error` says why, and the next load runs stable.
   */
  swapped?: Pick<LoadReply, 'version' | 'sha256' | 'bytes' | 'source' | 'cached' | 'backend' | 'build' | 'assignment'>;
  error?: string;
}

/** How a model's rollout is doing on this device (worker side). */
export interface RolloutState {
  guard?: GuardReport;
  second?: SecondReport;
}

export interface ProbeRequest {
  budgetMs: number;
  maxAgeMs: number;
  /** Let `auto` measure a software WebGPU adapter too (it is ruled out otherwise). */
  softwareGpu: boolean;
  /** Inputs for probe and warm-up runs; made from the signature when absent. */
  feeds?: Record<string, Tensor>;
}

/** One backend `auto` considered: its median probe run, or why it was not usable. */
export interface BackendCandidate {
  backend: Backend;
  /** The manifest form measured (`int8-dynamic`, `int8-weights`, `fp32`) when precision `auto` had several to compare. */
  variant?: string;
  /** Median of the timed probe runs, in ms (absent when it was the only usable backend, so not timed). */
  ms?: number;
  reason?: string;
}

/** How a model's backend was chosen. */
export interface BackendChoice {
  /** `auto`: measured (or remembered); `listed`: the first of `backends` that worked; `forced`: the `backend` option. */
  mode: 'auto' | 'listed' | 'forced';
  chosen: Backend;
  /** The form chosen, when precision `auto` measured forms (see `BackendCandidate.variant`). */
  variant?: string;
  candidates: BackendCandidate[];
  /** Whether an earlier measurement on this device was reused (no probe ran). */
  cached: boolean;
}

/** Where a load got its bytes: the network, the IndexedDB cache, or the caller (`{ bytes }`). */
export type LoadSourceKind = 'network' | 'cache' | 'bytes';

/**
 * Progress of one load, in order: runtime* (the first load of a worker starts onnxruntime-web: its .wasm, from
 * the network or IndexedDB), download*, verify, cached, ready; warnings may come at any point.
 */
export type LoadEvent =
  | { type: 'runtime'; url: string; loaded: number; total: number | undefined; cached: boolean }
  | { type: 'download'; id: string; loaded: number; total: number | undefined }
  | { type: 'verify'; id: string }
  | { type: 'cached'; id: string; bytes: number }
  | { type: 'ready'; id: string; version: string | undefined; source: LoadSourceKind; cached: boolean; backend: Backend }
  | { type: 'warning'; id: string; code: 'quota-exceeded' | 'storage-failed' | 'cache-corrupt' | 'update-failed' | 'monitor-off' | 'rolled-back' | 'second-off' | 'replica-failed'; message: string };

export interface StorageUsage {
  /** Bytes of model data this runtime keeps in IndexedDB (partial downloads included). */
  bytes: number;
  /** The configured limit (`storage.maxBytes`). */
  limit: number;
  /** What the browser reports for the whole origin, if it does. */
  estimate: { usage: number; quota: number } | undefined;
}

export interface LoadReply {
  handle: number;
  version: string | undefined;
  source: LoadSourceKind;
  /** Whether the verified bytes are now in the IndexedDB cache. */
  cached: boolean;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  backend: Backend;
  /** Why earlier backends in the list were not used; absent when the first one worked. */
  fallbackReason?: string;
  /** The WebGPU adapter's vendor and architecture, when the model runs on WebGPU. */
  gpu?: GpuAdapterFacts;
  backendChoice: BackendChoice;
  /** The onnxruntime-web build the session runs in. */
  build: BuildName;
  bytes: number;
  /** SHA-256 of the model file (hex): verified against the expected one, or computed from the bytes. */
  sha256: string;
  loadMs: number;
  /** The profile the worker monitors the model with, or why it does not (the model then runs unmonitored). */
  monitor?: { profile: Profile; windowSize: number } | { off: string };
  /** For loads by id from a manifest: the version chosen and why. */
  assignment?: Assignment;
  /** What `predict()` runs before and after the model, checked against its signature. */
  processors?: Processors;
  /** Its runs feed a drift monitor or a rollout watch in this worker, so it is not replicated to other workers. */
  tapped?: true;
}

/** An image `predict()` sends to the worker: pixels as they are, or encoded (decoded in the worker). */
export type ImageInput = ImageData | ImageBitmap | Blob;

export interface PredictReply {
  prediction: Prediction;
  inferenceMs: number;
}

export interface RunReply {
  outputs: Record<string, Tensor>;
  /** Time spent in `session.run`, measured in the worker. */
  inferenceMs: number;
  /** Requests that shared the `session.run` (absent or 1 when the run was alone). */
  batchSize?: number;
}

/** One result of `runMany`: errors travel as data, so one failed run does not fail the others. */
export type RunOutcome = { reply: RunReply } | { error: SerializedError };

/** Merge a run with concurrent runs of the same model (see worker/batcher.ts). */
export interface BatchPolicy {
  maxBatch: number;
  maxDelayMs: number;
}

export interface WorkerApi {
  /** Runs travel beside comlink on the same channel (rpc/run-port.ts), as arrays, for speed. */
  init(config: InitConfig): Promise<WorkerEnv>;
  /** Answers as soon as the worker's event loop is free: the liveness check. */
  ping(): Promise<void>;
  /** Starts the onnxruntime-web builds these backends need here (fetching or reading their .wasm); `load` does it implicitly. */
  prepare(backends: readonly Backend[] | 'auto', softwareGpu: boolean, onEvent?: (event: LoadEvent) => void): Promise<BuildName[]>;
  load(request: LoadRequest, onEvent?: (event: LoadEvent) => void): Promise<LoadReply>;
  abort(requestId: number): Promise<void>;
  storageList(): Promise<CachedModelInfo[]>;
  storageUsage(): Promise<StorageUsage>;
  storageDelete(id: string): Promise<number>;
  storageClear(): Promise<void>;
  release(handle: number): Promise<void>;
  rolloutState(handle: number): Promise<RolloutState>;
  predict(handle: number, input: PredictPayload, options: PredictRequest): Promise<PredictReply>;
  streamOpen(handle: number, sampleRate: number): Promise<number>;
  /** Runs a pipeline's steps in order (see worker/pipeline-run.ts). */
  runPipeline(steps: StepSpec[], input: PipelineInput): Promise<PipelineReply>;
  /** A gated pipeline: PCM pushed chunk by chunk through a VAD gate, then the steps after it (worker/pipeline-gate.ts). */
  pipelineOpen(gate: GateSpec, steps: StepSpec[], sampleRate: number): Promise<number>;
  pipelinePush(id: number, pcm: Float32Array): Promise<GateReply>;
  pipelineReset(id: number): Promise<void>;
  pipelineClose(id: number): Promise<void>;
  runEnsemble(handles: number[], feeds: Record<string, Tensor>, combine: 'mean' | 'vote'): Promise<ComposedReply>;
  streamPush(id: number, pcm: Float32Array): Promise<StreamChunk>;
  streamReset(id: number): Promise<void>;
  streamClose(id: number): Promise<void>;
}
