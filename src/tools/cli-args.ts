/// <reference types="node" />
// Command-line parsing for `edge-infer`: turns argv into a command or a usage error.
import { parseArgs } from 'node:util';
import { EdgeInferError } from '../errors.js';
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

Exit status: 0 done, 1 error, 2 bad usage, 3 nothing to quantize (no file written).`;

export type Command =
  | { command: 'help' }
  | { command: 'inspect'; input: string; json: boolean }
  | { command: 'quantize'; input: string; output: string; json: boolean; verify: boolean; options: QuantizeOptions };

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
  if (command === 'inspect') {
    if (files.length !== 1) throw usage(`inspect takes one model file, got ${files.length}`);
    return { command, input: files[0] as string, json: values.json === true };
  }
  if (command !== 'quantize') throw usage(`unknown command "${command}"; expected quantize or inspect`);
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
  return { command, input: files[0] as string, output: files[1] as string, json: values.json === true, verify: values['no-verify'] !== true, options };
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
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function usage(message: string): EdgeInferError {
  return new EdgeInferError('options-invalid', message, { usage: true });
}
