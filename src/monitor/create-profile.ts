// createProfile(): runs reference rows through a model batch by batch and builds its drift profile from the rows and
// what the model answered. One path for the browser (an SDK Model) and the CLI (an onnxruntime-web session in Node).
import { EdgeInferError, shown } from '../errors.js';
import { DTYPES, isTypedArray, type Dtype, type Tensor, type TypedArray, type ValueInfo } from '../tensor.js';
import { buildProfile, type BuildProfileOptions } from './profile.js';
import type { Profile } from './profile-types.js';

/** What createProfile needs of a model; the SDK's `Model` fits. */
export interface ProfiledModel {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** SHA-256 (hex) of the model file, recorded in the profile. */
  readonly sha256: string;
  run(feeds: Record<string, Tensor>): Promise<{ readonly outputs: Readonly<Record<string, Tensor>> }>;
}

export interface CreateProfileOptions
  extends Pick<BuildProfileOptions, 'windowSizes' | 'falseAlarmRate' | 'seed' | 'bins' | 'classifier' | 'calibrationWindows'> {
  /**
   * Rows per `model.run`. Runs hold one row when the model fixes its first dim to 1, when it has no batch axis at
   * all, when an input given whole per row has a free dim (the VAD's `state` [2, batch, 128]), or when a batched
   * run fails or answers without a batch axis. Other inputs given whole per row (a scalar `sr`) are fed once per
   * run, so a run only spans rows that agree on them.
   * @defaultValue 64
   */
  readonly batchSize?: number;
  /** Called after every run with the rows done so far. */
  readonly onProgress?: (progress: { done: number; total: number }) => void;
}

export const CREATE_PROFILE_DEFAULTS = Object.freeze({ batchSize: 64 });

/** A model input and its reference rows: `batched` rows stack on the model's first axis, others are whole feeds. */
interface InputRows {
  readonly info: ValueInfo;
  readonly tensor: Tensor;
  readonly rowDims: readonly number[];
  readonly length: number;
  readonly batched: boolean;
}

interface StackedOutput {
  rowDims: number[];
  length: number;
  data: TypedArray;
}

const ARRAYS: Record<string, new (length: number) => TypedArray> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array,
};

function inputInvalid(what: string, details: Record<string, unknown> = {}): never {
  throw new EdgeInferError('input-invalid', what, details);
}

function optionsInvalid(field: string, expected: string, got: unknown): never {
  throw new EdgeInferError('options-invalid', `createProfile(): ${field}: expected ${expected}, got ${shown(got)}`, { field });
}

const dimsText = (dims: readonly (number | string)[]) => `[${dims.join(', ')}]`;
const classOf = (data: unknown) => Object.prototype.toString.call(data).slice(8, -1);

/**
 * Builds a drift profile from reference inputs: every input of the model with the same number of rows (N ≥ 2) on
 * the first axis. An input is either batch-first (`[N, ...the model's dims after the first]`) or one whole feed per
 * row (`[N, ...the model's dims]`, e.g. a scalar `sr` as `[N]`).
 */
export async function createProfile(model: ProfiledModel, inputs: Readonly<Record<string, Tensor>>, options: CreateProfileOptions = {}): Promise<Profile> {
  checkModel(model);
  const o = checkOptions(model, options);
  const plans = readInputs(model, inputs);
  const total = plans[0]?.tensor.dims[0] ?? 0;
  const hasBatchAxis = plans.some((p) => p.batched);
  // One row per run: with no batch axis, a first dim fixed to 1, or a whole-feed input with a free dim (the VAD's
  // state [2, batch, 128] holds the batch on another axis).
  const single = !hasBatchAxis || plans.some((p) => (p.batched ? p.info.dims?.[0] === 1 : p.info.dims?.some((d) => typeof d === 'string')));
  let batch = single ? 1 : o.batchSize;
  const stacked = new Map<string, StackedOutput>();
  let done = 0;
  while (done < total) {
    let end = Math.min(done + batch, total);
    for (const p of plans) if (!p.batched) end = sameRowsUntil(p, done, end);
    const count = end - done;
    let result: Awaited<ReturnType<ProfiledModel['run']>>;
    try {
      result = await model.run(feedsOf(plans, done, count));
    } catch (error) {
      if (count === 1) throw error;
      batch = 1; // the model would not take a batch after all: go row by row
      continue;
    }
    const rows = outputRows(model, result?.outputs, count, hasBatchAxis);
    if (rows === undefined) {
      batch = 1;
      continue;
    }
    for (const [name, { tensor, rowDims }] of rows) {
      const length = rowDims.reduce((a, b) => a * b, 1);
      let s = stacked.get(name);
      if (!s) stacked.set(name, (s = { rowDims, length, data: new (ARRAYS[classOf(tensor.data)] as new (n: number) => TypedArray)(total * length) }));
      if (dimsText(s.rowDims) !== dimsText(rowDims)) {
        throw new EdgeInferError('inference-failed', `output ${shown(name)}: rows came with dims ${dimsText(s.rowDims)}, then ${dimsText(rowDims)}; a profile needs rows of one shape`, { output: name });
      }
      (s.data as { set(a: TypedArray, at: number): void }).set(tensor.data, done * length);
    }
    done = end;
    o.onProgress?.({ done, total });
  }
  const outputs: Record<string, Tensor> = {};
  for (const info of model.outputs) {
    const s = stacked.get(info.name) as StackedOutput;
    outputs[info.name] = { dtype: info.dtype, dims: [total, ...s.rowDims], data: s.data };
  }
  return buildProfile({
    inputs: model.inputs, outputs: model.outputs, sha256: model.sha256,
    rows: { inputs: Object.fromEntries(plans.map((p) => [p.info.name, p.tensor])), outputs },
    windowSizes: o.windowSizes, falseAlarmRate: o.falseAlarmRate, seed: o.seed, bins: o.bins, classifier: o.classifier,
    calibrationWindows: o.calibrationWindows,
  });
}

