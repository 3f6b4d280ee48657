// `auto` against each forced backend on the bundled models: load time, the first inference after load() resolved,
// and the steady p50 of 200 sequential calls. WebGPU is SwiftShader here: correct, slow, and what auto must avoid;
// `auto` rules it out at once (WASM is then the only backend; precision is not in play for a URL), `auto-sw`
// lets it compete, so the probe runs on a first visit and the decision is reused on the second (`-again`, same
// IndexedDB). BENCH_BACKEND_REPS (3 page loads per cell), BENCH_BACKEND_CASES (digits,forecast,vad).
import { chromium } from 'playwright-core';

const MODES = ['auto', 'auto-sw', 'auto-sw-again', 'wasm', 'webgpu'];
/** Page order per rep turns by one group each rep, so no mode is always the first page or the one after WebGPU. */
const GROUPS = [['auto'], ['auto-sw', 'auto-sw-again'], ['wasm'], ['webgpu']];
const CASES = (process.env.BENCH_BACKEND_CASES ?? 'digits,forecast,vad').split(',');
const REPS = Number(process.env.BENCH_BACKEND_REPS ?? 3);
const GPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function backendBench(base, { executablePath, args }) {
  const browser = await chromium.launch({ executablePath, args: [...args, ...GPU_ARGS], headless: true });
  const results = [];
  try {
    for (const caseId of CASES) {
      const runs = Object.fromEntries(MODES.map((m) => [m, []]));
      for (let rep = 0; rep < REPS; rep++) {
        const context = await browser.newContext(); // one IndexedDB per rep: auto's first visit measures
        for (const mode of GROUPS.map((_, i) => GROUPS[(i + rep) % GROUPS.length]).flat()) {
          const page = await context.newPage();
          const db = `bench-${caseId}-${rep}`;
          await page.goto(`${base}/bench/pages/backend.html?mode=${mode.replace('-again', '')}&case=${caseId}&db=${db}`);
          runs[mode].push(await page.evaluate(() => window.benchResult));
          await page.close();
        }
        await context.close();
      }
      for (const mode of MODES) {
        const r = runs[mode];
        results.push({
          case: caseId, mode, backend: r.at(-1).backend, cached: r.at(-1).choice.cached,
          loadMs: median(r.map((x) => x.loadMs)), firstMs: median(r.map((x) => x.firstMs)), p50: median(r.map((x) => x.p50)),
          candidates: r.at(-1).choice.candidates, runs: r,
        });
      }
    }
  } finally {
    await browser.close();
  }
  print(results);
  return { bench: 'backend', webgpu: 'SwiftShader (software)', reps: REPS, results };
}

function print(results) {
  console.log(`\nBackend choice: median over ${REPS} page loads; WebGPU is SwiftShader (software) here`);
  console.log('case      mode         backend  cached  load ms   first ms   p50 ms   p50 / best forced');
  for (const r of results) {
    const forced = results.filter((x) => x.case === r.case && (x.mode === 'wasm' || x.mode === 'webgpu')).map((x) => x.p50);
    const ratio = (r.p50 / Math.min(...forced)).toFixed(2);
    console.log(`${r.case.padEnd(10)}${r.mode.padEnd(13)}${r.backend.padEnd(9)}${String(r.cached).padEnd(8)}${r.loadMs.toFixed(0).padStart(7)}  ${r.firstMs.toFixed(2).padStart(9)}  ${r.p50.toFixed(3).padStart(7)}   ${ratio.padStart(6)}`);
  }
}
