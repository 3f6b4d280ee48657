export { createRuntime, Runtime, type RuntimeStorage } from './runtime.js';
export type { LoadOptions, LoadSource } from './load-options.js';
export { Model, type PredictInput, type PredictOptions, type PredictResult, type RunOptions, type RunResult } from './model.js';
export type { AudioPre, ClassScore, ClassesPost, ImagePre, ModuleProcessor, Prediction, Processors, TabularPre, ValuesPost } from './processors/spec.js';
export type { PostAnswer, PostModule, PreFeed, PreModule, ProcessorSignature } from './processors/modules.js';
export type { ImageSource, TabularRow } from './serving/predict-input.js';
export type { ModelStream, StreamOptions } from './serving/model-stream.js';
export type {
  ComposedResult, Ensemble, GateFrame, GateStep, JoinStep, ModelStep, Pipeline, PipelineChunk, PipelineItem, PipelineResult,
  PipelineStep, PipelineStepKind, PipelineStream, PipelineValue, PostStep, PreStep, SplitStep,
} from './serving/compose.js';
export type { StreamChunk, StreamEvent, StreamFrame } from './worker/stream.js';
export { EdgeInferError, isEdgeInferError, type ErrorCode, type SerializedError } from './errors.js';
export { DEFAULTS, type Backend, type BackendProbeOptions, type ResolvedRuntimeOptions, type RuntimeOptions, type StorageOptions } from './options.js';
export type { CachedModelInfo } from './store/store.js';
export type { Precision } from './store/manifest.js';
export type { Assignment, Guardrails, Rollout, RolloutShadow, RolloutVariant } from './store/rollout.js';
export type { ModelRollout, RollbackEvent, RolloutReport } from './monitor/rollout-view.js';
export type { BreachCode, GuardReport } from './worker/guard.js';
export type { SecondReport } from './worker/second-run.js';
export type { CacheStats } from './cache/output-cache.js';
export type { BatchingOptions, CacheOptions, ResolvedBatchingOptions, ResolvedCacheOptions, ServingOptions } from './serving/options.js';
export type { ServingInfo } from './serving/serving.js';
export type { BatchJobOptions, BatchJobResult, BatchProgress, BatchSource } from './serving/batch-options.js';
export type { Dtype, Tensor, TypedArray, ValueInfo } from './tensor.js';
export type { AnySignature, DtypeArrays, Signature, TypedFeeds, TypedInput, TypedOutputs, TypedTensor } from './typed.js';
export type { ExportAnswer, TelemetryExporter, TelemetryOptions, TelemetryRequest } from './telemetry/options.js';
export type { BackendCandidate, BackendChoice, LoadEvent, LoadSourceKind, StorageUsage, WorkerEnv } from './rpc/protocol.js';
export type { BuildName } from './worker/ort-builds.js';
export type { MonitorOptions } from './monitor/options.js';
export type { ModelMonitor, MonitorDetail, MonitorEvent, MonitorReport, MonitorStatus, WindowSummary } from './monitor/monitor.js';
export type { FeatureScore } from './monitor/window.js';
export type { OutcomeStatus } from './monitor/outcomes.js';
export type { ClassifierScore, QualityReport, RegressorScore } from './monitor/quality.js';
export type { FeatureSource, Profile, ProfileFeature, ProfileTensor, WindowCalibration } from './monitor/profile-types.js';
export { createProfile, type CreateProfileOptions, type ProfiledModel } from './monitor/create-profile.js';
