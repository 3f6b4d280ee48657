// Reference profiles: built from reference rows the caller ran through the model, read back from JSON with every
// field checked, and matched against a model's signature before a runtime uses them.
import { EdgeInferError, shown } from '../errors.js';
import { DTYPES, type Tensor } from '../tensor.js';
import { DEFAULT_BINS, binOf, classBinOf, quantileEdges, sharesOf } from './bins.js';
import { DEFAULT_CALIBRATION_WINDOWS, DEFAULT_FALSE_ALARM_RATE, DEFAULT_WINDOW_SIZES, calibrate } from './calibrate.js';
import { bindRows, compilePlan, looksLikeClassifier, planFeatures, rowFeatures, type FeaturePlan } from './features.js';
import type { Profile, ProfileFeature, ProfileTensor, WindowCalibration } from './profile-types.js';

/** Defaults of buildProfile. */
export const PROFILE_DEFAULTS = Object.freeze({
  windowSizes: DEFAULT_WINDOW_SIZES,
  falseAlarmRate: DEFAULT_FALSE_ALARM_RATE,
  seed: 1,
  bins: DEFAULT_BINS,
  calibrationWindows: DEFAULT_CALIBRATION_WINDOWS,
});

/** An input or output of the model, as ValueInfo describes it. */
export interface ModelTensor {
  readonly name: string;
  readonly dtype: string;
  readonly dims: readonly (number | string)[] | null;
}

export interface BuildProfileOptions {
  readonly inputs: readonly ModelTensor[];
  readonly outputs: readonly ModelTensor[];
  /** The reference rows and the model's outputs for them, every tensor with all samples stacked on the first axis. */
  readonly rows: { readonly inputs: Readonly<Record<string, Tensor>>; readonly outputs: Readonly<Record<string, Tensor>> };
  /** SHA-256 (hex) of the model file. */
  readonly sha256?: string;
  /** @defaultValue [50, 200, 1000] */
  readonly windowSizes?: readonly number[];
  /** Target false-alarm rate per window for the whole model. @defaultValue 0.01 */
  readonly falseAlarmRate?: number;
  /** Seed of the projections and the calibration bootstrap. @defaultValue 1 */
  readonly seed?: number;
  /** Bins per continuous feature (at most; equal quantiles merge). @defaultValue 10 */
  readonly bins?: number;
  /** The output to watch as a classifier; null for none. @defaultValue auto: outputs whose rows are probabilities */
  readonly classifier?: string | null;
  /** Calibration windows per size. @defaultValue 1000 */
  readonly calibrationWindows?: number;
}

function optionsInvalid(field: string, expected: string, got: unknown): never {
  throw new EdgeInferError('options-invalid', `${field}: expected ${expected}, got ${shown(got)}`, { field });
}

function inputInvalid(what: string, details: Record<string, unknown> = {}): never {
  throw new EdgeInferError('input-invalid', what, details);
}

