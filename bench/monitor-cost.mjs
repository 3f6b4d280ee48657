// The cost of drift monitoring in Chromium through the real SDK (digits, WASM, one row per model.run()): p50 per
// run with monitoring off, on (sampleRate 1, windows of 200) and on with an outcome recorded after every run; and
// what the worker's MonitorTap spends per monitored row (capture before the reply, drain after it).
const LOADS = Number(process.env.BENCH_MONITOR_LOADS ?? 5);
const CALLS = Number(process.env.BENCH_MONITOR_CALLS ?? 1000);
const TAP_ROWS = Number(process.env.BENCH_MONITOR_TAP_ROWS ?? 20000);
const MODES = ['off', 'on', 'outcomes'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function onPage(browser, base, mode, calls) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/bench/pages/monitor.html?mode=${mode}&calls=${calls}&tapRows=${TAP_ROWS}`);
    return await page.evaluate(() => window.benchResult);
  } finally {
    await page.close();
  }
}

export async function costBench(browser, base) {
  const loads = Object.fromEntries([...MODES, 'tap'].map((m) => [m, []]));
  let source;
  for (let rep = 0; rep < LOADS; rep++) {
    for (const mode of MODES) {
      const r = await onPage(browser, base, mode, CALLS);
      source = r.source;
      loads[mode].push({
        runP50: quantile(r.run, 0.5), runP95: quantile(r.run, 0.95), windows: r.windows,
        ...(r.outcome ? { outcomeP50: quantile(r.outcome, 0.5), outcomeP95: quantile(r.outcome, 0.95), joined: r.joined } : {}),
      });
    }
    loads.tap.push(await onPage(browser, base, 'tap', 0));
  }
  const of = (mode, key) => median(loads[mode].map((r) => r[key]));
  const runs = MODES.map((mode) => ({
    mode, calls: CALLS, runP50: of(mode, 'runP50'), runP95: of(mode, 'runP95'),
    ...(mode === 'outcomes' ? { outcomeP50: of(mode, 'outcomeP50'), outcomeP95: of(mode, 'outcomeP95') } : {}),
  }));
  const tap = { rows: TAP_ROWS, captureUsPerRow: of('tap', 'captureUs'), drainUsPerRow: of('tap', 'drainUs'), features: loads.tap[0]?.features };
  console.log(`\nCost in Chromium: digits, WASM, one held-out row per model.run(), ${CALLS} sequential runs after 50 warm-up, median of ${LOADS} page loads (telemetry off, cache off, profile: ${source})`);
  console.log('mode                                      run p50 ms  run p95 ms  p50 vs off  recordOutcome p50 ms');
  const off = runs[0].runP50;
  const names = { off: 'monitoring off', on: 'monitoring on (sampleRate 1, window 200)', outcomes: 'on + recordOutcome() after each run' };
  for (const r of runs) {
    const delta = `${r.runP50 - off >= 0 ? '+' : ''}${(r.runP50 - off).toFixed(3)}`;
    console.log(`${names[r.mode].padEnd(42)}${r.runP50.toFixed(3).padStart(10)}${r.runP95.toFixed(3).padStart(12)}${delta.padStart(12)}${(r.outcomeP50 === undefined ? '-' : r.outcomeP50.toFixed(3)).padStart(22)}`);
  }
  console.log(`MonitorTap per monitored row (${TAP_ROWS} one-row runs, drained every 50, ${tap.features} features, on the page's thread):` +
    ` capture ${tap.captureUsPerRow.toFixed(2)} µs (before the reply), drain ${tap.drainUsPerRow.toFixed(2)} µs (after it)`);
  return { unit: 'ms per model.run()', model: 'digits', backend: 'wasm', profile: source, loads: LOADS, runs, tap, perLoad: loads };
}
