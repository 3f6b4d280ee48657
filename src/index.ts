export { createRuntime, Runtime, type LoadSource } from './runtime.js';
export { Model, type RunOptions, type RunResult } from './model.js';
export { EdgeInferError, isEdgeInferError, type ErrorCode } from './errors.js';
export { DEFAULTS, type Backend, type RuntimeOptions } from './options.js';
export type { Dtype, Feeds, Tensor, TensorInput, TypedArray, ValueInfo } from './tensor.js';
export type { WorkerEnv } from './worker/protocol.js';
