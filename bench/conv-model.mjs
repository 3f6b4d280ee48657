// A 100-node conv net for the build bench: x[batch,8,16,16] → 50 × (Conv 3×3 pad 1 → Relu) → y, seeded weights.
// Many small operators: the per-operator cost of a build shows here. Written to bench/fixtures/ when missing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { encodeModel, initializer, node, valueInfo } from '../models/lib/onnx.mjs';

const FILE = 'bench/fixtures/conv100.onnx';
const BLOCKS = 50;
const C = 8;

function weights(n, seed) {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

export function convModel() {
  if (!existsSync(FILE)) {
    mkdirSync('bench/fixtures', { recursive: true });
    const nodes = [];
    const initializers = [];
    let input = 'x';
    for (let i = 0; i < BLOCKS; i++) {
      initializers.push(initializer(`w${i}`, [C, C, 3, 3], weights(C * C * 9, i + 1)), initializer(`b${i}`, [C], weights(C, 1000 + i)));
      nodes.push(node('Conv', [input, `w${i}`, `b${i}`], [`c${i}`], { pads: [1, 1, 1, 1] }), node('Relu', [`c${i}`], [i === BLOCKS - 1 ? 'y' : `r${i}`]));
      input = `r${i}`;
    }
    writeFileSync(FILE, encodeModel({
      name: 'conv100', doc: 'build benchmark model: 50 conv blocks', nodes, initializers,
      inputs: [valueInfo('x', 'float32', ['batch', C, 16, 16])],
      outputs: [valueInfo('y', 'float32', ['batch', C, 16, 16])],
    }));
  }
  return { url: `/${FILE}` };
}
