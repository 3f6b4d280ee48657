// SDK model.run() against raw onnxruntime-web session.run (in a worker and on the page) and ORT's proxy worker.
const MODES = ['sdk', 'sdk-unbatched', 'raw-worker', 'raw-main', 'ort-proxy'];
const CASES = ['digits', 'tiny'];
const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

export async function runtimeBench(browser, base) {
  const results = [];
  for (const caseId of CASES) {
    const reps = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of MODES) {
        const page = await browser.newPage();
        await page.goto(`${base}/bench/pages/runtime.html?mode=${mode}&case=${caseId}&calls=${CALLS}`);
        const samples = await page.evaluate(() => window.benchResult);
        await page.close();
        reps[mode].push({ p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) });
      }
    }
    for (const mode of MODES) {
      results.push({ case: caseId, mode, calls: CALLS, reps: REPS, p50: median(reps[mode].map((r) => r.p50)), p95: median(reps[mode].map((r) => r.p95)), runs: reps[mode] });
    }
  }
  printTable(results);
  return { bench: 'runtime', backend: 'wasm', unit: 'ms per call', results };
}

function printTable(results) {
  console.log(`\nRuntime overhead, WASM backend, ${CALLS} sequential calls x ${REPS} page loads (median of the per-run p50/p95)`);
  console.log('case    mode          p50 ms   p95 ms   p50 - raw-worker   p50 / ort-proxy');
  for (const r of results) {
    const of = (mode) => results.find((x) => x.case === r.case && x.mode === mode);
    const extra = (r.p50 - of('raw-worker').p50).toFixed(4);
    const ratio = (r.p50 / of('ort-proxy').p50).toFixed(2);
    console.log(`${r.case.padEnd(8)}${r.mode.padEnd(14)}${r.p50.toFixed(4).padStart(7)}  ${r.p95.toFixed(4).padStart(7)}   ${extra.padStart(12)}   ${ratio.padStart(12)}`);
  }
}
