import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { EXIT } from '../../../src/tools/index.js';
import { cli } from './run-cli.js';
import * as g from './graphs.js';

const dir = mkdtempSync(join(tmpdir(), 'edge-infer-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('quantize writes a model that loads, and --json prints the report', async () => {
  const output = join(dir, 'digits.int8.onnx');
  const r = await cli('quantize', 'models/digits/model.onnx', output, '--mode', 'dynamic', '--json');
  expect(r.code).toBe(EXIT.ok);
  const report = JSON.parse(r.out);
  expect(report).toMatchObject({ output, verified: true, changed: true, mode: 'dynamic', summary: { nodesQuantized: 2, weightsQuantized: 2 } });
  expect(readFileSync(output).length).toBe(report.bytes.after);
  expect(report.bytes.after / report.bytes.before).toBeLessThan(0.3);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('the human-readable report names sizes, counts and kept weights', async () => {
  const r = await cli('quantize', 'models/digits/model.onnx', join(dir, 'weights.onnx'), '--mode', 'weights', '--per-tensor', '--min-elements', '100000');
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toMatch(/weights int8, per-tensor; weights read as float32 are expanded once, at session load/);
  expect(r.out).toMatch(/814,840 -> \d[\d,]+ bytes/);
  expect(r.out).toMatch(/kept dense2\.weight \[256, 10\]: 2560 elements, fewer than min-elements 100000/);
});

test('nothing to quantize: exit 3, a report saying so, and no file', async () => {
  const input = join(dir, 'small.onnx');
  writeFileSync(input, g.nothingToQuantizeModel());
  const output = join(dir, 'small.int8.onnx');
  const r = await cli('quantize', input, output);
  expect(r.code).toBe(EXIT.unchanged);
  expect(r.out).toMatch(/nothing to quantize; .* was not written/);
  expect(existsSync(output)).toBe(false);
});

test('a file that is not ONNX or is truncated: exit 1 with the reason, no output file', async () => {
  const html = join(dir, 'page.onnx');
  writeFileSync(html, '<!doctype html><title>Not found</title>');
  const cut = join(dir, 'cut.onnx');
  writeFileSync(cut, readFileSync('models/vad/model.onnx').subarray(0, 100_000));
  for (const input of [html, cut, join(dir, 'missing.onnx')]) {
    const output = `${input}.int8`;
    const r = await cli('quantize', input, output);
    expect(r.code, input).toBe(EXIT.error);
    expect(r.err).toMatch(/^edge-infer: /);
    expect(existsSync(output)).toBe(false);
  }
  expect((await cli('quantize', cut, join(dir, 'x.onnx'))).err).toMatch(/not a readable ONNX model/);
});

test('usage errors exit 2 and point at --help', async () => {
  for (const argv of [['quantize', 'a.onnx'], ['frobnicate'], ['quantize', 'a', 'b', '--bogus'], ['quantize', 'a', 'b', '--min-elements', 'x'],
    ['quantize', 'models/digits/model.onnx', join(dir, 'o.onnx'), '--mode', 'int4']]) {
    const r = await cli(...argv);
    expect(r.code, argv.join(' ')).toBe(EXIT.usage);
    expect(r.err).toMatch(/--help/);
  }
  const help = await cli('--help');
  expect(help.code).toBe(EXIT.ok);
  expect(help.out).toMatch(/edge-infer quantize <in\.onnx> <out\.onnx>/);
});

test('inspect reports opset, signature, ops and where the weights live', async () => {
  const r = await cli('inspect', 'models/vad/model.onnx', '--json');
  expect(r.code).toBe(EXIT.ok);
  const report = JSON.parse(r.out);
  expect(report.opsets).toEqual([{ domain: 'ai.onnx', version: 16 }]);
  expect(report.inputs.map((i: { name: string }) => i.name)).toEqual(['input', 'state', 'sr']);
  expect(report.ops.If).toBeGreaterThan(0);
  expect(report.weights.byGraph.find((x: { graph: string }) => x.graph === 'main/If_0:then_branch').constants.bytes).toBeGreaterThan(1_000_000);
  expect(report.weights.byDtype.float32.bytes).toBeGreaterThan(2_000_000);
  const text = await cli('inspect', 'models/digits/model.onnx');
  expect(text.out).toMatch(/inputs: {2}pixels float32 \[batch, 784\]/);
  expect(text.out).toMatch(/ops: {5}Add 2, MatMul 2, Relu 1, Softmax 1/);
});
