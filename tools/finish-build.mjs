// After tsc: point the worker URL at the emitted .js file and ship onnxruntime-web's wasm files in dist/ort/.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const runtime = 'dist/runtime.js';
const source = readFileSync(runtime, 'utf8');
const fixed = source.replace("new URL('./worker/worker.ts', import.meta.url)", "new URL('./worker/worker.js', import.meta.url)");
if (fixed === source) throw new Error(`${runtime}: worker URL not found; update tools/finish-build.mjs`);
writeFileSync(runtime, fixed);

const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
mkdirSync('dist/ort', { recursive: true });
for (const name of readdirSync(dist).filter((f) => /^ort-wasm-simd-threaded\.asyncify\.(mjs|wasm)$/.test(f))) {
  copyFileSync(join(dist, name), join('dist/ort', name));
}
console.log('dist/ ready: index.js, worker/worker.js, ort/');
