// Model load for a ~13 MB model: cold (network → verified → cached → ready), warm (IndexedDB → verified → ready)
// and session creation from bytes already in memory, all through the SDK on WASM, alternating per repetition.
import { largeModel } from './large-model.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function loadBench(browser, base) {
  const model = largeModel();
  const times = { cold: [], warm: [], memory: [] };
  const context = await browser.newContext(); // one profile, so the warm page sees what the cold one stored
  for (let rep = 0; rep < REPS; rep++) {
    const db = `bench-load-${Date.now()}-${rep}`;
    for (const mode of ['cold', 'warm', 'memory']) {
      const page = await context.newPage();
      const query = new URLSearchParams({ mode, db, url: model.url, sha256: model.sha256, size: String(model.size) });
      await page.goto(`${base}/bench/pages/load.html?${query}`);
      times[mode].push(await page.evaluate(() => window.benchResult));
      await page.close();
    }
  }
  await context.close();
  const rows = Object.entries(times).map(([mode, ms]) => ({ mode, medianMs: median(ms), runs: ms }));
  const memory = rows.find((r) => r.mode === 'memory').medianMs;
  console.log(`\nModel load, ${(model.size / 1e6).toFixed(1)} MB model, WASM, ${REPS} runs each (median)`);
  console.log('mode     median ms   / in-memory');
  for (const r of rows) console.log(`${r.mode.padEnd(9)}${r.medianMs.toFixed(1).padStart(9)}   ${(r.medianMs / memory).toFixed(2).padStart(8)}`);
  return { bench: 'load', backend: 'wasm', bytes: model.size, unit: 'ms', results: rows, warmOverMemory: rows[1].medianMs / memory };
}
