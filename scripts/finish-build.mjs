// After tsc: point the worker URL at the emitted .js file. onnxruntime-web's own files are not copied: bundlers
// emit the .wasm next to onnxruntime-web's module, where it looks for it.
import { readFileSync, writeFileSync } from 'node:fs';

const starter = 'dist/serving/workers.js';
const source = readFileSync(starter, 'utf8');
const fixed = source.replace("new URL('../worker/worker.ts', import.meta.url)", "new URL('../worker/worker.js', import.meta.url)");
if (fixed === source) throw new Error(`${starter}: worker URL not found; update scripts/finish-build.mjs`);
writeFileSync(starter, fixed);

console.log('dist/ ready: index.js, worker/worker.js');