/** Builds a profile from reference rows: plans the features, bins them, and calibrates thresholds per window size. */
export function buildProfile(options: BuildProfileOptions): Profile {
  const o = {
    ...options,
    windowSizes: options.windowSizes ?? PROFILE_DEFAULTS.windowSizes,
    falseAlarmRate: options.falseAlarmRate ?? PROFILE_DEFAULTS.falseAlarmRate,
    seed: options.seed ?? PROFILE_DEFAULTS.seed,
    bins: options.bins ?? PROFILE_DEFAULTS.bins,
    calibrationWindows: options.calibrationWindows ?? PROFILE_DEFAULTS.calibrationWindows,
  };
  const isCount = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;
  if (!Array.isArray(o.windowSizes) || o.windowSizes.length === 0 || !o.windowSizes.every((s) => isCount(s, 1)) || new Set(o.windowSizes).size !== o.windowSizes.length) {
    optionsInvalid('windowSizes', 'distinct positive integers', o.windowSizes);
  }
  if (!(typeof o.falseAlarmRate === 'number' && o.falseAlarmRate > 0 && o.falseAlarmRate < 1)) optionsInvalid('falseAlarmRate', 'a number in (0, 1)', o.falseAlarmRate);
  if (!isCount(o.seed, 0) || o.seed > 0xffffffff) optionsInvalid('seed', 'an integer in [0, 2^32)', o.seed);
  if (!isCount(o.bins, 2) || o.bins > 256) optionsInvalid('bins', 'an integer from 2 to 256', o.bins);
  if (!isCount(o.calibrationWindows, 100)) optionsInvalid('calibrationWindows', 'an integer of at least 100', o.calibrationWindows);
  if (o.sha256 !== undefined && !(typeof o.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(o.sha256))) optionsInvalid('sha256', '64 hex digits', o.sha256);
  if (o.classifier !== undefined && o.classifier !== null && typeof o.classifier !== 'string') optionsInvalid('classifier', 'an output name or null', o.classifier);

  let samples = -1;
  const readRows = (infos: readonly ModelTensor[], kind: 'input' | 'output'): ProfileTensor[] => {
    if (!Array.isArray(infos)) inputInvalid(`expected the model's ${kind}s as an array, got ${shown(infos)}`);
    const tensors = (kind === 'input' ? o.rows?.inputs : o.rows?.outputs) ?? {};
    return infos.map((info) => {
      const t = tensors[info.name] as Tensor | undefined;
      const at = { [kind]: info.name };
      if (!t || !Array.isArray(t.dims) || !ArrayBuffer.isView(t.data)) inputInvalid(`rows.${kind}s[${shown(info.name)}]: expected a tensor with dims and data, got ${shown(t)}`, at);
      const arrayType = DTYPES[info.dtype as keyof typeof DTYPES];
      if (t.dtype !== info.dtype || arrayType === undefined || Object.prototype.toString.call(t.data) !== `[object ${arrayType}]`) {
        inputInvalid(`rows.${kind}s[${shown(info.name)}]: expected ${info.dtype} data in a ${arrayType ?? 'typed array'}, got ${shown(t.dtype)} in a ${Object.prototype.toString.call(t.data).slice(8, -1)}`, at);
      }
      if (t.dims.length === 0 || !t.dims.every((d) => isCount(d, 0)) || t.dims.reduce((a, b) => a * b, 1) !== t.data.length) {
        inputInvalid(`rows.${kind}s[${shown(info.name)}]: expected dims [samples, ...row] matching ${t.data.length} values, got [${t.dims.join(',')}]`, at);
      }
      if (samples >= 0 && t.dims[0] !== samples) inputInvalid(`rows.${kind}s[${shown(info.name)}]: expected ${samples} samples like the other tensors, got ${t.dims[0]}`, at);
      samples = t.dims[0] as number;
      return { name: info.name, dtype: info.dtype, dims: info.dims === null ? null : [...info.dims], rowDims: t.dims.slice(1) };
    });
  };
  const inputs = readRows(o.inputs, 'input');
  const outputs = readRows(o.outputs, 'output');
  if (samples < 2) inputInvalid(`expected at least 2 reference rows, got ${Math.max(samples, 0)}`);

  const classifiers = o.classifier === null ? [] : o.classifier !== undefined ? [o.classifier]
    : outputs.filter((t) => looksLikeClassifier(o.rows.outputs[t.name] as Tensor)).map((t) => t.name);
  const plan = planFeatures(inputs, outputs, { seed: o.seed, classifiers });
  const k = plan.features.length;
  if (k === 0) inputInvalid('the model has no values to monitor (every row is empty)');

  // Feature values, one column per feature.
  const bound = bindRows(plan, o.rows);
  const columns = plan.features.map(() => new Float64Array(samples));
  const row = new Float64Array(k);
  for (let r = 0; r < samples; r++) {
    rowFeatures(bound, r, row);
    for (let f = 0; f < k; f++) (columns[f] as Float64Array)[r] = row[f] as number;
  }

  const edges = plan.features.map((f, i) => (f.source.of === 'class' ? undefined : quantileEdges(columns[i] as Float64Array, o.bins)));
  const binCounts = plan.features.map((f, i) => f.classes ?? (edges[i] as number[]).length + 1);
  const most = Math.max(...binCounts);
  const binIndex = most <= 256 ? new Uint8Array(samples * k) : most <= 65536 ? new Uint16Array(samples * k) : new Uint32Array(samples * k);
  const features: ProfileFeature[] = plan.features.map((f, i) => {
    const counts = new Uint32Array(binCounts[i] as number);
    const column = columns[i] as Float64Array;
    const e = edges[i];
    for (let r = 0; r < samples; r++) {
      const bin = e ? binOf(e, column[r] as number) : classBinOf(f.classes as number, column[r] as number);
      binIndex[r * k + i] = bin;
      counts[bin] = (counts[bin] as number) + 1;
    }
    return { ...f, ...(e ? { edges: e } : {}), reference: sharesOf(counts) };
  });
  const sizes = [...o.windowSizes].sort((a, b) => a - b);
  const windows: WindowCalibration[] = calibrate({
    binIndex, reference: features.map((f) => f.reference), samples, sizes,
    falseAlarmRate: o.falseAlarmRate, windows: o.calibrationWindows, seed: o.seed,
  });
  return {
    format: 'edge-infer-profile',
    version: 1,
    model: { ...(o.sha256 !== undefined ? { sha256: o.sha256.toLowerCase() } : {}), inputs, outputs },
    samples,
    seed: o.seed,
    falseAlarmRate: o.falseAlarmRate,
    features,
    windows,
  };
}

