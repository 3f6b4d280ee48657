/// <reference types="node" />
// `edge-infer quantize | inspect | profile | drift-report`: reads the files, runs the tool, prints a report, writes
// the result atomically.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EdgeInferError, isEdgeInferError } from '../errors.js';
import { parseNpy } from '../monitor/npy.js';
import { parseProfile } from '../monitor/profile.js';
import { parseCommand, USAGE, type Command } from './cli-args.js';
import { formatDriftReport, formatInspect, formatProfile, formatQuantize, profileSummary } from './cli-format.js';
import { driftReport } from './drift-report.js';
import { inspect } from './inspect.js';
import { profileJson, profileModel } from './profile.js';
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
    if (cmd.command === 'profile') return await profileCommand(cmd, io);
    if (cmd.command === 'drift-report') return await driftReportCommand(cmd, io);
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

async function profileCommand(cmd: Extract<Command, { command: 'profile' }>, io: CliIo): Promise<number> {
  // Checked first: a long run should not end on a directory that is not there.
  const dir = await stat(dirname(cmd.output)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new Error(`--out ${cmd.output}: the directory ${dirname(cmd.output)} does not exist`);
  const model = await readInput(cmd.input);
  const inputs = [];
  for (const { name, file } of cmd.inputs) {
    let tensor;
    try {
      tensor = parseNpy(await readInput(file));
    } catch (error) {
      if (!isEdgeInferError(error)) throw error;
      throw new EdgeInferError(error.code, `--inputs ${name === undefined ? '' : `${name}=`}${file}: ${error.message}`, { ...error.details }, { cause: error });
    }
    inputs.push({ ...(name !== undefined ? { name } : {}), label: file, tensor });
  }
  const result = await profileModel(model, { inputs, consts: cmd.consts, options: cmd.options });
  await writeAtomically(cmd.output, new TextEncoder().encode(profileJson(result.profile)));
  const summary = profileSummary(cmd.input, cmd.output, result);
  io.out(cmd.json ? JSON.stringify(summary, null, 2) : formatProfile(summary));
  return EXIT.ok;
}

async function driftReportCommand(cmd: Extract<Command, { command: 'drift-report' }>, io: CliIo): Promise<number> {
  const text = new TextDecoder().decode(await readInput(cmd.profile));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EdgeInferError('profile-invalid', `${cmd.profile}: expected a profile as JSON, got text that is not JSON`);
  }
  let profile;
  try {
    profile = parseProfile(json);
  } catch (error) {
    if (!isEdgeInferError(error)) throw error;
    throw new EdgeInferError(error.code, `${cmd.profile}: ${error.message}`, { ...error.details }, { cause: error });
  }
  const lines = new TextDecoder().decode(await readInput(cmd.received)).split('\n');
  const result = driftReport(profile, lines, cmd.model !== undefined ? { model: cmd.model } : {});
  io.out(cmd.json ? JSON.stringify({ received: cmd.received, profile: cmd.profile, ...result }, null, 2) : formatDriftReport(cmd.received, result));
  return EXIT.ok;
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(error)})`);
  }
}

/** Writes next to the target and renames, so a failure never leaves a partial file behind. */
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
