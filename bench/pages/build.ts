// One onnxruntime-web build per page load (?build=wasm|jspi|asyncify&case=digits|vad|conv&batch=1&budget=1500):
// session.run on the WASM backend, one thread, timed in a worker-free page so only the build differs.
const params = new URLSearchParams(location.search);
const build = params.get('build')!;
const caseId = params.get('case')!;
const batch = Number(params.get('batch') ?? 1);
const budgetMs = Number(params.get('budget') ?? 1500);

const imports: Record<string, () => Promise<typeof import('onnxruntime-web/wasm')>> = {
  wasm: () => import('onnxruntime-web/wasm'),
  jspi: () => import('onnxruntime-web/jspi'),
  asyncify: () => import('onnxruntime-web/webgpu'),
};

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return out;
}

async function main(): Promise<number[]> {
  const ort = await imports[build]!();
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
  ort.env.wasm.numThreads = 1;
  const url = { digits: '/models/digits/model.onnx', vad: '/models/vad/model.onnx', conv: '/bench/fixtures/conv100.onnx' }[caseId]!;
  const session = await ort.InferenceSession.create(url, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const f32 = (n: number, dims: number[]) => new ort.Tensor('float32', random(n, 7), dims);
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> =
    caseId === 'digits' ? { pixels: f32(batch * 784, [batch, 784]) }
      : caseId === 'conv' ? { x: f32(batch * 8 * 256, [batch, 8, 16, 16]) }
        : { input: f32(576, [1, 576]), state: f32(256, [2, 1, 128]), sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []) };
  for (let i = 0; i < 10; i++) await session.run(feeds);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 20 || (performance.now() - start < budgetMs && samples.length < 2000)) {
    const t0 = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - t0);
  }
  await session.release();
  return samples;
}

(window as unknown as { benchResult: Promise<number[]> }).benchResult = main();
