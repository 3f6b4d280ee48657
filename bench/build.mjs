// onnxruntime-web's builds on the WASM backend: the plain build (what the SDK runs WASM models in), JSPI and asyncify
// (the builds that also run WebGPU/WebNN), per run and batch, one thread, builds alternating page by page. Then the
// runtime bytes a first visit downloads per kind of device, from the files' sizes.
// BENCH_BUILD_REPS (5 page loads per cell), BENCH_BUILD_BUDGET_MS (1500 per page).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { convModel } from './conv-model.mjs';

const BUILDS = ['wasm', 'jspi', 'asyncify'];
const CELLS = [['digits', 1], ['digits', 16], ['vad', 1], ['conv', 1], ['conv', 16]];
const REPS = Number(process.env.BENCH_BUILD_REPS ?? 5);
const BUDGET_MS = Number(process.env.BENCH_BUILD_BUDGET_MS ?? 1500);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function buildBench(browser, base) {
  convModel();
  const results = [];
  for (const [caseId, batch] of CELLS) {
    const perBuild = Object.fromEntries(BUILDS.map((b) => [b, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const build of BUILDS) {
        const page = await browser.newPage();
        await page.goto(`${base}/bench/pages/build.html?build=${build}&case=${caseId}&batch=${batch}&budget=${BUDGET_MS}`);
        perBuild[build].push(median(await page.evaluate(() => window.benchResult)));
        await page.close();
      }
    }
    for (const build of BUILDS) {
      const ms = median(perBuild[build]);
      results.push({ case: caseId, batch, build, msPerRun: ms, msPerRow: ms / batch, runs: perBuild[build] });
    }
  }
  const downloads = firstVisitBytes();
  print(results, downloads);
  return { bench: 'build', backend: 'wasm', threads: 1, reps: REPS, results, downloads };
}

/** The runtime files each kind of device fetches on a first visit: `auto` measures every usable backend. */
function firstVisitBytes() {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const size = (f) => {
    const bytes = readFileSync(join(dist, f));
    return { bytes: bytes.length, gzip: gzipSync(bytes, { level: 6 }).length };
  };
  const files = {
    wasm: ['ort.wasm.bundle.min.mjs', 'ort-wasm-simd-threaded.wasm'],
    jspi: ['ort.jspi.bundle.min.mjs', 'ort-wasm-simd-threaded.jspi.wasm'],
    asyncify: ['ort.webgpu.bundle.min.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'],
  };
  const sizes = Object.fromEntries(Object.entries(files).map(([b, fs]) => [b, fs.map(size).reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzip }), { bytes: 0, gzip: 0 })]));
  const sum = (...bs) => bs.reduce((a, b) => ({ bytes: a.bytes + sizes[b].bytes, gzip: a.gzip + sizes[b].gzip }), { bytes: 0, gzip: 0 });
  return [
    { device: 'no usable GPU (or a software adapter): WASM only', builds: ['wasm'], ...sum('wasm') },
    { device: 'GPU + JSPI (Chromium 137+): auto measures both', builds: ['wasm', 'jspi'], ...sum('wasm', 'jspi') },
    { device: 'GPU, no JSPI: auto measures both', builds: ['wasm', 'asyncify'], ...sum('wasm', 'asyncify') },
    { device: 'before: one build for every device', builds: ['asyncify'], ...sum('asyncify') },
  ];
}

function print(results, downloads) {
  console.log(`\nonnxruntime-web builds on WASM, 1 thread: median ms per run over ${REPS} page loads (ratio to the plain build)`);
  console.log('case    batch   plain (wasm)   jspi            asyncify');
  for (const [caseId, batch] of CELLS) {
    const of = (b) => results.find((r) => r.case === caseId && r.batch === batch && r.build === b).msPerRun;
    const cell = (b) => `${of(b).toFixed(3)} (${(of(b) / of('wasm')).toFixed(2)}x)`.padEnd(16);
    console.log(`${caseId.padEnd(8)}${String(batch).padEnd(8)}${of('wasm').toFixed(3).padEnd(15)}${cell('jspi')}${cell('asyncify')}`);
  }
  console.log('\nRuntime bytes on a first visit (bundle .mjs + .wasm; gzip level 6 in brackets)');
  for (const d of downloads) console.log(`${d.device.padEnd(52)}${(d.bytes / 1e6).toFixed(1).padStart(6)} MB  (${(d.gzip / 1e6).toFixed(1)} MB)`);
}
