// Which numbers drift monitoring watches for a model, and how to compute them for one row. A small tensor row is
// watched element by element; a large one through a few summaries (mean, std, share of zeros) and 8 seeded random
// projections, which see changes the summaries miss (e.g. a digit drawn in a different place) at O(len × 8) cost.
import { EdgeInferError, shown } from '../errors.js';
import type { Tensor, TypedArray } from '../tensor.js';
import type { FeatureSource, ProfileFeature } from './profile-types.js';
import { mulberry32 } from '../random.js';

/** Rows of at most this many values are watched element by element; larger ones through summaries. */
export const MAX_ELEMENT_FEATURES = 64;
/** Random projections of a large row. */
export const PROJECTIONS = 8;
/** Tolerance of the classifier test: every row non-negative and summing to 1 within this. */
const CLASSIFIER_SUM_TOLERANCE = 1e-3;

/** A tensor as the planner sees it: the dims of ONE row (the samples axis removed; [] for a scalar). */
export interface PlanTensor {
  readonly name: string;
  readonly dtype: string;
  readonly rowDims: readonly number[];
}

/** A feature before the reference fills in its bins: a ProfileFeature without edges and shares. */
export type PlannedFeature = Pick<ProfileFeature, 'name' | 'kind' | 'tensor' | 'source' | 'classes'>;

export interface PlanOptions {
  /** Seed of the random projections. */
  readonly seed: number;
  /** Outputs to watch as classifiers (arg-max class and top-1 confidence). */
  readonly classifiers?: readonly string[];
}

/** Features in order plus how to compute them; build one per profile and reuse it for every row. */
export interface FeaturePlan {
  readonly seed: number;
  readonly features: readonly PlannedFeature[];
  /** Features grouped by the tensor they read; each group is computed in one pass over its row. */
  readonly groups: readonly FeatureGroup[];
}

type Mode = 'values' | 'summary' | 'classifier';

/** One pass over one tensor's row, writing to feature slots (-1: not watched). */
export interface FeatureGroup {
  readonly kind: 'input' | 'output';
  readonly tensor: string;
  readonly mode: Mode;
  /** Values per row. */
  readonly length: number;
  /** values: element indices and their slots. */
  readonly indices: Int32Array;
  readonly slots: Int32Array;
  /** summary: slots of mean, std, zeros, then projections 0..7. classifier: slots of class, confidence. */
  readonly summarySlots: Int32Array;
  /** summary: the projection matrix, row-major [length][8], or undefined when no projection is watched. */
  readonly projection: Float64Array | undefined;
}

const SUPPORTED = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

function invalid(what: string, details: Record<string, unknown> = {}): never {
  throw new EdgeInferError('input-invalid', what, details);
}

/** Plans the features of a model from the shape of one row of each input and output. */
export function planFeatures(inputs: readonly PlanTensor[], outputs: readonly PlanTensor[], options: PlanOptions): FeaturePlan {
  const classifiers = new Set(options.classifiers ?? []);
  for (const name of classifiers) {
    const output = outputs.find((o) => o.name === name);
    if (!output) invalid(`classifier ${shown(name)}: expected one of the outputs (${outputs.map((o) => o.name).join(', ')}), got no such output`);
    const last = output.rowDims[output.rowDims.length - 1] ?? 0;
    if (last < 2 || last !== lengthOf(output)) {
      invalid(`classifier ${shown(name)}: expected one row of at least 2 class values, got row dims [${output.rowDims.join(',')}]`);
    }
  }
  const features: PlannedFeature[] = [];
  const plan = (tensors: readonly PlanTensor[], kind: 'input' | 'output') => {
    const seen = new Set<string>();
    for (const t of tensors) {
      checkTensor(t, kind);
      if (seen.has(t.name)) invalid(`${kind} ${shown(t.name)} is listed twice; expected unique names`);
      seen.add(t.name);
      const length = lengthOf(t);
      const at = (source: FeatureSource, name: string, classes?: number) =>
        features.push({ name, kind, tensor: t.name, source, ...(classes !== undefined ? { classes } : {}) });
      if (length === 0) continue; // an empty row has nothing to watch
      if (kind === 'output' && classifiers.has(t.name)) {
        at({ of: 'class' }, `${t.name}.class`, length);
        at({ of: 'confidence' }, `${t.name}.confidence`);
      } else if (length <= MAX_ELEMENT_FEATURES) {
        for (let i = 0; i < length; i++) at({ of: 'value', index: i }, t.rowDims.length === 0 ? t.name : `${t.name}[${i}]`);
      } else {
        for (const of of ['mean', 'std', 'zeros'] as const) at({ of }, `${t.name}.${of}`);
        for (let i = 0; i < PROJECTIONS; i++) at({ of: 'projection', index: i }, `${t.name}.projection[${i}]`);
      }
    }
  };
  plan(inputs, 'input');
  plan(outputs, 'output');
  const lengths = new Map<string, number>();
  for (const t of inputs) lengths.set(`input:${t.name}`, lengthOf(t));
  for (const t of outputs) lengths.set(`output:${t.name}`, lengthOf(t));
  return compilePlan(features, lengths, options.seed);
}

