// A measurement-only int8 form for the int8 bench: every MatMul whose B is a 2-D float32 initializer becomes
// com.microsoft MatMulNBits with bits=8 (onnxruntime's weight-only block-quantized MatMul). Not a quantizer mode:
// on onnxruntime-web 1.30's WASM backend it measured ~10x slower than fp32 at batch 1 and expands its weights to
// float32 at every run (see bench/int8.mjs); the bench keeps it to show that.
//
// Layout (onnxruntime docs/ContribOperators.md, MatMulNBits): B is uint8 [N, ceil(K / block), block * bits / 8],
// quantized along K in blocks, one scale per (column, block) in scales [N, ceil(K / block)]; without zero_points the
// zero point is 2^(bits - 1) = 128, so a symmetric int8 value q is stored as q + 128. K is padded to whole blocks
// with the zero point.
import { makeNode } from '../../src/tools/onnx/build.js';
import { create, DataType, decodeModel, encodeModel } from '../../src/tools/onnx/proto.js';
import { dimsOf, float32Tensor, readFloat32 } from '../../src/tools/onnx/tensors.js';

export interface NBitsOptions {
  /** Weights per block along K: a power of 2, at least 16. @defaultValue 32 */
  blockSize?: number;
  /** 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 (A quantized to int8 per block where the build has such a kernel). @defaultValue 4 */
  accuracyLevel?: number;
}

export function matMulNBits8(input: Uint8Array, { blockSize = 32, accuracyLevel = 4 }: NBitsOptions = {}): Uint8Array {
  const { model } = decodeModel(input);
  const g = model.graph;
  const initializers = new Map(g.initializer.map((t) => [t.name, t]));
  const readers = new Map<string, number>();
  for (const n of g.node) for (const name of n.input) readers.set(name, (readers.get(name) ?? 0) + 1);
  const replaced = new Set<string>();
  g.node = g.node.map((n) => {
    const w = n.opType === 'MatMul' && !n.domain ? initializers.get(n.input[1] as string) : undefined;
    if (!w || w.dataType !== DataType.FLOAT || dimsOf(w).length !== 2 || readers.get(w.name) !== 1) return n;
    const [K, N] = dimsOf(w) as [number, number];
    const { packed, scales, blocks } = packBlocks(readFloat32(w), K, N, blockSize);
    const b = create.tensor({ name: `${w.name}_nbits`, dims: [N, blocks, blockSize], dataType: DataType.UINT8, rawData: packed });
    const s = float32Tensor(`${w.name}_nbits_scales`, [N, blocks], scales);
    g.initializer.push(b, s);
    replaced.add(w.name);
    const node = makeNode('MatMulNBits', [n.input[0] as string, b.name, s.name], [...n.output], `${n.name || w.name}/MatMulNBits`,
      { K, N, bits: 8, block_size: blockSize, accuracy_level: accuracyLevel });
    node.domain = 'com.microsoft';
    return node;
  });
  if (replaced.size === 0) throw new Error('no MatMul with a 2-D float32 initializer weight to rewrite');
  g.initializer = g.initializer.filter((t) => !replaced.has(t.name));
  if (!model.opsetImport.some((o) => o.domain === 'com.microsoft')) model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return encodeModel(model);
}

/** W is [K, N] row-major; out is [N][block][blockSize] uint8 (q + 128) with a symmetric scale per (n, block). */
function packBlocks(w: Float32Array, K: number, N: number, blockSize: number) {
  const blocks = Math.ceil(K / blockSize);
  const packed = new Uint8Array(N * blocks * blockSize).fill(128);
  const scales = new Float32Array(N * blocks);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const end = Math.min(K, (b + 1) * blockSize);
      let max = 0;
      for (let k = b * blockSize; k < end; k++) max = Math.max(max, Math.abs(w[k * N + n] as number));
      const scale = max > 0 ? max / 127 : 1;
      scales[n * blocks + b] = scale;
      const base = (n * blocks + b) * blockSize - b * blockSize;
      for (let k = b * blockSize; k < end; k++) {
        const q = Math.max(-127, Math.min(127, Math.round((w[k * N + n] as number) / scale)));
        packed[base + k] = q + 128;
      }
    }
  }
  return { packed, scales, blocks };
}
