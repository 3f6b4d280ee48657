// SDK model.run() against raw onnxruntime-web session.run (in a worker and on the page) and ORT's proxy worker.
// Modes alternate page by page, so a change in the machine's load hits them alike; the ratios to the proxy are also
// taken per round (adjacent pages) and their median printed. BENCH_CASES / BENCH_MODES pick some (all by default).
import { loadavg } from 'node:os';

const MODES = (process.env.BENCH_MODES ?? 'sdk,sdk-unbatched,sdk-moved,raw-worker,raw-main,ort-proxy').split(',');
const CASES = (process.env.BENCH_CASES ?? 'digits,tiny').split(',');
const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const load = () => loadavg()[0];

export async function runtimeBench(browser, base) {
  const results = [];
  const loads = [];
  for (const caseId of CASES) {
    const reps = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let rep = 0; rep < REPS; rep++) {
      loads.push(load());
      for (const mode of MODES) {
        const page = await browser.newPage();
        await page.goto(`${base}/bench/pages/runtime.html?mode=${mode}&case=${caseId}&calls=${CALLS}`);
        const samples = await page.evaluate(() => window.benchResult);
        await page.close();
        reps[mode].push({ p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) });
      }
    }
    for (const mode of MODES) {
      const runs = reps[mode];
      const proxy = reps['ort-proxy'];
      const ratio = (q) => (proxy ? median(runs.map((r, i) => r[q] / proxy[i][q])) : undefined);
      results.push({
        case: caseId, mode, calls: CALLS, reps: REPS, p50: median(runs.map((r) => r.p50)), p95: median(runs.map((r) => r.p95)),
        p50PerRoundVsProxy: ratio('p50'), p95PerRoundVsProxy: ratio('p95'), runs,
      });
    }
  }
  const loadAverage = { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) };
  printTable(results, loadAverage);
  return { bench: 'runtime', backend: 'wasm', unit: 'ms per call', loadAverage, results };
}

function printTable(results, l) {
  console.log(`\nRuntime overhead, WASM backend, ${CALLS} sequential calls x ${REPS} page loads (median of the per-run p50/p95)`);
  console.log(`load average (1 min) during the runs: ${l.min.toFixed(1)}–${l.max.toFixed(1)}, median ${l.median.toFixed(1)}`);
  console.log('case    mode           p50 ms   p95 ms   p50 - raw-worker  p50 / proxy  p95 / proxy  per round: p50 / proxy  p95 / proxy');
  const fixed = (x, d, w) => (x === undefined ? '-' : x.toFixed(d)).padStart(w);
  for (const r of results) {
    const of = (mode) => results.find((x) => x.case === r.case && x.mode === mode);
    const extra = of('raw-worker') && r.p50 - of('raw-worker').p50;
    const proxy = of('ort-proxy');
    console.log(
      `${r.case.padEnd(8)}${r.mode.padEnd(14)}${fixed(r.p50, 4, 7)}  ${fixed(r.p95, 4, 7)}   ${fixed(extra, 4, 12)}   ` +
      `${fixed(proxy && r.p50 / proxy.p50, 2, 10)}   ${fixed(proxy && r.p95 / proxy.p95, 2, 10)}   ${fixed(r.p50PerRoundVsProxy, 2, 20)}   ${fixed(r.p95PerRoundVsProxy, 2, 10)}`,
    );
  }
}
