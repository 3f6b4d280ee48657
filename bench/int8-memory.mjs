// onnxruntime-web's WASM heap per int8 form (bench/pages/int8-memory.ts): one fresh worker per model, form and
// repetition, since WASM memory never shrinks. Two numbers per point: `heap` (the linear memory's size, what the tab
// holds) and `used` (4 KiB pages written so far, a resident-size proxy), both after session creation and after one
// run at each batch size. `model` columns subtract the baseline (onnxruntime-web started, tiny model loaded).
import { largeModel } from './large-model.mjs';

export const MEMORY_MODELS = ['digits', 'large'];
export const MEMORY_FORMS = ['fp32', 'int8-dynamic', 'int8-weights', 'int8-weights-run', 'int8-nbits'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

export async function memoryBench(browser, base, { reps, threads = 1, models = MEMORY_MODELS, forms = MEMORY_FORMS, pageResult }) {
  largeModel(); // writes bench/fixtures/large.onnx when missing
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    const query = new URLSearchParams({ models: models.join(','), forms: forms.join(','), threads: String(threads), batches: '1,16,64' });
    const results = await pageResult(browser, `${base}/bench/pages/int8-memory.html?${query}`);
    if (results.error) throw new Error(`memory: ${results.error}`);
    for (const result of results) runs.push({ ...result, rep });
    process.stdout.write(`int8 bench: memory pass ${rep + 1}/${reps} done\n`);
  }
  return { reps, threads, unit: 'bytes (median over page loads, a fresh worker per form in each)', cells: aggregate(runs), runs };
}

/** Medians per model and form; ratios to the same model's fp32 cell. */
function aggregate(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.model}|${r.form}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const cells = [...groups.values()].map((rs) => {
    const m = (f) => median(rs.map(f));
    const peak = (r) => r.runs[r.runs.length - 1];
    return {
      model: rs[0].model, form: rs[0].form, bytes: rs[0].bytes, loadMs: m((r) => r.loadMs),
      baseline: { heapBytes: m((r) => r.baseline.heapBytes), usedBytes: m((r) => r.baseline.usedBytes) },
      load: { heapBytes: m((r) => r.load.heapBytes), usedBytes: m((r) => r.load.usedBytes) },
      afterRuns: { heapBytes: m((r) => peak(r).heapBytes), usedBytes: m((r) => peak(r).usedBytes), batches: rs[0].runs.map((x) => x.batch) },
      perRun: rs[0].runs.map((x, i) => ({ batch: x.batch, heapBytes: median(rs.map((r) => r.runs[i].heapBytes)), usedBytes: median(rs.map((r) => r.runs[i].usedBytes)) })),
    };
  });
  for (const c of cells) {
    const fp32 = cells.find((x) => x.model === c.model && x.form === 'fp32');
    if (!fp32) continue;
    const model = (s, b) => s.usedBytes - b.usedBytes;
    c.ratio = {
      heapAfterLoad: c.load.heapBytes / fp32.load.heapBytes,
      modelUsedAfterLoad: model(c.load, c.baseline) / model(fp32.load, fp32.baseline),
      heapAfterRuns: c.afterRuns.heapBytes / fp32.afterRuns.heapBytes,
      modelUsedAfterRuns: model(c.afterRuns, c.baseline) / model(fp32.afterRuns, fp32.baseline),
    };
  }
  return cells;
}

export function printMemory({ cells, reps, threads }) {
  console.log(`\nWASM heap per form (onnxruntime-web in a fresh worker per form, same build and options as the SDK's worker, ${threads} thread(s)), median`);
  console.log(`of ${reps} page loads. heap = linear memory size (never shrinks); used = 4 KiB pages written (resident proxy);`);
  console.log('model = used minus the baseline (runtime started, tiny model loaded); x = ratio to fp32. "after runs" = after one run');
  console.log('each at batch 1, 16 and 64 (a weight expanded per run stays in the arena).');
  const header = ['model', 'form', 'file', 'heap MB load', 'model MB load', 'heap MB runs', 'model MB runs', 'load ms'];
  const rows = cells.map((c) => {
    const r = c.ratio;
    const x = (v) => (r ? ` (${v.toFixed(2)}x)` : '');
    return [
      c.model, c.form, `${(c.bytes / 1e6).toFixed(2)} MB`,
      `${mb(c.load.heapBytes)}${x(r?.heapAfterLoad)}`, `${mb(c.load.usedBytes - c.baseline.usedBytes)}${x(r?.modelUsedAfterLoad)}`,
      `${mb(c.afterRuns.heapBytes)}${x(r?.heapAfterRuns)}`, `${mb(c.afterRuns.usedBytes - c.baseline.usedBytes)}${x(r?.modelUsedAfterRuns)}`,
      c.loadMs.toFixed(0),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cs) => cs.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const base = cells[0]?.baseline;
  if (base) console.log(`baseline: heap ${mb(base.heapBytes)} MB, used ${mb(base.usedBytes)} MB`);
}
