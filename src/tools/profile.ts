// `edge-infer profile`: runs reference rows through a model in onnxruntime-web (WASM, in Node) and builds its drift
// profile with createProfile(), the same code the browser API runs. No Node API here: cli.ts reads and writes files.
import { sha256Hex } from '../store/integrity.js';
import { EdgeInferError, shown } from '../errors.js';
import { createProfile, type CreateProfileOptions } from '../monitor/create-profile.js';
import type { Profile } from '../monitor/profile-types.js';
import { DTYPES, type Dtype, type Tensor, type TypedArray, type ValueInfo } from '../tensor.js';
import { inspect } from './inspect.js';
import { openSession } from './ort-session.js';

/** Rows per session.run unless the model fixes its batch to 1 (or has no batch axis). */
export const PROFILE_BATCH = 256;

export interface ReferenceInput {
  /** The model input these rows are for; may be left out when the model has exactly one input. */
  readonly name?: string;
  /** Where the rows came from (a file name), for messages. */
  readonly label: string;
  /** Rows stacked on the first axis. */
  readonly tensor: Tensor;
}

export interface ProfileRequest {
  readonly inputs: readonly ReferenceInput[];
  /** Inputs fed the same value on every row (such as a sample rate); their dims must be fixed. */
  readonly consts?: Readonly<Record<string, number>>;
  readonly options?: Omit<CreateProfileOptions, 'onProgress'>;
}

export interface ProfileResult {
  readonly profile: Profile;
  readonly rows: number;
  /** session.run calls. */
  readonly runs: number;
  readonly seconds: number;
}

function invalid(what: string, details: Record<string, unknown> = {}): never {
  throw new EdgeInferError('input-invalid', what, details);
}

/** Profiles a model file from reference rows. Errors name the input and the file its rows came from. */
export async function profileModel(bytes: Uint8Array, request: ProfileRequest): Promise<ProfileResult> {
  const started = performance.now();
  const report = inspect(bytes);
  const signature = (list: typeof report.inputs, kind: string): ValueInfo[] => list.map((v) => {
    if (!(v.dtype in DTYPES)) invalid(`the model's ${kind} ${shown(v.name)} is ${v.dtype}; profiles need numeric tensors`);
    return { name: v.name, dtype: v.dtype as Dtype, dims: v.dims };
  });
  const inputs = signature(report.inputs, 'input');
  const outputs = signature(report.outputs, 'output');
  const { tensors, labels, rows } = resolveInputs(inputs, request);
  const sha256 = await sha256Hex(bytes);

  const { ort, session } = await openSession(bytes, 'model-invalid', 'the model');
  let runs = 0;
  const model = {
    inputs, outputs,
    sha256,
    async run(feeds: Record<string, Tensor>) {
      runs++;
      const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype, t.data as never, t.dims)]));
      try {
        const out = await session.run(ortFeeds);
        return { outputs: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray }])) };
      } catch (error) {
        throw new EdgeInferError('inference-failed', `onnxruntime-web: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
      }
    },
  };
  try {
    const profile = await createProfile(model, tensors, { batchSize: PROFILE_BATCH, ...request.options });
    return { profile, rows, runs, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    const input = error instanceof EdgeInferError ? error.details.input : undefined;
    const label = typeof input === 'string' ? labels.get(input) : undefined;
    if (label === undefined) throw error;
    const e = error as EdgeInferError;
    throw new EdgeInferError(e.code, `${label}: ${e.message}`, { ...e.details }, { cause: error });
  } finally {
    await session.release();
  }
}

/** Matches files and constants to the model's inputs: every input exactly once, rows alike. */
function resolveInputs(inputs: readonly ValueInfo[], request: ProfileRequest) {
  const names = inputs.map((v) => v.name).join(', ');
  const tensors: Record<string, Tensor> = {};
  const labels = new Map<string, string>();
  let rows = -1;
  for (const given of request.inputs) {
    let name = given.name;
    if (name === undefined) {
      if (inputs.length !== 1) invalid(`--inputs ${given.label}: the model has ${inputs.length} inputs (${names}); name each one as --inputs NAME=FILE`);
      name = (inputs[0] as ValueInfo).name;
    }
    if (!inputs.some((v) => v.name === name)) invalid(`--inputs ${name}=${given.label}: the model has no input ${shown(name)}; its inputs are ${names}`);
    if (labels.has(name)) invalid(`--inputs: ${shown(name)} is given twice (${labels.get(name)} and ${given.label})`);
    const label = `--inputs ${name}=${given.label}`;
    const n = given.tensor.dims[0] ?? 0;
    if (rows >= 0 && n !== rows) invalid(`${label}: ${n} rows, but ${[...labels.values()][0]} has ${rows}; every input needs the same rows`, { input: name });
    rows = n;
    labels.set(name, label);
    tensors[name] = given.tensor;
  }
  if (rows < 0) invalid(`expected reference rows for at least one input (--inputs FILE), got none; the model's inputs are ${names}`);
  for (const [name, value] of Object.entries(request.consts ?? {})) {
    const info = inputs.find((v) => v.name === name);
    if (!info) invalid(`--const ${name}: the model has no input ${shown(name)}; its inputs are ${names}`);
    if (labels.has(name)) invalid(`--const ${name}: ${shown(name)} is also given as ${labels.get(name)}`);
    labels.set(name, `--const ${name}=${value}`);
    tensors[name] = constantRows(info, value, rows);
  }
  const missing = inputs.filter((v) => !labels.has(v.name));
  if (missing.length > 0) {
    invalid(`missing reference rows for ${missing.map((v) => `${v.name} (${v.dtype} ${v.dims ? `[${v.dims.join(', ')}]` : '[any shape]'})`).join(', ')}: ` +
      'give each as --inputs NAME=FILE.npy, or --const NAME=VALUE for a value fixed on every row', { input: missing[0]?.name });
  }
  return { tensors, labels, rows };
}

/** `rows` copies of a constant input, one whole feed per row: dims [rows, ...the model's dims]. */
function constantRows(info: ValueInfo, value: number, rows: number): Tensor {
  const label = `--const ${info.name}=${value}`;
  const dims = info.dims;
  if (dims === null || !dims.every((d): d is number => typeof d === 'number')) {
    invalid(`${label}: the model's ${info.name} has free dims [${dims?.join(', ') ?? 'any shape'}]; give its rows in a .npy file instead`, { input: info.name });
  }
  const length = dims.reduce((a, b) => a * b, 1) * rows;
  const integer = !info.dtype.startsWith('float');
  if (info.dtype === 'float16') invalid(`${label}: float16 constants are not supported; give its rows in a .npy file`, { input: info.name });
  if (integer && !Number.isSafeInteger(value)) invalid(`${label}: the model's ${info.name} is ${info.dtype}; expected an integer, got ${value}`, { input: info.name });
  const ArrayType = { Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array }[DTYPES[info.dtype]];
  const data = new ArrayType(length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) data.fill(BigInt(value) as never);
  else data.fill(value);
  return { dtype: info.dtype, dims: [rows, ...dims], data };
}

/** A profile as JSON text: two-space indents, arrays of numbers on one line (edges, shares, thresholds). */
export function profileJson(profile: Profile): string {
  const plain = /^(-?[\d.eE+-]+|"[\w.:\-[\]]*"|null|true|false)$/;
  const text = JSON.stringify(profile, null, 2).replace(/\[([^[\]{}]*)\]/g, (match, inner: string) => {
    const items = inner.split(',').map((s) => s.trim());
    return items.every((s) => plain.test(s)) ? `[${items.join(', ')}]` : match;
  });
  return `${text}\n`;
}
