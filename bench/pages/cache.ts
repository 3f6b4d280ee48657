// Latency of an output-cache hit for a 784-float input (digits): the whole model.run() on a hit, hash and copies
// included, and the hash alone. Hits are timed in groups because performance.now() is coarsened to 5 µs.
import { hashTensors } from '../../src/cache/hash.js';
import { createRuntime } from '../../src/index.js';
import type { Tensor } from '../../src/tensor.js';

const params = new URLSearchParams(location.search);
const samples = Number(params.get('samples') ?? 200);
const group = Number(params.get('group') ?? 100);
const wasmPaths = new URL('/ort/', location.href).href;

function pixels(seed: number): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(784).map(() => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32));
}

async function timeGroups(fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    for (let j = 0; j < group; j++) await fn();
    out.push(((performance.now() - start) / group) * 1000);
  }
  return out;
}

async function bench() {
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths });
  const model = await runtime.load({ url: '/models/digits/model.onnx', id: 'digits' });
  const input = pixels(1);
  const miss = await model.run({ pixels: input });
  if (miss.fromCache) throw new Error('expected the first run to miss');
  const hit = await model.run({ pixels: input });
  if (!hit.fromCache) throw new Error('expected the second run to hit');
  // Warm the JIT on the hit path before timing.
  for (let i = 0; i < 2000; i++) await model.run({ pixels: input });
  const hitUs = await timeGroups(() => model.run({ pixels: input }));
  const tensor: Tensor[] = [{ dtype: 'float32', dims: [1, 784], data: input }];
  const hashUs = await timeGroups(() => hashTensors(tensor));
  const missUs: number[] = [];
  for (let i = 0; i < 300; i++) {
    const fresh = pixels(i + 10);
    const start = performance.now();
    await model.run({ pixels: fresh }, { cache: false });
    missUs.push((performance.now() - start) * 1000);
  }
  const stats = model.cacheStats();
  await runtime.dispose();
  return { hitUs, hashUs, missUs, stats };
}

(window as unknown as { benchResult: Promise<unknown> }).benchResult = bench();
