// Dynamic batching: throughput of 256 concurrent requests on WASM with batching on and off, per-request latency,
// and the latency of sequential calls either way. Covers digits fp32 and any WASM variants the manifest lists.
import { readFileSync } from 'node:fs';

const MODES = ['batched', 'unbatched'];
const N = Number(process.env.BENCH_CONCURRENT ?? 256);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const MAX_DELAY_MS = 2;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cases() {
  const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
  const digits = manifest.models.find((m) => m.id === 'digits');
  const list = [{ id: 'digits-fp32', url: `/models/${digits.file}` }];
  for (const v of digits.variants ?? []) {
    if (v.backends && !v.backends.includes('wasm')) continue;
    list.push({ id: `digits-${v.precision}${v.mode ? `-${v.mode}` : ''}`, url: `/models/${v.file}` });
  }
  return list;
}

export async function batchingBench(browser, base) {
  const results = [];
  for (const c of cases()) {
    const pages = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of MODES) {
        const page = await browser.newPage();
        await page.goto(`${base}/bench/pages/batching.html?mode=${mode}&url=${encodeURIComponent(c.url)}&n=${N}&delay=${MAX_DELAY_MS}`);
        const r = await page.evaluate(() => window.benchResult);
        await page.close();
        const of = (key) => median(r.bursts.map((b) => b[key]));
        pages[mode].push({
          throughput: of('throughput'), latencyP50: of('latencyP50'), latencyP95: of('latencyP95'), latencyMax: of('latencyMax'),
          meanBatch: of('meanBatch'), largestBatchRunMs: of('largestBatchRunMs'),
          sequentialP50: r.sequentialP50, sequentialP95: r.sequentialP95,
        });
      }
    }
    const summary = (mode) => {
      const keys = Object.keys(pages[mode][0]);
      return Object.fromEntries(keys.map((k) => [k, median(pages[mode].map((p) => p[k]))]));
    };
    const on = summary('batched');
    const off = summary('unbatched');
    results.push({
      case: c.id, concurrent: N, maxBatch: 64, maxDelayMs: MAX_DELAY_MS, reps: REPS, batched: on, unbatched: off,
      speedup: on.throughput / off.throughput,
      // Added latency bound from the issue: maxDelayMs plus one batched run.
      latencyBoundMs: MAX_DELAY_MS + on.largestBatchRunMs,
      addedLatencyP95Ms: on.latencyP95 - off.latencyP95,
      addedSequentialP50Ms: on.sequentialP50 - off.sequentialP50,
      pages,
    });
  }
  printTable(results);
  return { bench: 'batching', backend: 'wasm', results };
}

function printTable(results) {
  const f = (x, d = 2) => x.toFixed(d);
  console.log(`\nDynamic batching, WASM, ${N} concurrent distinct requests (cache off), median of ${REPS} page loads x 7 bursts`);
  console.log(
    `${'case'.padEnd(22)}${'mode'.padEnd(10)}${'req/s'.padStart(7)}  ${'speedup'.padStart(7)}${'lat p50 ms'.padStart(12)}${'lat p95 ms'.padStart(12)}` +
      `${'mean batch'.padStart(12)}${'64-row run ms'.padStart(15)}${'seq p50 ms'.padStart(12)}${'seq p95 ms'.padStart(12)}`,
  );
  for (const r of results) {
    for (const [mode, s] of [['batched', r.batched], ['unbatched', r.unbatched]]) {
      console.log(
        `${r.case.padEnd(22)}${mode.padEnd(10)}${f(s.throughput, 0).padStart(7)}  ${(mode === 'batched' ? `${f(r.speedup)}x` : '').padStart(7)}` +
          `${f(s.latencyP50).padStart(12)}${f(s.latencyP95).padStart(12)}${f(s.meanBatch, 1).padStart(12)}` +
          `${(mode === 'batched' ? f(s.largestBatchRunMs) : '').padStart(15)}${f(s.sequentialP50, 3).padStart(12)}${f(s.sequentialP95, 3).padStart(12)}`,
      );
    }
    console.log(
      `${''.padEnd(22)}speedup target >= 3x: ${r.speedup >= 3 ? 'met' : 'NOT met'}; p95 latency change ${f(r.addedLatencyP95Ms)} ms ` +
        `(bound ${f(r.latencyBoundMs)} ms = maxDelayMs + one batched run); sequential p50 +${f(r.addedSequentialP50Ms, 3)} ms with batching on`,
    );
  }
}
