// npm run compare, as a user runs it: a child process that starts the dev server and headless Chromium, compares a
// generated model, prints the table and writes JSON and CSV; bad files exit 2 with their code.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { checkReport } from '../../demo/lab/export.js';
import type { LabReport } from '../../demo/lab/types.js';
import { DataType } from '../../src/tools/onnx/proto.js';
import { f32, graph, model, node, weight } from '../unit/tools/graphs.js';

let dir: string;

/** A 32-64-10 MLP: big enough weights for the quantizer, a classifier-shaped output. */
function mlp(): Uint8Array {
  return model(graph('mlp', [
    node('MatMul', ['x', 'w1'], ['h']),
    node('Relu', ['h'], ['r']),
    node('MatMul', ['r', 'w2'], ['logits']),
    node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
  ], [f32('x', ['batch', 32])], [f32('probabilities', ['batch', 10])], [weight('w1', [32, 64], 3), weight('w2', [64, 10], 4)]));
}

/** A model whose input is a string tensor: nothing the lab can make up. */
function stringInput(): Uint8Array {
  const info = (name: string) => ({ name, type: { tensorType: { elemType: DataType.STRING, shape: { dim: [{ dimValue: 1 }] } } } });
  return model(graph('strings', [node('Identity', ['s'], ['t'])], [info('s')], [info('t')]));
}

function compare(...argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/compare.mjs', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'compare-'));
  writeFileSync(join(dir, 'mlp.onnx'), mlp());
  writeFileSync(join(dir, 'strings.onnx'), stringInput());
  writeFileSync(join(dir, 'notes.onnx'), 'these are not the weights you are looking for\n');
});

test('a generated model: quantized, compared on wasm, table printed, JSON and CSV written and schema-checked', async () => {
  const json = join(dir, 'out.json');
  const csv = join(dir, 'out.csv');
  const run = await compare('--model', join(dir, 'mlp.onnx'), '--backends', 'wasm-1', '--batches', '1,16', '--runs', '5-20', '--budget', '300', '--json', json, '--csv', csv);
  expect(run.err).not.toMatch(/^error/m);
  expect(run.code).toBe(0);
  const report = JSON.parse(readFileSync(json, 'utf8')) as LabReport;
  expect(checkReport(report)).toEqual([]);
  expect(report.models.map((m) => m.model)).toEqual(['mlp.onnx']);
  const rows = report.models[0]!.rows;
  // fp32 and both int8 forms, at batch 1 and 16, each with numbers.
  expect(new Set(rows.map((r) => `${r.variant}/${r.batch}`))).toEqual(new Set(['fp32/1', 'fp32/16', 'int8-dynamic/1', 'int8-dynamic/16', 'int8-weights/1', 'int8-weights/16']));
  for (const r of rows) {
    expect(r.error).toBeUndefined();
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.agreement!.cosine).toBeGreaterThan(0.99);
  }
  expect(rows.find((r) => r.variant === 'int8-dynamic')!.bytes).toBeLessThan(rows.find((r) => r.variant === 'fp32')!.bytes / 2);
  expect(run.out).toMatch(/^mlp\.onnx \(your file\)/m);
  expect(run.out).toMatch(/^→ .+/m);
  expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + rows.length);
});

test('a file that is not ONNX, a model with string inputs, a missing file, an unknown bundled model: exit 2 with the code', async () => {
  // One at a time: each that gets past its arguments starts a dev server and a Chromium.
  const notOnnx = await compare('--model', join(dir, 'notes.onnx'), '--backends', 'wasm-1');
  const strings = await compare('--model', join(dir, 'strings.onnx'), '--backends', 'wasm-1', '--batches', '1', '--runs', '3-3');
  const missing = await compare('--model', join(dir, 'absent.onnx'));
  const unknown = await compare('--models', 'digits,digitz', '--backends', 'wasm-1'); // refused before digits is measured
  expect([unknown.code, unknown.err]).toEqual([2, expect.stringMatching(/^error model-unknown: not in the manifest: digitz/m)]);
  expect([notOnnx.code, notOnnx.err]).toEqual([2, expect.stringMatching(/^error not-onnx: .*notes\.onnx/m)]);
  expect([strings.code, strings.err]).toEqual([2, expect.stringMatching(/^error inputs-unsupported: .*string/m)]);
  expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/^error file-not-found: .*absent\.onnx does not exist/m)]);
});
