/// <reference types="node" />
// Command-line parsing for `edge-infer`: turns argv into a command or a usage error.
import { parseArgs } from 'node:util';
import { EdgeInferError } from '../errors.js';
import type { ProfileRequest } from './profile.js';
import type { QuantizeOptions } from './quantize/options.js';

export const USAGE = `Usage:
  edge-infer quantize <in.onnx> <out.onnx> [options]
      --mode dynamic|weights   dynamic: int8 weights + integer kernels (WASM); weights: int8 weights,
                               float compute (WebGPU). Default dynamic.
      --per-channel            one scale per output channel for every weight
      --per-tensor             one scale per weight (default: per channel where it cuts the error by 10%+)
      --expand load|run        expand int8 weights read as floats at session load (Cast+Mul, folded by
                               onnxruntime) or at every run (DequantizeLinear). Default load.
      --exclude <names>        comma-separated node names whose weights stay float32 (repeatable)
      --min-elements N         weights with fewer elements stay float32 (default 256)
      --compact-names          rename internal values and nodes to short ids (smaller file)
      --no-verify              skip loading the result in onnxruntime-web before writing it
      --json                   print the report as JSON
  edge-infer inspect <model.onnx> [--json]
      opset, inputs and outputs, op counts, weight bytes and where they live
  edge-infer profile <model.onnx> --inputs <ref.npy> --out <profile.json> [options]
      --inputs [NAME=]FILE     reference rows of an input: .npy (float32 or int64), rows on the first axis, each
                               row batch-first ([N, ...dims after the batch]) or a whole feed ([N, ...dims]).
                               NAME= is needed when the model has several inputs (repeat per input)
      --const NAME=VALUE       an input fed VALUE on every row (fixed dims only), e.g. --const sr=16000
      --window-sizes LIST      window sizes to calibrate drift thresholds for (default 50,200,1000)
      --false-alarm-rate P     target false alarms per window for the whole model (default 0.01)
      --bins N                 bins per continuous feature (default 10)
      --seed N                 seed of the projections and the calibration (default 1)
      --classifier NAME|none   the output watched as class + confidence (default: outputs whose rows are
                               probabilities)
      --batch N                rows per run (default 256; 1 when the model fixes its batch to 1)
      --json                   print the summary as JSON
  edge-infer drift-report <received.jsonl> <profile.json> [--model ID] [--json]
      sums the edge_infer.drift.feature histograms devices sent (OTLP JSON, one request per line, as the demo's
      dev receiver stores them in .otlp/received.jsonl) and scores each feature against the profile

Exit status: 0 done, 1 error, 2 bad usage, 3 nothing to quantize (no file written).`;

export type Command =
  | { command: 'help' }
  | { command: 'inspect'; input: string; json: boolean }
  | { command: 'quantize'; input: string; output: string; json: boolean; verify: boolean; options: QuantizeOptions }
  | {
    command: 'profile'; input: string; output: string; json: boolean;
    /** Files by input name (undefined: the model's only input). */
    inputs: { name?: string; file: string }[];
    consts: Record<string, number>;
    options: NonNullable<ProfileRequest['options']>;
  }
  | { command: 'drift-report'; received: string; profile: string; model?: string; json: boolean };

/** Options each command takes (besides --help); others are a usage error. */
const TAKES: Record<string, readonly string[]> = {
  inspect: ['json'],
  quantize: ['mode', 'per-channel', 'per-tensor', 'expand', 'exclude', 'min-elements', 'compact-names', 'no-verify', 'json'],
  profile: ['inputs', 'const', 'out', 'window-sizes', 'false-alarm-rate', 'bins', 'seed', 'classifier', 'batch', 'json'],
  'drift-report': ['model', 'json'],
};

