// Seeded synthetic reference data for the monitor tests: a small model with Gaussian, skewed, mostly-zero and
// categorical inputs and a 3-class softmax output.
import type { Tensor } from '../../../src/tensor.js';
import { mulberry32 } from '../../../src/random.js';

export const SYNTHETIC_INPUTS = [
  { name: 'x', dtype: 'float32', dims: ['batch', 4] },
  { name: 'mode', dtype: 'int64', dims: ['batch'] },
] as const;
export const SYNTHETIC_OUTPUTS = [{ name: 'probs', dtype: 'float32', dims: ['batch', 3] }] as const;

export interface SyntheticRows {
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
}

/** Box–Muller over mulberry32. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `rows` rows of the synthetic model; `shift` is added to x[0] (its SD is 1). */
export function syntheticRows(rows: number, seed: number, shift = 0): SyntheticRows {
  const random = mulberry32(seed);
  const normal = gaussian(random);
  const x = new Float32Array(rows * 4);
  const mode = new BigInt64Array(rows);
  const probs = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const x0 = normal() + shift;
    const x1 = 5 + 2 * normal();
    const x2 = -Math.log(1 - random());
    const x3 = random() < 0.7 ? 0 : random();
    x.set([x0, x1, x2, x3], r * 4);
    const u = random();
    mode[r] = u < 0.5 ? 0n : u < 0.8 ? 1n : 2n;
    const z = [x0 + 0.3 * x2, 0.5 * (x1 - 5), 2 * x3 - 0.5];
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const sum = e[0]! + e[1]! + e[2]!;
    probs.set(e.map((v) => v / sum), r * 3);
  }
  return {
    inputs: { x: { dtype: 'float32', dims: [rows, 4], data: x }, mode: { dtype: 'int64', dims: [rows], data: mode } },
    outputs: { probs: { dtype: 'float32', dims: [rows, 3], data: probs } },
  };
}
