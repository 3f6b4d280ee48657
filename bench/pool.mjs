// Worker pool: throughput (items/s) on 10,000 digits (WASM) with 1 and 2 workers, and with 1 worker of 2 WASM threads
// (the bench pages are cross-origin isolated), for runtime.runBatch() (batchSize 64, concurrency 2), Promise.all of
// model.run() and a loop of awaited model.run(); median of page loads, configurations alternating.
//   BENCH_POOL_LOADS (3) page loads per cell · BENCH_POOL_ITEMS (10000) items per page load.
import { loadavg } from 'node:os';

const LOADS = Number(process.env.BENCH_POOL_LOADS ?? 3);
const ITEMS = Number(process.env.BENCH_POOL_ITEMS ?? 10_000);
const CONFIGS = [
  { name: '1 worker, 1 thread', workers: 1, threads: 1 },
  { name: '2 workers, 1 thread each', workers: 2, threads: 1 },
  { name: '1 worker, 2 threads', workers: 1, threads: 2 },
];
const MODES = ['runBatch', 'all', 'loop'];
const NAMES = { runBatch: 'runBatch()', all: 'Promise.all of run()', loop: 'loop of awaited run()' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function onPage(browser, base, mode, config) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/bench/pages/batchjob.html?mode=${mode}&items=${ITEMS}&workers=${config.workers}&threads=${config.threads}`);
    const result = await page.evaluate(() => window.benchResult);
    if (result.items !== ITEMS) throw new Error(`${mode}: ${result.items} of ${ITEMS} items done`);
    if (result.workers !== config.workers) throw new Error(`${config.name}: the model ran on ${result.workers} workers`);
    return result;
  } finally {
    await page.close();
  }
}

export async function poolBench(browser, base) {
  const cells = new Map();
  const load = [loadavg()[0]];
  for (let rep = 0; rep < LOADS; rep++) {
    const order = rep % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) {
      for (const mode of MODES) {
        const key = `${config.name}|${mode}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(await onPage(browser, base, mode, config));
      }
    }
    load.push(loadavg()[0]);
  }
  const rate = (config, mode) => median(cells.get(`${config.name}|${mode}`).map((r) => r.itemsPerSecond));
  const rows = CONFIGS.map((config) => ({
    ...config,
    threadsSeen: cells.get(`${config.name}|runBatch`)[0].threads,
    ...Object.fromEntries(MODES.map((mode) => [mode, rate(config, mode)])),
  }));
  const base1 = rows[0];
  console.log(`\nWorker pool: digits, WASM, ${ITEMS} items per page load, median of ${LOADS} page loads; load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
  console.log(`${'configuration'.padEnd(28)}${MODES.map((m) => NAMES[m].padStart(26)).join('')}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(28)}${MODES.map((m) => `${r[m].toFixed(0)}/s (${(r[m] / base1[m]).toFixed(2)}x)`.padStart(26)).join('')}`);
  }
  return { bench: 'pool', unit: 'items/s', model: 'digits', backend: 'wasm', items: ITEMS, loads: LOADS, loadAverage: load, rows, perLoad: Object.fromEntries(cells) };
}
