// The typed contract between the main thread and the worker. Imported with `import type` on both sides.
import type { Backend } from '../options.js';
import type { Tensor, ValueInfo } from '../tensor.js';

export interface InitConfig {
  /** Absolute URL prefix of the onnxruntime-web wasm files. */
  wasmPaths: string;
  numThreads: number;
}

export interface WorkerEnv {
  crossOriginIsolated: boolean;
  /** Threads onnxruntime-web will use for WASM sessions in this worker. */
  numThreads: number;
}

export interface LoadRequest {
  id: string;
  /** Absolute URL to fetch the model from, or the model bytes themselves. */
  source: { url: string } | { bytes: ArrayBuffer };
  /** Backends to try in order. */
  backends: readonly Backend[];
}

export interface LoadReply {
  handle: number;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  backend: Backend;
  /** Why earlier backends in the list were not used; absent when the first one worked. */
  fallbackReason?: string;
  bytes: number;
  loadMs: number;
}

export interface RunReply {
  outputs: Record<string, Tensor>;
  /** Time spent in `session.run`, measured in the worker. */
  inferenceMs: number;
}

export interface WorkerApi {
  init(config: InitConfig): Promise<WorkerEnv>;
  load(request: LoadRequest): Promise<LoadReply>;
  run(handle: number, feeds: Record<string, Tensor>): Promise<RunReply>;
  release(handle: number): Promise<void>;
}