/**
 * Builds the per-tensor passes for a list of features (a planned list, or a profile's). `lengths` maps
 * `input:name` / `output:name` to values per row.
 */
export function compilePlan(features: readonly PlannedFeature[], lengths: ReadonlyMap<string, number>, seed: number): FeaturePlan {
  const names = new Set<string>();
  const groups = new Map<string, { kind: 'input' | 'output'; tensor: string; mode: Mode; length: number; pairs: [number, number][]; summary: number[] }>();
  const projections = new Map<number, Float64Array>(); // by row length: generated once, shared by equal lengths
  features.forEach((f, slot) => {
    if (names.has(f.name)) invalid(`feature names must be unique; ${shown(f.name)} comes twice (rename a tensor)`);
    names.add(f.name);
    const length = lengths.get(`${f.kind}:${f.tensor}`);
    if (length === undefined) invalid(`feature ${shown(f.name)} reads ${f.kind} ${shown(f.tensor)}, which the model does not have`);
    if (length === 0) invalid(`feature ${shown(f.name)} reads ${f.kind} ${shown(f.tensor)}, whose rows are empty`);
    const of = f.source.of;
    const mode: Mode = of === 'value' ? 'values' : of === 'class' || of === 'confidence' ? 'classifier' : 'summary';
    const key = `${f.kind}:${f.tensor}:${mode}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: f.kind, tensor: f.tensor, mode, length, pairs: [], summary: new Array<number>(mode === 'summary' ? 3 + PROJECTIONS : 2).fill(-1) }));
    const index = 'index' in f.source ? f.source.index : 0;
    if (of === 'value') {
      if (!(index >= 0 && index < length)) invalid(`feature ${shown(f.name)}: expected an element index below ${length}, got ${index}`);
      g.pairs.push([index, slot]);
    } else if (mode === 'classifier') {
      if (f.source.of === 'class' && f.classes !== length) invalid(`feature ${shown(f.name)}: expected ${length} classes (the row length), got ${f.classes}`);
      g.summary[of === 'class' ? 0 : 1] = slot;
    } else {
      if (of === 'projection' && !(index >= 0 && index < PROJECTIONS)) invalid(`feature ${shown(f.name)}: expected a projection index 0..${PROJECTIONS - 1}, got ${index}`);
      g.summary[of === 'mean' ? 0 : of === 'std' ? 1 : of === 'zeros' ? 2 : 3 + index] = slot;
    }
  });
  const compiled: FeatureGroup[] = [...groups.values()].map((g) => {
    const projected = g.mode === 'summary' && g.summary.slice(3).some((s) => s >= 0);
    let projection: Float64Array | undefined;
    if (projected) projection = projections.get(g.length) ?? projectionMatrix(seed, g.length);
    if (projection) projections.set(g.length, projection);
    return {
      kind: g.kind, tensor: g.tensor, mode: g.mode, length: g.length,
      indices: Int32Array.from(g.pairs, (p) => p[0]), slots: Int32Array.from(g.pairs, (p) => p[1]),
      summarySlots: Int32Array.from(g.summary), projection,
    };
  });
  return { seed, features, groups: compiled };
}

/**
 * The projection matrix for rows of `length` values, [length][8] row-major: entries ±1/√length from mulberry32
 * seeded with the profile seed mixed with the length, so the profile tool and the runtime draw the same one.
 */
export function projectionMatrix(seed: number, length: number): Float64Array {
  const random = mulberry32((seed ^ Math.imul(length, 0x9e3779b1)) >>> 0);
  const scale = 1 / Math.sqrt(length);
  const m = new Float64Array(length * PROJECTIONS);
  for (let i = 0; i < m.length; i++) m[i] = random() < 0.5 ? -scale : scale;
  return m;
}

/** Whether stacked output rows look like class probabilities: last dim ≥ 2, each row non-negative, summing to 1. */
export function looksLikeClassifier(tensor: Pick<Tensor, 'dtype' | 'dims' | 'data'>): boolean {
  const { dims, data } = tensor;
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') return false;
  const classes = dims[dims.length - 1] ?? 0;
  const length = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length < 2 || classes < 2 || classes !== length || data.length === 0 || data.length % length !== 0) return false;
  const values = data as Float32Array | Float64Array;
  for (let off = 0; off < values.length; off += length) {
    let sum = 0;
    for (let i = off; i < off + length; i++) {
      const v = values[i] as number;
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > CLASSIFIER_SUM_TOLERANCE) return false;
  }
  return true;
}

type NumberArray = Exclude<TypedArray, BigInt64Array | BigUint64Array>;

/** Tensors bound to a plan: checked once per call, so each row then costs only its arithmetic. */
export interface BoundRows {
  readonly plan: FeaturePlan;
  /** Rows in the call (a tensor holding a single row is shared by all rows, e.g. a scalar sample rate). */
  readonly rows: number;
  /** Per group: its tensor's values (int64 converted to numbers) and whether it holds a single shared row. */
  readonly data: readonly NumberArray[];
  readonly shared: Uint8Array;
}

/** Checks that every tensor the plan reads is there with whole rows, and binds them. */
export function bindRows(plan: FeaturePlan, tensors: { readonly inputs: Readonly<Record<string, Pick<Tensor, 'data'>>>; readonly outputs: Readonly<Record<string, Pick<Tensor, 'data'>>> }): BoundRows {
  const data: NumberArray[] = [];
  const counts: number[] = [];
  for (const g of plan.groups) {
    const tensor = (g.kind === 'input' ? tensors.inputs : tensors.outputs)[g.tensor];
    const values = tensor?.data as TypedArray | undefined;
    if (!values || !ArrayBuffer.isView(values)) invalid(`monitoring needs ${g.kind} ${shown(g.tensor)} as a tensor, got ${shown(tensor)}`, { [g.kind]: g.tensor });
    if (values.length % g.length !== 0) {
      invalid(`${g.kind} ${shown(g.tensor)}: expected whole rows of ${g.length} values, got ${values.length} values`, { [g.kind]: g.tensor });
    }
    data.push(values instanceof BigInt64Array || values instanceof BigUint64Array ? Float64Array.from(values, Number) : values);
    counts.push(values.length / g.length);
  }
  const rows = counts.length === 0 ? 0 : counts.includes(0) ? 0 : Math.max(...counts);
  counts.forEach((c, i) => {
    if (c !== 1 && c !== rows) invalid(`${plan.groups[i]?.kind} ${shown(plan.groups[i]?.tensor)}: expected 1 or ${rows} rows like the others, got ${c}`);
  });
  return { plan, rows, data, shared: Uint8Array.from(counts, (c) => (c === 1 ? 1 : 0)) };
}

/**
 * Writes the features of one row into `out` (plan order). No allocation: the runtime calls this for every
 * monitored row. A categorical feature is written as its class index; NaN values flow through (binOf puts NaN in
 * the last bin).
 */
export function rowFeatures(bound: BoundRows, row: number, out: Float64Array): Float64Array {
  const groups = bound.plan.groups;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as FeatureGroup;
    const x = bound.data[gi] as NumberArray;
    const len = g.length;
    const off = bound.shared[gi] === 1 ? 0 : row * len;
    if (g.mode === 'values') {
      const { indices, slots } = g;
      for (let i = 0; i < indices.length; i++) out[slots[i] as number] = x[off + (indices[i] as number)] as number;
    } else if (g.mode === 'classifier') {
      let best = 0;
      let top = -Infinity;
      for (let i = 0; i < len; i++) {
        const v = x[off + i] as number;
        if (v > top) { top = v; best = i; }
      }
      const s = g.summarySlots;
      if ((s[0] as number) >= 0) out[s[0] as number] = top === -Infinity ? NaN : best;
      if ((s[1] as number) >= 0) out[s[1] as number] = top === -Infinity ? NaN : top;
    } else {
      summarize(g, x, off, out);
    }
  }
  return out;
}

function summarize(g: FeatureGroup, x: NumberArray, off: number, out: Float64Array): void {
  const len = g.length;
  const s = g.summarySlots;
  const first = x[off] as number; // sums of (v − first) keep precision for values far from 0
  let sum = 0;
  let squares = 0;
  let zeros = 0;
  const p = g.projection;
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
  if (p) {
    for (let i = 0, j = 0; i < len; i++, j += 8) {
      const v = x[off + i] as number;
      const d = v - first;
      sum += d;
      squares += d * d;
      if (v === 0) zeros++;
      p0 += v * (p[j] as number); p1 += v * (p[j + 1] as number); p2 += v * (p[j + 2] as number); p3 += v * (p[j + 3] as number);
      p4 += v * (p[j + 4] as number); p5 += v * (p[j + 5] as number); p6 += v * (p[j + 6] as number); p7 += v * (p[j + 7] as number);
    }
  } else {
    for (let i = 0; i < len; i++) {
      const v = x[off + i] as number;
      const d = v - first;
      sum += d;
      squares += d * d;
      if (v === 0) zeros++;
    }
  }
  const shift = sum / len;
  if ((s[0] as number) >= 0) out[s[0] as number] = first + shift;
  if ((s[1] as number) >= 0) out[s[1] as number] = Math.sqrt(Math.max(squares / len - shift * shift, 0));
  if ((s[2] as number) >= 0) out[s[2] as number] = zeros / len;
  if (p) {
    put(out, s[3], p0); put(out, s[4], p1); put(out, s[5], p2); put(out, s[6], p3);
    put(out, s[7], p4); put(out, s[8], p5); put(out, s[9], p6); put(out, s[10], p7);
  }
}

function put(out: Float64Array, slot: number | undefined, value: number): void {
  if ((slot as number) >= 0) out[slot as number] = value;
}

function lengthOf(t: PlanTensor): number {
  return t.rowDims.reduce((a, b) => a * b, 1);
}

function checkTensor(t: PlanTensor, kind: string): void {
  if (typeof t?.name !== 'string' || t.name === '') invalid(`expected each ${kind} to have a name, got ${shown(t?.name)}`);
  if (!SUPPORTED.has(t.dtype)) invalid(`${kind} ${shown(t.name)}: expected a numeric dtype (${[...SUPPORTED].join(', ')}), got ${shown(t.dtype)}`);
  if (!Array.isArray(t.rowDims) || !t.rowDims.every((d) => Number.isInteger(d) && d >= 0)) {
    invalid(`${kind} ${shown(t.name)}: expected row dims as non-negative integers, got ${shown(t.rowDims)}`);
  }
}
