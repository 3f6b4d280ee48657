export { createRuntime, Runtime, type RuntimeStorage } from './runtime.js';
export type { LoadOptions, LoadSource } from './load-options.js';
export { Model, type RunOptions, type RunResult } from './model.js';
export { EdgeInferError, isEdgeInferError, type ErrorCode } from './errors.js';
export { DEFAULTS, type Backend, type RuntimeOptions, type StorageOptions } from './options.js';
export type { CachedModelInfo } from './store/store.js';
export type { Dtype, Feeds, Tensor, TensorInput, TypedArray, ValueInfo } from './tensor.js';
export type { LoadEvent, LoadSourceKind, StorageUsage, WorkerEnv } from './worker/protocol.js';
