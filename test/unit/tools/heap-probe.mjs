// Run as `node heap-probe.mjs model.onnx width`: onnxruntime-web's WASM heap (Node build, 1 thread) before and after
// creating a session for the model and after one run at batch 1, as JSON on stdout. A process per model, because a
// WASM heap never shrinks and reuses what an earlier session freed. `used` counts 4 KiB pages holding any non-zero
// byte (fresh pages are zero): the pages the heap has written, what stays resident.
import { readFileSync } from 'node:fs';

const memories = [];
const Original = WebAssembly.Memory;
WebAssembly.Memory = function Memory(descriptor) {
  const memory = new Original(descriptor);
  memories.push(memory);
  return memory;
};
WebAssembly.Memory.prototype = Original.prototype;

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

function heap() {
  const memory = memories.reduce((a, m) => (!a || m.buffer.byteLength > a.buffer.byteLength ? m : a), undefined);
  const words = new Uint32Array(memory.buffer);
  let used = 0;
  for (let start = 0; start < words.length; start += 1024) {
    for (let i = start; i < start + 1024; i++) {
      if (words[i] !== 0) {
        used++;
        break;
      }
    }
  }
  return { heapBytes: words.byteLength, usedBytes: used * 4096 };
}

const [file, width] = process.argv.slice(2);
const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
// A first session starts the runtime, so the baseline holds what every model pays for.
const starter = await ort.InferenceSession.create(readFileSync(new URL('../../../models/tiny/model.onnx', import.meta.url)), options);
await starter.release();
const baseline = heap();
const session = await ort.InferenceSession.create(readFileSync(file), options);
const load = heap();
const x = new ort.Tensor('float32', Float32Array.from({ length: Number(width) }, (_, i) => Math.sin(i)), [1, Number(width)]);
await session.run({ [session.inputNames[0]]: x });
const run = heap();
process.stdout.write(JSON.stringify({ baseline, load, run }));
