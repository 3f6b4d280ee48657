// Batch jobs: throughput (items/s) of runtime.runBatch() on digits (WASM, batchSize 64, concurrency 2), with and
// without a checkpoint in IndexedDB, against a loop of awaited model.run() calls and against Promise.all of
// model.run() calls (which the runtime's dynamic batching merges), median of page loads with the modes alternating.
//   BENCH_BATCHJOB_LOADS (3) page loads per mode · BENCH_BATCHJOB_ITEMS (10000) items per page load.
import { loadavg } from 'node:os';

const LOADS = Number(process.env.BENCH_BATCHJOB_LOADS ?? 3);
const ITEMS = Number(process.env.BENCH_BATCHJOB_ITEMS ?? 10_000);
const MODES = ['runBatch', 'checkpoint', 'loop', 'all'];
const NAMES = {
  runBatch: 'runtime.runBatch()',
  checkpoint: 'runtime.runBatch({ checkpoint })',
  loop: 'loop of awaited model.run()',
  all: 'Promise.all of model.run()',
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function onPage(browser, base, mode) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/bench/pages/batchjob.html?mode=${mode}&items=${ITEMS}`);
    const result = await page.evaluate(() => window.benchResult);
    if (result.items !== ITEMS) throw new Error(`${mode}: ${result.items} of ${ITEMS} items done`);
    return result;
  } finally {
    await page.close();
  }
}

export async function batchJobBench(browser, base) {
  const perLoad = Object.fromEntries(MODES.map((m) => [m, []]));
  const load = [loadavg()[0]];
  for (let rep = 0; rep < LOADS; rep++) {
    for (const mode of rep % 2 === 0 ? MODES : [...MODES].reverse()) perLoad[mode].push(await onPage(browser, base, mode));
    load.push(loadavg()[0]);
  }
  const loop = median(perLoad.loop.map((r) => r.itemsPerSecond));
  const all = median(perLoad.all.map((r) => r.itemsPerSecond));
  const rows = MODES.map((mode) => {
    const itemsPerSecond = median(perLoad[mode].map((r) => r.itemsPerSecond));
    return { mode, itemsPerSecond, ms: median(perLoad[mode].map((r) => r.ms)), vsLoop: itemsPerSecond / loop, vsPromiseAll: itemsPerSecond / all };
  });
  console.log(`\nBatch jobs: digits, WASM, ${ITEMS} distinct items per page load (output cache off), median of ${LOADS} page loads; load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
  console.log(`${'mode'.padEnd(36)}${'items/s'.padStart(10)}${'ms'.padStart(10)}${'vs loop'.padStart(10)}${'vs Promise.all'.padStart(16)}`);
  for (const r of rows) {
    console.log(`${NAMES[r.mode].padEnd(36)}${r.itemsPerSecond.toFixed(0).padStart(10)}${r.ms.toFixed(0).padStart(10)}${`${r.vsLoop.toFixed(2)}x`.padStart(10)}${`${r.vsPromiseAll.toFixed(2)}x`.padStart(16)}`);
  }
  return { bench: 'batchjob', unit: 'items/s', model: 'digits', backend: 'wasm', batchSize: 64, concurrency: 2, items: ITEMS, loads: LOADS, loadAverage: load, rows, perLoad };
}
