// A ~13 MB model for the load bench (none of the bundled models is that large): x[batch,1792] → MatMul → Relu →
// MatMul → y[batch,16], seeded weights. Written to bench/fixtures/ (not committed) and rebuilt when missing.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { encodeModel, initializer, node, valueInfo } from '../models/lib/onnx.mjs';

const WIDTH = 1792;
const FILE = 'bench/fixtures/large.onnx';

function weights(n, seed) {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.05;
  }
  return out;
}

export function largeModel() {
  if (!existsSync(FILE)) {
    mkdirSync('bench/fixtures', { recursive: true });
    writeFileSync(FILE, encodeModel({
      name: 'large',
      doc: 'load benchmark model',
      nodes: [node('MatMul', ['x', 'w1'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'w2'], ['y'])],
      initializers: [initializer('w1', [WIDTH, WIDTH], weights(WIDTH * WIDTH, 1)), initializer('w2', [WIDTH, 16], weights(WIDTH * 16, 2))],
      inputs: [valueInfo('x', 'float32', ['batch', WIDTH])],
      outputs: [valueInfo('y', 'float32', ['batch', 16])],
    }));
  }
  const bytes = readFileSync(FILE);
  return { url: `/${FILE}`, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