export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...files] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  const takes = TAKES[command];
  if (!takes) throw usage(`unknown command "${command}"; expected ${Object.keys(TAKES).join(', ')}`);
  const other = Object.keys(values).filter((k) => k !== 'help' && !takes.includes(k));
  if (other.length > 0) throw usage(`${command} does not take ${other.map((k) => `--${k}`).join(', ')}`);
  if (command === 'profile') return profileCommand(files, values);
  if (command === 'drift-report') {
    if (files.length !== 2) throw usage(`drift-report takes a received.jsonl and a profile.json, got ${files.length} file(s)`);
    if (values.model === '') throw usage('--model must name a model id');
    return { command, received: files[0] as string, profile: files[1] as string, ...(values.model !== undefined ? { model: values.model } : {}), json: values.json === true };
  }
  if (command === 'inspect') {
    if (files.length !== 1) throw usage(`inspect takes one model file, got ${files.length}`);
    return { command: 'inspect', input: files[0] as string, json: values.json === true };
  }
  if (files.length !== 2) throw usage(`quantize takes an input and an output file, got ${files.length} file(s)`);
  if (values['per-channel'] && values['per-tensor']) throw usage('--per-channel and --per-tensor exclude each other');
  const options: QuantizeOptions = {
    mode: values.mode as QuantizeOptions['mode'],
    perChannel: values['per-channel'] ? true : values['per-tensor'] ? false : 'auto',
    expand: values.expand as QuantizeOptions['expand'],
    exclude: (values.exclude ?? []).flatMap((list) => list.split(',')).map((n) => n.trim()).filter(Boolean),
    compactNames: values['compact-names'] === true,
  };
  if (values['min-elements'] !== undefined) {
    const n = Number(values['min-elements']);
    if (!Number.isInteger(n) || n < 1) throw usage(`--min-elements must be a positive integer, got "${values['min-elements']}"`);
    options.minElements = n;
  }
  return { command: 'quantize', input: files[0] as string, output: files[1] as string, json: values.json === true, verify: values['no-verify'] !== true, options };
}

type Values = ReturnType<typeof parse>['values'];

function profileCommand(files: string[], values: Values): Command {
  if (files.length !== 1) throw usage(`profile takes one model file, got ${files.length}`);
  if (!values.out) throw usage('profile needs --out <profile.json>');
  if (!values.inputs?.length) throw usage('profile needs reference rows: --inputs <ref.npy> (or --inputs NAME=FILE per input)');
  const inputs = values.inputs.map((spec) => {
    const at = spec.indexOf('=');
    if (at < 0) return { file: spec };
    if (at === 0 || at === spec.length - 1) throw usage(`--inputs expects FILE or NAME=FILE, got "${spec}"`);
    return { name: spec.slice(0, at), file: spec.slice(at + 1) };
  });
  const consts: Record<string, number> = {};
  for (const spec of values.const ?? []) {
    const at = spec.indexOf('=');
    const value = Number(spec.slice(at + 1));
    if (at <= 0 || spec.slice(at + 1).trim() === '' || !Number.isFinite(value)) throw usage(`--const expects NAME=NUMBER, got "${spec}"`);
    consts[spec.slice(0, at)] = value;
  }
  const options: { windowSizes?: number[]; falseAlarmRate?: number; bins?: number; seed?: number; batchSize?: number; classifier?: string | null } = {};
  const integer = (flag: string, min: number, max: number) => {
    const text = values[flag as keyof Values] as string | undefined;
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw usage(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
    return n;
  };
  if (values['window-sizes'] !== undefined) {
    const sizes = values['window-sizes'].split(',').map((s) => Number(s.trim()));
    if (!sizes.every((n) => Number.isInteger(n) && n > 0) || new Set(sizes).size !== sizes.length) {
      throw usage(`--window-sizes must be distinct positive integers such as 50,200,1000, got "${values['window-sizes']}"`);
    }
    options.windowSizes = sizes;
  }
  if (values['false-alarm-rate'] !== undefined) {
    const p = Number(values['false-alarm-rate']);
    if (!(p > 0 && p < 1)) throw usage(`--false-alarm-rate must be a number between 0 and 1, got "${values['false-alarm-rate']}"`);
    options.falseAlarmRate = p;
  }
  for (const [flag, key, min, max] of [['bins', 'bins', 2, 256], ['seed', 'seed', 0, 0xffffffff], ['batch', 'batchSize', 1, 1 << 20]] as const) {
    const n = integer(flag, min, max);
    if (n !== undefined) options[key] = n;
  }
  if (values.classifier !== undefined) options.classifier = values.classifier === 'none' ? null : values.classifier;
  return { command: 'profile', input: files[0] as string, output: values.out, json: values.json === true, inputs, consts, options };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      mode: { type: 'string' },
      'per-channel': { type: 'boolean' },
      'per-tensor': { type: 'boolean' },
      expand: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      'min-elements': { type: 'string' },
      'compact-names': { type: 'boolean' },
      'no-verify': { type: 'boolean' },
      inputs: { type: 'string', multiple: true },
      const: { type: 'string', multiple: true },
      out: { type: 'string' },
      'window-sizes': { type: 'string' },
      'false-alarm-rate': { type: 'string' },
      bins: { type: 'string' },
      seed: { type: 'string' },
      classifier: { type: 'string' },
      batch: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function usage(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message, { usage: true });
}
