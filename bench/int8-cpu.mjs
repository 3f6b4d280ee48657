// CPU time per run of each int8 form (bench/int8-cpu-probe.mjs): onnxruntime-web 1.30's WASM kernels in Node, timed
// by the main thread's CPU clock, so a busy machine (others' tests, 2 cores) moves these ratios far less than the
// wall-clock ones of the browser passes. Node loads the plain build (ort-wasm-simd-threaded.wasm), the SDK's worker
// the asyncify one: same kernels, different per-call overhead. Linux only (/proc); forms are made as the pages make
// them (bench/pages/int8-forms.ts, loaded through Vite).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';
import { largeModel } from './large-model.mjs';

export const CPU_MODELS = ['digits', 'large'];
export const CPU_FORMS = ['fp32', 'int8-dynamic', 'int8-weights', 'int8-weights-run', 'int8-nbits'];

export function cpuBenchAvailable() {
  return existsSync(`/proc/self/task/${process.pid}/schedstat`);
}

export async function cpuBench({ models = CPU_MODELS, forms = CPU_FORMS, batches = [1, 16, 64], rounds = 25 } = {}) {
  largeModel();
  const vite = await createServer({ configFile: false, server: { middlewareMode: true, hmr: false }, appType: 'custom', logLevel: 'error' });
  const dir = mkdtempSync(join(tmpdir(), 'edge-infer-int8-cpu-'));
  const cells = [];
  try {
    const { fp32Url, formUrl, makeForm } = await vite.ssrLoadModule('/bench/pages/int8-forms.ts');
    for (const model of models) {
      const fp32 = new Uint8Array(readFileSync(`.${fp32Url(model)}`));
      const files = forms.map((form) => {
        const url = formUrl(model, form);
        const file = join(dir, `${model}.${form}.onnx`);
        writeFileSync(file, url ? readFileSync(`.${url}`) : makeForm(form, fp32));
        return { form, file };
      });
      const out = execFileSync(process.execPath, ['bench/int8-cpu-probe.mjs', JSON.stringify({ batches, rounds, files })], { encoding: 'utf8', maxBuffer: 1 << 24 });
      for (const cell of JSON.parse(out)) cells.push({ model, ...cell });
      process.stdout.write(`int8 bench: cpu pass ${model} done\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await vite.close();
  }
  return { unit: 'main-thread CPU ms per run over all rounds (Node, onnxruntime-web WASM, 1 thread)', rounds, cells };
}

export function printCpu({ cells, rounds }) {
  const forms = [...new Set(cells.map((c) => c.form))];
  console.log(`\nCPU time per run (main thread; onnxruntime-web's WASM kernels in Node, 1 thread, no SDK) over ${rounds} alternating rounds;`);
  console.log('x = ratio to fp32. Robust to other load on the machine, unlike the wall-clock tables above.');
  const header = ['model', 'batch', ...forms.map((f) => `${f.replace('int8-', '')} cpu ms`)];
  const rows = [];
  for (const model of [...new Set(cells.map((c) => c.model))]) {
    for (const batch of [...new Set(cells.filter((c) => c.model === model).map((c) => c.batch))]) {
      rows.push([model, String(batch), ...forms.map((form) => {
        const c = cells.find((x) => x.model === model && x.batch === batch && x.form === form);
        return !c ? '-' : form === 'fp32' ? c.cpuMs.toFixed(3) : `${c.cpuMs.toFixed(3)} (${c.ratio.toFixed(2)}x)`;
      })]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cs) => cs.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