/** The feature plan of a profile, to compute its features on live rows (bindRows, rowFeatures). */
export function planOfProfile(profile: Profile): FeaturePlan {
  const lengths = new Map<string, number>();
  for (const t of profile.model.inputs) lengths.set(`input:${t.name}`, t.rowDims.reduce((a, b) => a * b, 1));
  for (const t of profile.model.outputs) lengths.set(`output:${t.name}`, t.rowDims.reduce((a, b) => a * b, 1));
  return compilePlan(profile.features, lengths, profile.seed);
}

/** Reads a profile from parsed JSON, checking every field; throws `profile-invalid` naming the first bad one. */
export function parseProfile(json: unknown): Profile {
  const profile = checkProfile(json);
  try {
    planOfProfile(profile);
  } catch (error) {
    if (error instanceof EdgeInferError) throw new EdgeInferError('profile-invalid', `features: ${error.message}`, { field: 'features' }, { cause: error });
    throw error;
  }
  return profile;
}

/**
 * Throws `profile-invalid` unless the profile was made for a model with this signature: the same input and output
 * names, the same dtypes, the same rank and the same size on every axis both fix.
 */
export function checkProfileMatches(profile: Profile, inputs: readonly ModelTensor[], outputs: readonly ModelTensor[]): void {
  const compare = (theirs: readonly ProfileTensor[], model: readonly ModelTensor[], kind: 'input' | 'output') => {
    const names = (list: readonly { name: string }[]) => list.map((t) => t.name).sort().join(', ');
    if (names(theirs) !== names(model)) {
      throw new EdgeInferError('profile-invalid', `the profile's ${kind}s are (${names(theirs)}), the model's are (${names(model)})`, { field: `model.${kind}s` });
    }
    for (const t of theirs) {
      const m = model.find((x) => x.name === t.name) as ModelTensor;
      const fail = (what: string) => {
        throw new EdgeInferError('profile-invalid', `${kind} ${shown(t.name)}: ${what}`, { field: `model.${kind}s`, [kind]: t.name });
      };
      if (m.dtype !== t.dtype) fail(`the profile expects ${t.dtype}, the model has ${m.dtype}`);
      if (t.dims === null || m.dims === null) continue;
      const fixedDiffer = t.dims.some((d, i) => typeof d === 'number' && typeof m.dims?.[i] === 'number' && m.dims[i] !== d);
      if (t.dims.length !== m.dims.length || fixedDiffer) fail(`the profile expects dims [${t.dims.join(',')}], the model has [${m.dims.join(',')}]`);
    }
  };
  compare(profile.model.inputs, inputs, 'input');
  compare(profile.model.outputs, outputs, 'output');
}