function checkModel(model: ProfiledModel): void {
  const m = model as Partial<ProfiledModel> | null;
  const infos = (list: unknown) => Array.isArray(list) && list.every((v: Partial<ValueInfo>) => typeof v?.name === 'string' && typeof v.dtype === 'string');
  if (typeof m !== 'object' || m === null || !infos(m.inputs) || !infos(m.outputs) || typeof m.run !== 'function') {
    inputInvalid(`model: expected { inputs, outputs, sha256, run(feeds) } (a loaded Model), got ${shown(m)}`);
  }
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(m.sha256)) inputInvalid(`model.sha256: expected 64 hex digits, got ${shown(m.sha256)}`);
  for (const info of [...(m.inputs as ValueInfo[]), ...(m.outputs as ValueInfo[])]) {
    if (!(info.dtype in DTYPES)) inputInvalid(`model ${shown(info.name)}: expected a numeric dtype (${Object.keys(DTYPES).join(', ')}), got ${shown(info.dtype)}`);
  }
}

/** The options checked before anything runs, so a typo does not cost a long run first. */
function checkOptions(model: ProfiledModel, options: CreateProfileOptions) {
  if (typeof options !== 'object' || options === null) optionsInvalid('options', 'an object', options);
  const o = { ...options, batchSize: options.batchSize ?? CREATE_PROFILE_DEFAULTS.batchSize };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) optionsInvalid('batchSize', 'a positive integer', o.batchSize);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') optionsInvalid('onProgress', 'a function', o.onProgress);
  const sizes = o.windowSizes;
  if (sizes !== undefined && !(Array.isArray(sizes) && sizes.length > 0 && sizes.every((s) => Number.isInteger(s) && s > 0))) optionsInvalid('windowSizes', 'positive integers', sizes);
  const rate = o.falseAlarmRate;
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && rate < 1)) optionsInvalid('falseAlarmRate', 'a number in (0, 1)', rate);
  if (o.bins !== undefined && !(Number.isInteger(o.bins) && o.bins >= 2 && o.bins <= 256)) optionsInvalid('bins', 'an integer from 2 to 256', o.bins);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) optionsInvalid('seed', 'an integer in [0, 2^32)', o.seed);
  const names = model.outputs.map((v) => v.name);
  if (o.classifier !== undefined && o.classifier !== null && !names.includes(o.classifier)) {
    optionsInvalid('classifier', `null or one of the outputs (${names.join(', ')})`, o.classifier);
  }
  return o;
}

