// The models and inputs every runtime bench mode uses, so each mode runs the same work.
export interface BenchCase {
  id: string;
  url: string;
  feeds: () => Record<string, { data: Float32Array; dims: number[] }>;
}

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

export const CASES: BenchCase[] = [
  { id: 'digits', url: '/models/digits/model.onnx', feeds: () => ({ pixels: { data: random(784, 1), dims: [1, 784] } }) },
  { id: 'tiny', url: '/models/tiny/model.onnx', feeds: () => ({ x: { data: random(4, 2), dims: [1, 4] } }) },
];
