import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { writeNpy } from '../../../src/monitor/npy.js';
import { checkProfileMatches, parseProfile } from '../../../src/monitor/profile.js';
import { mulberry32 } from '../../../src/random.js';
import { EXIT } from '../../../src/tools/index.js';
import { cli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'edge-infer-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first `rows` digits of the held-out set as model input (byte / 255). */
function digitRows(rows: number): Float32Array {
  const bytes = readFileSync('models/digits/test-set.bin');
  return Float32Array.from(bytes.subarray(0, rows * 784), (b) => b / 255);
}

function npy(name: string, tensor: Parameters<typeof writeNpy>[0]): string {
  const path = join(dir, name);
  writeFileSync(path, writeNpy(tensor));
  return path;
}

const pixels = npy('pixels.npy', { dtype: 'float32', dims: [300, 784], data: digitRows(300) });
const DIGIT_FEATURES = [
  'pixels.mean', 'pixels.std', 'pixels.zeros', ...Array.from({ length: 8 }, (_, i) => `pixels.projection[${i}]`),
  'probabilities.class', 'probabilities.confidence', ...Array.from({ length: 10 }, (_, i) => `logits[${i}]`),
];

test('profile: digits with 300 rows writes a profile that parses, with the model sha256 and its features', async () => {
  const out = join(dir, 'digits.profile.json');
  const r = await cli('profile', 'models/digits/model.onnx', '--inputs', pixels, '--out', out, '--window-sizes', '50,200', '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(EXIT.ok);
  const summary = JSON.parse(r.out);
  expect(summary).toMatchObject({ rows: 300, runs: 2, output: out }); // 256 + 44 rows
  const profile = parseProfile(JSON.parse(readFileSync(out, 'utf8')));
  expect(profile.features.map((f) => f.name)).toEqual(DIGIT_FEATURES);
  expect(profile.samples).toBe(300);
  expect(profile.windows.map((w) => w.size)).toEqual([50, 200]);
  expect(profile.model.sha256).toBe(createHash('sha256').update(readFileSync('models/digits/model.onnx')).digest('hex'));
  expect(profile.model.inputs).toEqual([{ name: 'pixels', dtype: 'float32', dims: ['batch', 784], rowDims: [784] }]);
  expect(profile.features.find((f) => f.name === 'probabilities.class')?.classes).toBe(10);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

  // The same seed gives the same file; the human-readable summary names features, windows and time.
  const again = join(dir, 'digits.again.json');
  const text = await cli('profile', 'models/digits/model.onnx', '--inputs', `pixels=${pixels}`, '--out', again, '--window-sizes', '50,200', '--batch', '100');
  expect(text.code).toBe(EXIT.ok);
  expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  expect(text.out).toMatch(/300 reference rows in 3 run\(s\), [\d.]+ s/);
  expect(text.out).toMatch(/wrote .*digits\.again\.json: 23 features/);
  expect(text.out).toMatch(/ {4}50 rows: [\d.]+ \/ [\d.]+ \/ [\d.]+/);
}, 60_000);

test('profile: --classifier none watches every output value', async () => {
  const out = join(dir, 'plain.json');
  const r = await cli('profile', 'models/digits/model.onnx', '--inputs', pixels, '--out', out, '--classifier', 'none', '--window-sizes', '50', '--bins', '5', '--seed', '7');
  expect(r.code).toBe(EXIT.ok);
  const profile = parseProfile(JSON.parse(readFileSync(out, 'utf8')));
  expect(profile.features.map((f) => f.name).slice(11, 13)).toEqual(['probabilities[0]', 'probabilities[1]']);
  expect(profile.seed).toBe(7);
  expect(Math.max(...profile.features.map((f) => f.reference.length))).toBeLessThanOrEqual(6);
}, 60_000);

test('profile: a stateful model with a scalar input (VAD) runs row by row, sr given as a constant', async () => {
  const rows = 24;
  const random = mulberry32(5);
  const frames = Float32Array.from({ length: rows * 576 }, () => (random() - 0.5) * 0.2);
  const input = npy('vad-input.npy', { dtype: 'float32', dims: [rows, 576], data: frames });
  const state = npy('vad-state.npy', { dtype: 'float32', dims: [rows, 2, 1, 128], data: new Float32Array(rows * 256) });
  const out = join(dir, 'vad.json');
  const r = await cli('profile', 'models/vad/model.onnx', '--inputs', `input=${input}`, '--inputs', `state=${state}`, '--const', 'sr=16000',
    '--out', out, '--window-sizes', '10', '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(EXIT.ok);
  expect(JSON.parse(r.out).runs).toBe(rows); // the state [2, ?, 128] holds the batch on axis 1: one row per run
  const profile = parseProfile(JSON.parse(readFileSync(out, 'utf8')));
  const names = profile.features.map((f) => f.name);
  expect(names).toContain('input.mean');
  expect(names).toContain('state.zeros');
  expect(names).toContain('sr');
  expect(names).toContain('output[0]');
  expect(names).toContain('stateN.std');
  expect(profile.model.inputs.map((t) => [t.name, t.rowDims])).toEqual([['input', [576]], ['state', [2, 1, 128]], ['sr', []]]);
  expect(profile.model.outputs.map((t) => [t.name, t.rowDims])).toEqual([['output', [1]], ['stateN', [2, 1, 128]]]);
  expect(profile.features.find((f) => f.name === 'sr')?.edges).toEqual([16000 - 2 ** -39, 16000]);

  // Missing sr, rows that differ between inputs, and sr of the wrong dtype: exit 1, no file.
  const cases: [string[], RegExp][] = [
    [['--inputs', `input=${input}`, '--inputs', `state=${state}`], /missing reference rows for sr \(int64 \[\]\)/],
    [['--inputs', `input=${npy('vad-short.npy', { dtype: 'float32', dims: [rows - 1, 576], data: frames.subarray(0, (rows - 1) * 576) })}`,
      '--inputs', `state=${state}`, '--const', 'sr=16000'], /state=.*: 24 rows, but .*vad-short\.npy has 23; every input needs the same rows/],
    [['--inputs', `input=${input}`, '--inputs', `state=${state}`, '--inputs', `sr=${npy('sr.npy', { dtype: 'float32', dims: [rows], data: new Float32Array(rows).fill(16000) })}`],
      /sr=.*sr\.npy: inputs\.sr: expected int64 rows \[N\] .* got "float32"/],
    [['--inputs', input], /the model has 3 inputs \(input, state, sr\); name each one/],
    [['--inputs', `input=${input}`, '--inputs', `state=${state}`, '--const', 'sr=16000.5'], /expected an integer, got 16000\.5/],
  ];
  for (const [args, message] of cases) {
    const bad = join(dir, 'vad-bad.json');
    const e = await cli('profile', 'models/vad/model.onnx', ...args, '--out', bad, '--window-sizes', '10');
    expect([args.join(' '), e.code]).toEqual([args.join(' '), EXIT.error]);
    expect(e.err).toMatch(message);
    expect(existsSync(bad)).toBe(false);
  }
}, 60_000);

test('profile: bad .npy inputs fail with exit 1, a message naming the input, and no output file', async () => {
  const random = mulberry32(3);
  const cases: [string, RegExp][] = [
    [npy('int64.npy', { dtype: 'int64', dims: [300, 784], data: new BigInt64Array(300 * 784) }),
      /pixels=.*int64\.npy: inputs\.pixels: expected float32 rows \[N, 784\] .*the model's pixels is float32 \[batch, 784\].* got "int64"/],
    [npy('narrow.npy', { dtype: 'float32', dims: [300, 783], data: Float32Array.from({ length: 300 * 783 }, random) }),
      /inputs\.pixels: expected float32 rows \[N, 784\] or \[N, batch, 784\] .* got float32 \[300, 783\]/],
    [npy('one.npy', { dtype: 'float32', dims: [1, 784], data: new Float32Array(784) }), /expected at least 2 reference rows, got 1/],
    [join(dir, 'not-npy.npy'), /not-npy\.npy: npy: expected the magic string/],
    [join(dir, 'absent.npy'), /absent\.npy: no such file/],
  ];
  writeFileSync(join(dir, 'not-npy.npy'), 'hello');
  for (const [file, message] of cases) {
    const out = join(dir, 'bad.json');
    const r = await cli('profile', 'models/digits/model.onnx', '--inputs', file, '--out', out);
    expect([file, r.code]).toEqual([file, EXIT.error]);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }
  const unknown = await cli('profile', 'models/digits/model.onnx', '--inputs', `image=${pixels}`, '--out', join(dir, 'x.json'));
  expect(unknown.code).toBe(EXIT.error);
  expect(unknown.err).toMatch(/the model has no input "image"; its inputs are pixels/);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}, 60_000);

test('profile and drift-report: usage errors exit 2', async () => {
  const model = 'models/digits/model.onnx';
  for (const argv of [
    ['profile', model, '--inputs', pixels],
    ['profile', model, '--out', join(dir, 'o.json')],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--mode', 'dynamic'],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--window-sizes', '50,x'],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--false-alarm-rate', '1'],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--bins', '1'],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--const', 'sr'],
    ['profile', model, '--inputs', '=x.npy', '--out', join(dir, 'o.json')],
    ['profile', model, '--inputs', pixels, '--out', join(dir, 'o.json'), '--classifier', 'pixels'],
    ['drift-report', 'received.jsonl'],
    ['drift-report', 'a', 'b', '--out', 'c'],
    ['inspect', model, '--out', 'c'],
  ]) {
    const r = await cli(...argv);
    expect([argv.join(' '), r.code]).toEqual([argv.join(' '), EXIT.usage]);
    expect(r.err).toMatch(/--help/);
  }
  const missingDir = await cli('profile', model, '--inputs', pixels, '--out', join(dir, 'nowhere', 'p.json'));
  expect(missingDir.code).toBe(EXIT.error);
  expect(missingDir.err).toMatch(/does not exist/);
}, 60_000);

test('the bundled profiles (npm run models) parse, fit their models and match the manifest', () => {
  const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as {
    models: { id: string; sha256: string; inputs: never[]; outputs: never[]; profile?: { file: string; bytes: number; sha256: string } }[];
  };
  for (const entry of manifest.models) {
    const bytes = readFileSync(join('models', entry.profile!.file));
    expect([entry.id, bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([entry.id, entry.profile!.bytes, entry.profile!.sha256]);
    const profile = parseProfile(JSON.parse(bytes.toString('utf8')));
    expect(profile.model.sha256).toBe(entry.sha256);
    checkProfileMatches(profile, entry.inputs, entry.outputs);
  }
  expect(manifest.models.map((m) => m.id)).toEqual(['digits', 'forecast', 'vad']);
});
