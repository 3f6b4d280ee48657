// What each int8 form costs in onnxruntime-web's WASM heap (its Node build; the browser's WASM backend runs the
// same kernels), measured in a fresh process per form by heap-probe.mjs: whether the weights stay 8-bit in memory
// after the session is created, and after a run. Heap use is deterministic for a given onnxruntime-web, so these
// are exact checks, not timing. bench/int8.mjs measures the same in Chromium, for the bundled and the 13 MB model.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { quantize, type QuantizeOptions } from '../../../src/tools/index.js';
import { f32, graph, model, node, weight } from './graphs.js';

interface Heap {
  heapBytes: number;
  usedBytes: number;
}
interface Probe {
  baseline: Heap;
  load: Heap;
  run: Heap;
}

const WIDTH = 512;
/** x[batch, 512] -> MatMul [512, 1024] -> Relu -> MatMul [1024, 32]: 2.1 MB of float32 weights. */
function mlp(): Uint8Array {
  return model(graph('mlp', [
    node('MatMul', ['x', 'w1'], ['h'], {}, 'dense1'),
    node('Relu', ['h'], ['r']),
    node('MatMul', ['r', 'w2'], ['y'], {}, 'dense2'),
  ], [f32('x', ['batch', WIDTH])], [f32('y', ['batch', 32])], [weight('w1', [WIDTH, 1024], 31, 0.05), weight('w2', [1024, 32], 32, 0.05)]));
}

const FORMS: Record<string, QuantizeOptions | undefined> = {
  fp32: undefined,
  dynamic: { mode: 'dynamic' },
  weights: { mode: 'weights' },
  'weights-run': { mode: 'weights', expand: 'run' },
};

let dir: string;
const probes: Record<string, Probe> = {};
/** Heap pages the model added over the runtime's own, after `stage`. */
const added = (form: string, stage: 'load' | 'run') => probes[form]![stage].usedBytes - probes[form]!.baseline.usedBytes;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-infer-heap-'));
  const fp32 = mlp();
  const probe = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));
  for (const [form, options] of Object.entries(FORMS)) {
    const file = join(dir, `${form}.onnx`);
    writeFileSync(file, options ? quantize(fp32, options).bytes : fp32);
    probes[form] = JSON.parse(execFileSync(process.execPath, [probe, file, String(WIDTH)], { encoding: 'utf8' })) as Probe;
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Measured here (onnxruntime-web 1.30): fp32 8.65 MB, dynamic 1.65 MB (0.19x), weights 8.46 MB, weights-run 1.64 MB
// at load and 3.81 MB after its first run.
test('fp32 takes several times its weights in heap pages at load (file copy, parsed and packed weights)', () => {
  expect(added('fp32', 'load')).toBeGreaterThan(2 * 2.1e6);
});

test('dynamic keeps its weights 8-bit: under 0.4x of fp32 after load and after a run', () => {
  expect(added('dynamic', 'load') / added('fp32', 'load')).toBeLessThan(0.4);
  expect(added('dynamic', 'run') / added('fp32', 'run')).toBeLessThan(0.4);
  expect(added('dynamic', 'run')).toBe(added('dynamic', 'load')); // runs add no expanded copy
});

test('weights (expand at load) is float32 in memory: onnxruntime folds Cast + Mul into float32 initializers', () => {
  expect(added('weights', 'load') / added('fp32', 'load')).toBeGreaterThan(0.8);
});

test('weights --expand run stays 8-bit at load, but its first run expands the weights into the arena', () => {
  expect(added('weights-run', 'load') / added('fp32', 'load')).toBeLessThan(0.4);
  expect(added('weights-run', 'run') - added('weights-run', 'load')).toBeGreaterThan(2e6); // a float32 copy of w1
});
