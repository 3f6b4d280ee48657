/// <reference types="node" />
// `edge-infer quantize | inspect`: reads the model, runs the tool, prints a report, writes the result atomically.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isEdgeInferError } from '../errors.js';
import { parseCommand, USAGE } from './cli-args.js';
import { formatInspect, formatQuantize } from './cli-format.js';
import { inspect } from './inspect.js';
import { quantize } from './quantize/quantize.js';
import { verifyLoads } from './verify.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const EXIT = { ok: 0, error: 1, usage: 2, unchanged: 3 } as const;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const cmd = parseCommand(argv);
    if (cmd.command === 'help') {
      io.out(USAGE);
      return EXIT.ok;
    }
    const input = await readInput(cmd.input);
    if (cmd.command === 'inspect') {
      const report = inspect(input);
      io.out(cmd.json ? JSON.stringify(report, null, 2) : formatInspect(cmd.input, report));
      return EXIT.ok;
    }
    const { bytes, report } = quantize(input, cmd.options);
    if (report.changed) {
      if (cmd.verify) {
        const original = inspect(input);
        await verifyLoads(bytes, { inputs: original.inputs.map((v) => v.name), outputs: original.outputs.map((v) => v.name) });
      }
      await writeAtomically(cmd.output, bytes);
    }
    const result = { input: cmd.input, output: report.changed ? cmd.output : null, verified: report.changed && cmd.verify, ...report };
    io.out(cmd.json ? JSON.stringify(result, null, 2) : formatQuantize(cmd.input, cmd.output, result));
    return report.changed ? EXIT.ok : EXIT.unchanged;
  } catch (error) {
    io.err(`edge-infer: ${error instanceof Error ? error.message : String(error)}`);
    if (isEdgeInferError(error) && error.code === 'options-invalid') {
      io.err('Run "edge-infer --help" for usage.');
      return EXIT.usage;
    }
    return EXIT.error;
  }
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(error)})`);
  }
}

/** Writes next to the target and renames, so a failure never leaves a partial model behind. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${Date.now()}-${process.pid}.edge-infer.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