/** Checks every input's rows against the model and decides how each is fed. */
function readInputs(model: ProfiledModel, inputs: Readonly<Record<string, Tensor>>): InputRows[] {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs) || isTypedArray(inputs)) {
    inputInvalid(`inputs: expected an object of tensors by input name, got ${shown(inputs)}`);
  }
  const names = model.inputs.map((v) => v.name);
  for (const name of Object.keys(inputs)) {
    if (!names.includes(name)) inputInvalid(`inputs.${name}: the model has no such input; its inputs are ${names.join(', ')}`, { input: name });
  }
  let rows = -1;
  let first = '';
  const plans = model.inputs.map((info): InputRows => {
    const at = `inputs.${info.name}`;
    const details = { input: info.name };
    const forms = info.dims === null ? '[N, ...]' : [info.dims.length > 0 ? dimsText(['N', ...info.dims.slice(1)]) : undefined, dimsText(['N', ...info.dims])].filter(Boolean).join(' or ');
    const expected = `${info.dtype} rows ${forms} (the model's ${info.name} is ${info.dtype} ${info.dims ? dimsText(info.dims) : '[any shape]'})`;
    const t = Object.prototype.hasOwnProperty.call(inputs, info.name) ? inputs[info.name] : undefined;
    if (t === undefined) inputInvalid(`${at}: missing; expected ${expected}`, details);
    if (typeof t !== 'object' || t === null || !isTypedArray(t.data) || !Array.isArray(t.dims)) inputInvalid(`${at}: expected a tensor { dtype, dims, data } of ${expected}, got ${shown(t)}`, details);
    if (t.dtype !== info.dtype || classOf(t.data) !== DTYPES[info.dtype as Dtype]) {
      inputInvalid(`${at}: expected ${expected}, got ${shown(t.dtype)} in a ${classOf(t.data)}`, details);
    }
    const dims = t.dims;
    if (dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d >= 0) || dims.reduce((a, b) => a * b, 1) !== t.data.length) {
      inputInvalid(`${at}: expected ${expected}, got dims ${dimsText(dims)} for ${t.data.length} values`, details);
    }
    const rowDims = dims.slice(1);
    const batched = layoutOf(info, rowDims);
    if (batched === undefined) inputInvalid(`${at}: expected ${expected}, got ${t.dtype} ${dimsText(dims)}`, details);
    if (rows >= 0 && dims[0] !== rows) inputInvalid(`${at}: expected ${rows} rows like ${first}, got ${dims[0]}`, details);
    if (rows < 0) [rows, first] = [dims[0] as number, info.name];
    return { info, tensor: t, rowDims, length: rowDims.reduce((a, b) => a * b, 1), batched };
  });
  if (rows < 2) inputInvalid(`inputs: expected at least 2 reference rows, got ${Math.max(rows, 0)}`);
  return plans;
}

/** true: rows stack on the model's first axis (free or 1); false: each row is a whole feed; undefined: neither fits. */
function layoutOf(info: ValueInfo, rowDims: readonly number[]): boolean | undefined {
  const declared = info.dims;
  if (declared === null) return true; // no declared shape: assume batch-first, as exported models mostly are
  const fits = (want: readonly (number | string)[]) => want.length === rowDims.length && want.every((d, i) => typeof d !== 'number' || d === rowDims[i]);
  const first = declared[0];
  if (declared.length === rowDims.length + 1 && (typeof first !== 'number' || first === 1) && fits(declared.slice(1))) return true;
  if (fits(declared)) return false;
  return undefined;
}

/** The end of the run starting at `start`: rows of a whole-feed input share a run only while they are equal. */
function sameRowsUntil(p: InputRows, start: number, end: number): number {
  const data = p.tensor.data;
  const base = start * p.length;
  for (let r = start + 1; r < end; r++) {
    const off = r * p.length;
    for (let i = 0; i < p.length; i++) if (data[off + i] !== data[base + i]) return r;
  }
  return end;
}

function feedsOf(plans: readonly InputRows[], start: number, count: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const p of plans) {
    // A copy: a run may transfer its inputs' buffers, and the reference rows are still needed for the profile.
    const data = p.tensor.data.slice(start * p.length, (start + (p.batched ? count : 1)) * p.length);
    feeds[p.info.name] = { dtype: p.info.dtype, dims: p.batched ? [count, ...p.rowDims] : [...p.rowDims], data };
  }
  return feeds;
}

/** Each output's tensor and the dims of one of its rows; undefined when a batched run answered without a batch axis. */
function outputRows(model: ProfiledModel, outputs: Readonly<Record<string, Tensor>> | undefined, count: number, hasBatchAxis: boolean) {
  const rows = new Map<string, { tensor: Tensor; rowDims: number[] }>();
  for (const info of model.outputs) {
    const t = outputs?.[info.name];
    if (!t || !isTypedArray(t.data) || !Array.isArray(t.dims) || classOf(t.data) !== DTYPES[info.dtype]) {
      throw new EdgeInferError('inference-failed', `model.run() answered without a ${info.dtype} tensor for output ${shown(info.name)}`, { output: info.name });
    }
    const dims = [...t.dims];
    const batchFirst = hasBatchAxis && dims[0] === count;
    if (count > 1 && !batchFirst) return undefined;
    const rowDims = batchFirst ? dims.slice(1) : dims;
    if (rowDims.reduce((a, b) => a * b, 1) * count !== t.data.length) {
      throw new EdgeInferError('inference-failed', `output ${shown(info.name)}: dims ${dimsText(dims)} do not match its ${t.data.length} values`, { output: info.name });
    }
    rows.set(info.name, { tensor: t, rowDims });
  }
  return rows;
}
