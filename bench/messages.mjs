// Message round trips alone (no model): the SDK's run message and onnxruntime-web's proxy message to a worker that
// answers at once, by how the input travels (bench/pages/messages.ts). Median over page loads of each mode's p50.
const REPS = Number(process.env.BENCH_REPS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function messagesBench(browser, base) {
  const runs = {};
  for (let rep = 0; rep < REPS; rep++) {
    const page = await browser.newPage();
    await page.goto(`${base}/bench/pages/messages.html`);
    const result = await page.evaluate(() => window.benchResult);
    await page.close();
    for (const [mode, p50s] of Object.entries(result)) (runs[mode] ??= []).push(...p50s);
  }
  const proxy = median(runs['ort-proxy']);
  console.log(`\nMessage round trips, 784 floats in, 10 out, to a worker that answers at once: p50 µs, median of ${REPS} page loads x 3 rounds`);
  for (const [mode, xs] of Object.entries(runs)) console.log(`${mode.padEnd(12)} ${median(xs).toFixed(0).padStart(5)} µs   ${(median(xs) / proxy).toFixed(2)}x the proxy's message`);
  return { bench: 'messages', unit: 'µs per round trip (p50)', reps: REPS, runs, p50: Object.fromEntries(Object.entries(runs).map(([m, xs]) => [m, median(xs)])) };
}
