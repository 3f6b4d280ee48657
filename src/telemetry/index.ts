// Telemetry: aggregated metrics and error logs, exported as OTLP/HTTP JSON. The runtime creates one per runtime.
export { createTelemetry, type DeviceInfo, type LoadedModelRef, type ModelRef, type Telemetry, type TelemetryDeps, type TelemetryStats } from './telemetry.js';
export { TELEMETRY_DEFAULTS, type ExportAnswer, type TelemetryExporter, type TelemetryOptions, type TelemetryRequest } from './options.js';
export { gpuInfo, type GpuInfo } from './device.js';
export type { Scheduler } from './exporter.js';
export type { OutboxStore } from './outbox-store.js';
