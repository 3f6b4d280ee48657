// The reference profile: what a model's inputs and outputs looked like on reference data, binned, with drift
// thresholds calibrated per window size. Plain JSON, written by `edge-infer profile` or `createProfile()`.

/** How one monitored feature is computed from a row of a model's inputs or outputs. */
export type FeatureSource =
  /** One element of an input or output of at most 64 values per row. */
  | { readonly of: 'value'; readonly index: number }
  /** A summary of a larger tensor row. `projection` is the seeded random projection with this index (0..7). */
  | { readonly of: 'mean' | 'std' | 'zeros' }
  | { readonly of: 'projection'; readonly index: number }
  /** A classifier output: the arg-max class (categorical) or its value (top-1 confidence). */
  | { readonly of: 'class' | 'confidence' };

export interface ProfileFeature {
  /** Unique within the profile, e.g. `pixels.mean`, `probabilities.class`, `series[3]`. */
  readonly name: string;
  readonly kind: 'input' | 'output';
  /** The input or output tensor this feature reads. */
  readonly tensor: string;
  readonly source: FeatureSource;
  /**
   * Continuous features: ascending inner bin edges (k edges give k + 1 bins, as OTLP explicit bounds).
   * Categorical (`class`): absent; bins are the class indices 0..classes-1.
   */
  readonly edges?: readonly number[];
  /** Categorical features: number of classes. */
  readonly classes?: number;
  /** Reference share of each bin (sums to 1; edges.length + 1 or `classes` entries). */
  readonly reference: readonly number[];
}

/** Per window size: each feature's PSI threshold, in profile feature order. */
export interface WindowCalibration {
  readonly size: number;
  readonly thresholds: readonly number[];
}

export interface Profile {
  readonly format: 'edge-infer-profile';
  readonly version: 1;
  /** SHA-256 of the model file the profile was made from; a load checks it against the model's. */
  readonly model: { readonly sha256?: string; readonly inputs: readonly ProfileTensor[]; readonly outputs: readonly ProfileTensor[] };
  /** Reference rows the bins and frequencies come from. */
  readonly samples: number;
  /** Seed of the random projections, so the runtime computes the same ones. */
  readonly seed: number;
  /** Target false-alarm rate per window for the whole model (all features together). */
  readonly falseAlarmRate: number;
  readonly features: readonly ProfileFeature[];
  readonly windows: readonly WindowCalibration[];
}

/** The shape of a tensor as the profile saw it (free dims as strings). */
export interface ProfileTensor {
  readonly name: string;
  readonly dtype: string;
  /** The model's declared dims; null when the model declares no shape (as ValueInfo.dims). */
  readonly dims: readonly (number | string)[] | null;
  /**
   * Dims of one reference row (the samples axis removed; [] for a scalar such as the VAD's `sr`). Features are
   * computed on rows of exactly this many values, so the runtime can check a call before monitoring it.
   */
  readonly rowDims: readonly number[];
}
