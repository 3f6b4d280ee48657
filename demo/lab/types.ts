// The lab's data: what it compares (sources), how (config), and what it found (the report that the page shows,
// exports as JSON/CSV and `npm run compare` prints). One schema for the page and the headless run.
import type { Tensor, ValueInfo } from '../../src/index.js';

/** A backend as the lab runs it: WASM appears twice, on 1 thread and on N threads (cross-origin isolated pages). */
export const LAB_BACKENDS = ['webgpu', 'webnn', 'wasm-1', 'wasm-n'] as const;
export type LabBackendKey = (typeof LAB_BACKENDS)[number];
export type LabBackend = 'webgpu' | 'webnn' | 'wasm';

export const VARIANTS = ['fp32', 'int8-dynamic', 'int8-weights'] as const;
export type VariantName = (typeof VARIANTS)[number];

/** One file of a model to compare. Bundled files come by URL (verified, cached); dropped ones as bytes. */
export interface VariantFile {
  variant: VariantName;
  bytes: number;
  /** Bundled: the manifest's file URL and sha256 (the SDK verifies and caches it). */
  url?: string;
  sha256?: string;
  /** Dropped or quantized in the page. */
  data?: Uint8Array;
}

/** A model the lab compares: a bundled one (from the manifest) or the user's own file. */
export interface LabModelSource {
  /** The manifest id, or the dropped file's name. */
  id: string;
  bundled: boolean;
  /** fp32 first; the int8 forms that could be made or that the manifest lists. */
  variants: VariantFile[];
  /** Why there are no int8 variants (the quantizer's message), for a dropped model. */
  quantizeError?: string;
  /** Sample inputs, first axis = samples (from a .npy file or the bundled held-out data); else made from the signature. */
  samples?: Record<string, Tensor>;
  /** Extra inputs every run needs that are not samples (e.g. the VAD's `sr` and zero `state`). */
  fixed?: Record<string, Tensor>;
}

export interface LabConfig {
  /** Bundled model ids to compare (dropped files are added by the page or `--model`). */
  models: string[];
  backends: LabBackendKey[];
  variants: VariantName[];
  /** Batch sizes; sizes above 1 apply only to models whose inputs all have a free first dim. */
  batches: number[];
  /** Steady-state runs per cell: at least `minRuns`, then until the median settles, `maxRuns` or `budgetMs`. */
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
  /** Held-out quality for bundled models (accuracy, MAE per horizon, frame agreement). */
  quality: boolean;
}

export const DEFAULT_CONFIG: LabConfig = Object.freeze({
  models: ['digits', 'forecast', 'vad'],
  backends: ['webgpu', 'webnn', 'wasm-1', 'wasm-n'],
  variants: ['fp32', 'int8-dynamic', 'int8-weights'],
  batches: [1, 16, 64],
  minRuns: 20,
  maxRuns: 400,
  budgetMs: 2000,
  quality: true,
}) as LabConfig;

export interface Agreement {
  /** Largest |output - fp32 output| over every output value, on the same inputs. */
  maxAbsDiff: number;
  /** Cosine similarity of all output values with fp32's (1 = same direction). */
  cosine: number;
  /** Share of rows whose top-1 class matches fp32's (classifier outputs only). */
  top1?: number;
}

export type Quality =
  | { kind: 'accuracy'; accuracy: number; samples: number; /** [truth][predicted] counts */ confusion: number[][] }
  | { kind: 'mae'; horizons: { months: number; mae: number; windows: number }[] }
  | { kind: 'frames'; /** share of frames whose speech decision (p ≥ 0.5) matches fp32 on WASM */ agreement: number; frames: number };

/** What a chart needs beyond the numbers (bundled models only; not in the CSV). */
export type QualityDetail =
  | { kind: 'accuracy' }
  | { kind: 'mae'; /** the held-out series (ppm), month by month */ actual: number[]; /** the longest-horizon forecast from the first window: [start index, values] */ forecast: { start: number; values: number[] } }
  | { kind: 'frames'; /** speech probability per frame */ probabilities: number[]; /** waveform summary: peak |sample| per frame */ peaks: number[] };

export interface LabRow {
  variant: VariantName;
  backend: LabBackend;
  /** WASM threads (1 or N); 0 for GPU backends. */
  threads: number;
  batch: number;
  /** File size in bytes. */
  bytes: number;
  /** Load to a ready session: cold (download, verify, store) and warm (from IndexedDB); null when not measured. */
  loadMs: { cold: number | null; warm: number | null };
  /** The first run at this batch size after load. */
  firstMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Rows per second at p50. */
  perSecond: number | null;
  runs: number;
  agreement: Agreement | null;
  quality?: Quality;
  /** Why the cell has no numbers: the backend is absent, the load failed, the run failed... */
  error?: { code: string; message: string };
  /** Every steady-state timing (ms), for box plots; not in the CSV. */
  timings?: number[];
}

export interface Recommendation {
  /** One line, e.g. "int8-dynamic on wasm (1 thread): 25% of the bytes, 0.8× the fp32 latency, 100% top-1 agreement". */
  text: string;
  /** The row recommended (batch 1), or undefined when nothing ran. */
  pick?: { variant: VariantName; backend: LabBackend; threads: number };
}

export interface LabModelResult {
  model: string;
  bundled: boolean;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  quantizeError?: string;
  rows: LabRow[];
  recommendation: Recommendation;
  detail?: Record<string, QualityDetail>;
}

export interface DeviceFacts {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** WASM threads used for `wasm-n`. */
  wasmThreads: number;
  webgpu: { available: boolean; vendor?: string; architecture?: string; fallback?: boolean; reason?: string };
  webnn: boolean;
}

export interface LabReport {
  schema: 'edge-infer-lab/1';
  createdAt: string;
  device: DeviceFacts;
  config: LabConfig;
  models: LabModelResult[];
  /** True when the user stopped the run: the rows are what was measured until then. */
  stopped: boolean;
}

export interface LabProgress {
  done: number;
  total: number;
  model: string;
  /** e.g. "int8-dynamic · wasm-1 · batch 16" */
  cell: string;
  phase: 'load' | 'runs' | 'quality';
  /** While a cold load downloads the model file: bytes so far and the file's size. */
  download?: { loaded: number; total: number | undefined };
}

/** Lab failures the page shows and the CLI exits with (plus the SDK's own codes). */
export const LAB_ERROR_CODES = ['not-onnx', 'inputs-unsupported', 'npy-mismatch', 'npy-invalid'] as const;

export interface LabRunOptions {
  config: LabConfig;
  sources: LabModelSource[];
  /** Stops after the cell in progress; the report then has `stopped: true`. */
  signal?: AbortSignal;
  onProgress?: (progress: LabProgress) => void;
  /** Each row as soon as it is measured (the page fills its table live). */
  onRow?: (model: string, row: LabRow) => void;
}

/** What the lab page puts on `window.edgeInferLab`, for `npm run compare` and the e2e tests. */
export interface LabApi {
  /** Resolves once the page has read the manifest and is ready to run. */
  ready: Promise<void>;
  /**
   * Adds the user's own model as the file picker does: checks it, quantizes it in a worker, checks the optional
   * .npy against its signature. Rejects with `{ code, message }` (a lab code or an SDK code).
   */
  addModel(model: File, inputs?: File): Promise<void>;
  /** Runs the matrix for the bundled models in `config.models` and every model added; progress as the page shows it. */
  run(config?: Partial<LabConfig>, onProgress?: (progress: LabProgress) => void): Promise<LabReport>;
}

declare global {
  interface Window {
    edgeInferLab?: LabApi;
  }
}
