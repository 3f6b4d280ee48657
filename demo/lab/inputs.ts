// The inputs of a lab cell: rows of the source's samples (round-robin to fill the batch) plus its fixed inputs, or
// values made from the signature. Every cell of a model at one batch size gets the same inputs, so outputs compare.
import type { Tensor, TypedArray, ValueInfo } from '../../src/index.js';
import { DTYPES } from '../../src/tensor.js';
import { mulberry32 } from '../../src/random.js';
import { seededData } from '../../src/probe-feeds.js';
import type { LAB_ERROR_CODES, LabModelSource } from './types.js';

export type LabErrorCode = (typeof LAB_ERROR_CODES)[number];

/** A lab failure with a stable code (the SDK's EdgeInferError codes are a closed list). */
export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(readonly code: LabErrorCode, message: string) {
    super(message);
  }
}

type Source = Pick<LabModelSource, 'samples' | 'fixed'>;

const isFree = (d: number | string | null | undefined) => typeof d === 'string' || d === null || (typeof d === 'number' && d < 0);
const dimsText = (dims: readonly (number | string)[] | null) => (dims ? `[${dims.join(',')}]` : '[any shape]');

/**
 * Whether batches above 1 apply: every input that is not fixed has a free first dim, and no fixed input has a free
 * dim (a fixed input sized by the batch, like the VAD's `state` [2, batch, 128], holds one row only).
 */
export function batchable(inputs: readonly ValueInfo[], fixed: Source['fixed'] = {}): boolean {
  return inputs.every((input) =>
    Object.hasOwn(fixed, input.name) ? !input.dims?.some(isFree) : input.dims !== null && input.dims.length > 0 && isFree(input.dims[0]));
}

/** Throws `inputs-unsupported` for an input the lab cannot make values for (strings, a dtype the SDK lacks). */
export function checkGeneratable(inputs: readonly ValueInfo[], fixed: Source['fixed'] = {}): void {
  for (const input of inputs) {
    if (Object.hasOwn(fixed, input.name) || Object.hasOwn(DTYPES, input.dtype)) continue;
    throw new LabError('inputs-unsupported', `input "${input.name}" is of dtype ${String(input.dtype)}, which the lab cannot make values for; supported: ${Object.keys(DTYPES).join(', ')}`);
  }
}

/** Throws `npy-mismatch` when samples do not fit the signature: unknown or missing names, dtype, row dims. */
export function checkSamples(inputs: readonly ValueInfo[], samples: Record<string, Tensor>, fixed: Source['fixed'] = {}): void {
  const mismatch = (what: string) => new LabError('npy-mismatch', what);
  const names = inputs.map((i) => i.name);
  for (const name of Object.keys(samples)) {
    if (!names.includes(name)) throw mismatch(`samples have "${name}", but the model's inputs are ${names.map((n) => `"${n}"`).join(', ')}`);
  }
  for (const input of inputs) {
    if (Object.hasOwn(fixed, input.name)) continue;
    const s = samples[input.name];
    if (!s) throw mismatch(`input "${input.name}" (${input.dtype}${dimsText(input.dims)}): expected samples for it, got none`);
    const expected = `${input.dtype}${dimsText(input.dims && ['samples', ...input.dims.slice(1)])}`;
    const got = `${s.dtype}[${s.dims.join(',')}]`;
    const size = s.dims.reduce((a, b) => a * b, 1);
    const rowsOk = s.dims.length > 0 && (s.dims[0] as number) > 0 && size === s.data.length;
    const rowDims = s.dims.slice(1);
    const dimsOk = input.dims === null || (input.dims.length === s.dims.length && input.dims.slice(1).every((d, i) => isFree(d) || d === rowDims[i]));
    if (s.dtype !== input.dtype || !rowsOk || !dimsOk) throw mismatch(`input "${input.name}": expected samples ${expected} (first axis = samples), got ${got}${rowsOk ? '' : ' holding ' + s.data.length + ' values'}`);
  }
}

/**
 * The feeds for one run at `batch` rows: fixed inputs as they are; sample rows 0, 1, ... (round-robin) stacked; else
 * made from the signature (free dims 1 except the batch dim; floats from `seed` in [0, 1), integers 0, bool false).
 * An input whose first dim is a number gets that many rows. Checks samples and dtypes first (see above).
 */
export function makeInputs(inputs: readonly ValueInfo[], source: Source, batch: number, seed = 1): Record<string, Tensor> {
  const fixed = source.fixed ?? {};
  if (source.samples) checkSamples(inputs, source.samples, fixed);
  else checkGeneratable(inputs, fixed);
  const feeds: Record<string, Tensor> = {};
  inputs.forEach((input, index) => {
    const first = input.dims?.[0];
    const rows = typeof first === 'number' && first >= 0 ? first : batch;
    const t = Object.hasOwn(fixed, input.name) ? (fixed[input.name] as Tensor)
      : source.samples ? tile(source.samples[input.name] as Tensor, rows)
      : generated(input, rows, seed + index * 0x9e3779b9);
    Object.defineProperty(feeds, input.name, { value: t, enumerable: true });
  });
  return feeds;
}

/** `rows` rows taken round-robin from the samples (first axis). */
function tile(samples: Tensor, rows: number): Tensor {
  const n = samples.dims[0] as number;
  const width = samples.data.length / n;
  const data = new (samples.data.constructor as new (length: number) => TypedArray)(rows * width);
  for (let r = 0; r < rows; r++) {
    const from = (r % n) * width;
    (data as Float32Array).set((samples.data as Float32Array).subarray(from, from + width), r * width);
  }
  return { dtype: samples.dtype, dims: [rows, ...samples.dims.slice(1)], data };
}

function generated(input: ValueInfo, rows: number, seed: number): Tensor {
  const dims = input.dims === null ? [rows] : input.dims.map((d, i) => (i === 0 ? rows : isFree(d) ? 1 : (d as number)));
  const size = dims.reduce((a, b) => a * b, 1);
  return { dtype: input.dtype, dims, data: seededData(input.dtype, size, mulberry32(seed >>> 0)) };
}
