// The tabular pre-processor: rows of raw values → the standardized float32 rows the model was trained on.
import type { TabularPre } from '../../processors/spec.js';

/** (value − mean[j]) / std[j] for value j of every row, in float64, rounded to float32 once. */
export function standardize(rows: Float64Array, width: number, pre: TabularPre): Float32Array {
  const out = new Float32Array(rows.length);
  const mean = pre.mean ?? [];
  const std = pre.std ?? [];
  for (let i = 0; i < rows.length; i++) {
    const j = i % width;
    out[i] = (rows[i]! - (mean[j] ?? 0)) / (std[j] ?? 1);
  }
  return out;
}
