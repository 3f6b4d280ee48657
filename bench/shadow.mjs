// Shadow runs and the caller: model.run() p50/p95 of the served version without and with a shadow on every run,
// calls back to back and paced, median over page loads. The bound the SDK promises: a served run waits for at most
// one shadow inference, so p95 with a shadow should stay within p95 without it plus one shadow run (its p50 shown).
const LOADS = Number(process.env.BENCH_SHADOW_LOADS ?? 3);
const CALLS = Number(process.env.BENCH_SHADOW_CALLS ?? 300);
const PAIRS = ['digits', 'scores'];
const PACES = [0, 10];
const MODES = ['off', 'shadow'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function onPage(browser, base, query) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/bench/pages/shadow.html?${query}&calls=${CALLS}`);
    return await page.evaluate(() => window.benchResult);
  } finally {
    await page.close();
  }
}

export async function shadowBench(browser, base) {
  const cells = [];
  for (const pair of PAIRS) {
    for (const pace of PACES) {
      const perLoad = { off: [], shadow: [] };
      for (let rep = 0; rep < LOADS; rep++) {
        for (const mode of MODES) {
          const r = await onPage(browser, base, `pair=${pair}&mode=${mode}&pace=${pace}`);
          perLoad[mode].push({ p50: quantile(r.times, 0.5), p95: quantile(r.times, 0.95), ...(r.second ? { shadowRuns: r.second.runs, skipped: r.second.skipped, shadowP50: r.second.p50Ms, shadowP95: r.second.p95Ms } : {}) });
        }
      }
      const of = (mode, key) => median(perLoad[mode].map((x) => x[key]));
      cells.push({
        pair, paceMs: pace, calls: CALLS,
        off: { p50: of('off', 'p50'), p95: of('off', 'p95') },
        shadow: { p50: of('shadow', 'p50'), p95: of('shadow', 'p95'), shadowRuns: of('shadow', 'shadowRuns'), skipped: of('shadow', 'skipped'), shadowP50: of('shadow', 'shadowP50'), shadowP95: of('shadow', 'shadowP95') },
        perLoad,
      });
    }
  }
  console.log(`\nShadow delay in Chromium (WASM, one row per model.run(), ${CALLS} calls after 50 warm-up, shadow on every run; median of ${LOADS} page loads)`);
  console.log('served / shadow              pace   off p50   off p95   shadow p50  shadow p95  Δp95 ms  shadow run p50/p95  shadow runs/skipped');
  const names = { digits: 'digits fp32 / int8-dynamic', scores: 'y = x / 100x slower' };
  for (const c of cells) {
    const f = (n) => (n === undefined ? '-' : n.toFixed(3));
    console.log(`${names[c.pair].padEnd(28)}${`${c.paceMs} ms`.padStart(6)}${f(c.off.p50).padStart(10)}${f(c.off.p95).padStart(10)}${f(c.shadow.p50).padStart(12)}${f(c.shadow.p95).padStart(12)}` +
      `${(c.shadow.p95 - c.off.p95).toFixed(3).padStart(9)}${`${f(c.shadow.shadowP50)}/${f(c.shadow.shadowP95)}`.padStart(20)}${`${c.shadow.shadowRuns}/${c.shadow.skipped}`.padStart(21)}`);
  }
  return { unit: 'ms per model.run()', backend: 'wasm', loads: LOADS, cells };
}
