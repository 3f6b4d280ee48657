// Model load for a ~13 MB model: cold (network → verified → cached → ready), warm (IndexedDB → verified → ready)
// and session creation from bytes already in memory, all through the SDK on WASM, one page per load. Then where a
// warm load's time goes (record lookup, read, verification, session), timed phase by phase in a bench worker.
// BENCH_REPS sets the repetitions (5 by default); each one uses a new database and a new page per load.
import { largeModel } from './large-model.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (ms, digits = 1) => ms.toFixed(digits);

export async function loadBench(browser, base) {
  const model = largeModel();
  const times = { cold: [], warm: [], memory: [] };
  const splits = [];
  const context = await browser.newContext(); // one profile, so the warm page sees what the cold one stored
  const visit = async (mode, db) => {
    const page = await context.newPage();
    try {
      const query = new URLSearchParams({ mode, db, url: model.url, sha256: model.sha256, size: String(model.size) });
      await page.goto(`${base}/bench/pages/load.html?${query}`);
      return await page.evaluate(() => window.benchResult);
    } finally {
      await page.close();
    }
  };
  for (let rep = 0; rep < REPS; rep++) {
    const db = `bench-load-${Date.now()}-${rep}`;
    times.cold.push(await visit('cold', db));
    // Alternate which of the pair goes first, so a drift in machine load does not favour one.
    for (const mode of rep % 2 ? ['memory', 'warm'] : ['warm', 'memory']) times[mode].push(await visit(mode, db));
    splits.push(await visit('split', db));
  }
  await context.close();

  const rows = Object.entries(times).map(([mode, ms]) => ({ mode, medianMs: median(ms), runs: ms }));
  const memory = median(times.memory);
  const ratios = times.warm.map((w, i) => w / times.memory[i]);
  console.log(`\nModel load, ${(model.size / 1e6).toFixed(1)} MB model, WASM, ${REPS} page loads each (median)`);
  console.log('mode     median ms   / in-memory');
  for (const r of rows) console.log(`${r.mode.padEnd(9)}${f(r.medianMs).padStart(9)}   ${f(r.medianMs / memory, 2).padStart(8)}`);
  console.log(`warm / in-memory, median of the ${REPS} paired page loads: ${f(median(ratios), 2)} (each: ${ratios.map((r) => f(r, 2)).join(' ')})`);

  const phase = (of) => ({ medianMs: median(splits.map(of)), runs: splits.map(of) });
  const split = {
    lookupMs: phase((s) => s.fetchMs - s.readMs - s.verifyMs), readMs: phase((s) => s.readMs), verifyMs: phase((s) => s.verifyMs),
    fetchMs: phase((s) => s.fetchMs), sessionMs: phase((s) => s.sessionMs),
  };
  console.log(`\nWarm load split, phase by phase in a bench worker: the SDK's store code, then onnxruntime-web (median of ${REPS} page loads)`);
  console.log('phase                                      median ms   runs');
  const line = (name, p) => console.log(`${name.padEnd(43)}${f(p.medianMs).padStart(9)}   ${p.runs.map((x) => f(x)).join(' ')}`);
  line('record lookup (+ chunk handles)', split.lookupMs);
  line('read (every chunk, into one buffer)', split.readMs);
  line('verify (piece digests after the read)', split.verifyMs);
  line('= from the store, verified', split.fetchMs);
  line('session from the verified bytes', split.sessionMs);
  const overSession = splits.map((s) => (s.fetchMs + s.sessionMs) / s.sessionMs);
  console.log(`(from the store + session) / session alone: ${f(median(overSession), 2)} (median of the per-page ratios)`);

  return {
    bench: 'load', backend: 'wasm', bytes: model.size, unit: 'ms', results: rows,
    warmOverMemory: rows[1].medianMs / memory, warmOverMemoryPaired: median(ratios), warmSplit: split,
  };
}