type Json = Record<string, unknown>;

function profileInvalid(field: string, expected: string, got: unknown): never {
  throw new EdgeInferError('profile-invalid', `${field}: expected ${expected}, got ${shown(got)}`, { field });
}

function objectAt(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) profileInvalid(field, 'an object', value);
  return value as Json;
}

function arrayAt(value: unknown, field: string, min = 0): unknown[] {
  if (!Array.isArray(value) || value.length < min) profileInvalid(field, min > 0 ? `an array of at least ${min}` : 'an array', value);
  return value;
}

const isCount = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;

/** Checks every field of a parsed profile and returns a fresh copy holding only the known fields. */
function checkProfile(json: unknown): Profile {
  const p = objectAt(json, 'profile');
  if (p.format !== 'edge-infer-profile') profileInvalid('format', '"edge-infer-profile"', p.format);
  if (p.version !== 1) profileInvalid('version', '1', p.version);
  const model = objectAt(p.model, 'model');
  if (model.sha256 !== undefined && !(typeof model.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(model.sha256))) profileInvalid('model.sha256', '64 hex digits', model.sha256);
  const tensors = (kind: 'inputs' | 'outputs'): ProfileTensor[] => {
    const seen = new Set<string>();
    return arrayAt(model[kind], `model.${kind}`).map((value, i) => {
      const field = `model.${kind}[${i}]`;
      const t = objectAt(value, field);
      if (typeof t.name !== 'string' || t.name === '' || seen.has(t.name)) profileInvalid(`${field}.name`, 'a unique non-empty string', t.name);
      seen.add(t.name);
      if (typeof t.dtype !== 'string' || !(t.dtype in DTYPES)) profileInvalid(`${field}.dtype`, `one of ${Object.keys(DTYPES).join(', ')}`, t.dtype);
      if (t.dims !== null && !(Array.isArray(t.dims) && t.dims.every((d) => isCount(d, 0) || typeof d === 'string'))) {
        profileInvalid(`${field}.dims`, 'null or an array of non-negative integers and names', t.dims);
      }
      const rowDims = arrayAt(t.rowDims, `${field}.rowDims`);
      if (!rowDims.every((d) => isCount(d, 0))) profileInvalid(`${field}.rowDims`, 'non-negative integers', rowDims);
      return { name: t.name, dtype: t.dtype, dims: t.dims === null ? null : [...(t.dims as (number | string)[])], rowDims: rowDims as number[] };
    });
  };
  const inputs = tensors('inputs');
  const outputs = tensors('outputs');
  if (!isCount(p.samples, 1)) profileInvalid('samples', 'a positive integer', p.samples);
  if (!isCount(p.seed, 0) || p.seed > 0xffffffff) profileInvalid('seed', 'an integer in [0, 2^32)', p.seed);
  if (!(typeof p.falseAlarmRate === 'number' && p.falseAlarmRate > 0 && p.falseAlarmRate < 1)) profileInvalid('falseAlarmRate', 'a number in (0, 1)', p.falseAlarmRate);

  const names = new Set<string>();
  const features = arrayAt(p.features, 'features', 1).map((value, i): ProfileFeature => {
    const field = `features[${i}]`;
    const f = objectAt(value, field);
    if (typeof f.name !== 'string' || f.name === '' || names.has(f.name)) profileInvalid(`${field}.name`, 'a unique non-empty string', f.name);
    names.add(f.name);
    if (f.kind !== 'input' && f.kind !== 'output') profileInvalid(`${field}.kind`, '"input" or "output"', f.kind);
    const list = f.kind === 'input' ? inputs : outputs;
    if (!list.some((t) => t.name === f.tensor)) profileInvalid(`${field}.tensor`, `one of the model's ${f.kind}s (${list.map((t) => t.name).join(', ')})`, f.tensor);
    const source = objectAt(f.source, `${field}.source`);
    const of = source.of;
    if (of === 'value' || of === 'projection') {
      if (!isCount(source.index, 0)) profileInvalid(`${field}.source.index`, 'a non-negative integer', source.index);
    } else if (!['mean', 'std', 'zeros', 'class', 'confidence'].includes(of as string)) {
      profileInvalid(`${field}.source.of`, 'one of value, mean, std, zeros, projection, class, confidence', of);
    }
    const reference = arrayAt(f.reference, `${field}.reference`, 1);
    let bins: number;
    let edges: number[] | undefined;
    let classes: number | undefined;
    if (of === 'class') {
      if (!isCount(f.classes, 2)) profileInvalid(`${field}.classes`, 'an integer of at least 2', f.classes);
      if (f.edges !== undefined) profileInvalid(`${field}.edges`, 'no edges on a categorical feature', f.edges);
      bins = classes = f.classes;
    } else {
      edges = arrayAt(f.edges, `${field}.edges`, 1) as number[];
      edges.forEach((e, j) => {
        if (!Number.isFinite(e) || (j > 0 && !(e > (edges?.[j - 1] as number)))) profileInvalid(`${field}.edges[${j}]`, 'finite, strictly ascending numbers', e);
      });
      bins = edges.length + 1;
    }
    if (reference.length !== bins) profileInvalid(`${field}.reference`, `${bins} shares (one per bin)`, reference);
    let sum = 0;
    reference.forEach((r, j) => {
      if (!(typeof r === 'number' && r >= 0 && r <= 1)) profileInvalid(`${field}.reference[${j}]`, 'a share in [0, 1]', r);
      sum += r;
    });
    if (Math.abs(sum - 1) > 1e-6) profileInvalid(`${field}.reference`, 'shares summing to 1', `a sum of ${sum}`);
    return {
      name: f.name, kind: f.kind, tensor: f.tensor as string,
      source: (of === 'value' || of === 'projection' ? { of, index: source.index } : { of }) as ProfileFeature['source'],
      ...(edges ? { edges: [...edges] } : {}), ...(classes !== undefined ? { classes } : {}), reference: reference as number[],
    };
  });

  const sizes = new Set<number>();
  const windows = arrayAt(p.windows, 'windows', 1).map((value, i): WindowCalibration => {
    const w = objectAt(value, `windows[${i}]`);
    if (!isCount(w.size, 1) || sizes.has(w.size)) profileInvalid(`windows[${i}].size`, 'a positive integer, unique among windows', w.size);
    sizes.add(w.size);
    const thresholds = arrayAt(w.thresholds, `windows[${i}].thresholds`);
    if (thresholds.length !== features.length) profileInvalid(`windows[${i}].thresholds`, `${features.length} thresholds (one per feature)`, thresholds);
    thresholds.forEach((t, j) => {
      if (!(typeof t === 'number' && t > 0 && Number.isFinite(t))) profileInvalid(`windows[${i}].thresholds[${j}]`, 'a positive finite number', t);
    });
    return { size: w.size, thresholds: thresholds as number[] };
  });
  return {
    format: 'edge-infer-profile', version: 1,
    model: { ...(model.sha256 !== undefined ? { sha256: model.sha256 as string } : {}), inputs, outputs },
    samples: p.samples, seed: p.seed, falseAlarmRate: p.falseAlarmRate, features, windows: windows.sort((a, b) => a.size - b.size),
  };
}
