// fp32 vs int8 variants of the bundled models through the SDK: WASM with 1 and 2 threads, and WebGPU on the
// SwiftShader adapter these machines have (correct but slow: its numbers are no speed claim). A fourth pass calls
// onnxruntime-web on the page (no SDK), to show the int8 effect without the SDK's per-call worker round trip.
import { chromium } from 'playwright-core';
import { SPEED } from '../models/int8/speed.mjs';

const CONFIGS = [
  { name: 'wasm-1t', backend: 'wasm', threads: 1 },
  { name: 'wasm-2t', backend: 'wasm', threads: 2 },
  { name: 'webgpu-swiftshader', backend: 'webgpu', threads: 1 },
  { name: 'wasm-1t-raw-ort', backend: 'wasm', threads: 1, engine: 'raw' },
];
const VARIANTS = ['fp32', 'int8-dynamic', 'int8-weights'];
const REPS = Number(process.env.BENCH_INT8_REPS ?? 3);
const BUDGET_MS = Number(process.env.BENCH_INT8_BUDGET_MS ?? 1500);
// The WebGPU flags of test/chromium.ts.
const GPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function int8Bench(base, { executablePath, args }) {
  const browser = await chromium.launch({ executablePath, args: [...args, ...GPU_ARGS], headless: true });
  const runs = [];
  const envs = {};
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const config of CONFIGS) {
        const quality = rep === 0 && !config.engine ? 1 : 0;
        const query = `backend=${config.backend}&threads=${config.threads}&engine=${config.engine ?? 'sdk'}&quality=${quality}&budget=${BUDGET_MS}`;
        const result = await pageResult(browser, `${base}/bench/pages/int8.html?${query}`);
        if (result.error) throw new Error(`${config.name}: ${result.error}`);
        envs[config.name] = result.env;
        for (const cell of result.cells) runs.push({ ...cell, config: config.name, rep });
        process.stdout.write(`int8 bench: ${config.name} pass ${rep + 1}/${REPS} done\n`);
      }
    }
  } finally {
    await browser.close();
  }
  const cells = aggregate(runs);
  const verdicts = speedVerdicts(cells);
  printTables(cells, verdicts);
  return { bench: 'int8', unit: 'median ms per model.run', reps: REPS, budgetMs: BUDGET_MS, envs, cells, verdicts, runs };
}

/** Loads the page and awaits its result; once more if Vite reloaded it (the first visit optimizes dependencies). */
async function pageResult(browser, url) {
  for (let attempt = 1; ; attempt++) {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      return await page.evaluate(() => window.benchResult);
    } catch (error) {
      if (attempt >= 2 || !/context was destroyed|navigat/i.test(String(error))) throw error;
    } finally {
      await page.close();
    }
  }
}

/** One row per model, batch, config and variant: the median over page loads of each load's median. */
function aggregate(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = [r.model, r.batch, r.config, r.variant].join('|');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0];
    const q = rs.find((r) => r.quality !== undefined);
    return {
      model: first.model, batch: first.batch, config: first.config, variant: first.variant, backend: first.backend,
      bytes: first.bytes, metric: first.metric, quality: q?.quality,
      ms: median(rs.map((r) => r.ms)), ratio: median(rs.map((r) => r.ratio)), loadMs: median(rs.map((r) => r.loadMs)),
      perLoad: rs.map((r) => r.ms),
    };
  });
}

/**
 * Per model, int8 form and backend, from the SDK runs: the ratio to fp32 per batch size (geometric mean over the
 * backend's configurations, so WASM joins 1 and 2 threads). Above 1.1 counts as slower, below 0.9 as faster:
 * 'faster' when the largest batch is faster and none is slower, 'slower' when some batch is slower and none faster,
 * 'mixed' when both happen, else 'same'.
 */
function speedVerdicts(cells) {
  const out = {};
  for (const c of cells.filter((x) => x.variant !== 'fp32' && !x.config.endsWith('-raw-ort'))) {
    const mode = c.variant.replace('int8-', '');
    const backend = c.config.startsWith('wasm') ? 'wasm' : 'webgpu';
    const entry = (((out[c.model] ??= {})[mode] ??= {})[backend] ??= { ratios: {}, byBatch: {} });
    entry.ratios[`${c.config} b${c.batch}`] = Number(c.ratio.toFixed(2));
    (entry.byBatch[c.batch] ??= []).push(c.ratio);
  }
  for (const modes of Object.values(out)) {
    for (const backends of Object.values(modes)) {
      for (const [backend, entry] of Object.entries(backends)) {
        const perBatch = Object.entries(entry.byBatch).map(([b, rs]) => [Number(b), Math.exp(rs.reduce((s, r) => s + Math.log(r), 0) / rs.length)]);
        delete entry.byBatch;
        const largest = perBatch.reduce((a, b) => (b[0] > a[0] ? b : a));
        const slower = perBatch.some(([, r]) => r > 1.1);
        const faster = perBatch.some(([, r]) => r < 0.9);
        entry.verdict = slower && faster ? 'mixed' : slower ? 'slower' : largest[1] < 0.9 ? 'faster' : 'same';
        entry.ratioByBatch = Object.fromEntries(perBatch.map(([b, r]) => [`b${b}`, Number(r.toFixed(2))]));
        if (backend === 'webgpu') entry.note = 'SwiftShader adapter: not a speed claim for real GPUs';
      }
    }
  }
  return out;
}

function printTables(cells, verdicts) {
  const configs = [...new Set(cells.map((c) => c.config))];
  const models = [...new Set(cells.map((c) => c.model))];
  const get = (model, batch, config, variant) => cells.find((c) => c.model === model && c.batch === batch && c.config === config && c.variant === variant);
  console.log(`\nfp32 vs int8 through the SDK: median ms per model.run over ${REPS} page loads; x = median ratio to fp32 timed in`);
  console.log('alternating rounds (so other load on the machine hits both alike).');
  console.log('WebGPU runs on SwiftShader (a CPU Vulkan): correct but slow, so its numbers are no speed claim. Quality: digits top-1');
  console.log('accuracy and forecast MAE (ppm) on the held-out sets at that batch size; vad = share of frames whose decision matches fp32 on WASM.');
  const header = ['model', 'batch', 'backend', ...VARIANTS.map((v) => `${v} ms`), ...VARIANTS.map((v) => `${v.replace('int8-', '')} quality`)];
  const rows = [];
  for (const model of models) {
    const batches = [...new Set(cells.filter((c) => c.model === model).map((c) => c.batch))];
    for (const batch of batches) {
      for (const config of configs) {
        const fp32 = get(model, batch, config, 'fp32');
        if (!fp32) continue;
        const ms = VARIANTS.map((v) => {
          const c = get(model, batch, config, v);
          return v === 'fp32' ? c.ms.toFixed(3) : `${c.ms.toFixed(3)} (${c.ratio.toFixed(2)}x)`;
        });
        const quality = VARIANTS.map((v) => get(model, batch, config, v)?.quality?.toFixed(4) ?? '-');
        rows.push([model, String(batch), config, ...ms, ...quality]);
      }
    }
  }
  printRows(header, rows);

  console.log('\nFile sizes and load time (median ms from load() to a ready session, wasm-1t):');
  printRows(['model', ...VARIANTS.map((v) => `${v} bytes`), ...VARIANTS.map((v) => `${v} load ms`)], models.map((model) => {
    const c = (v) => get(model, 1, 'wasm-1t', v);
    return [model, ...VARIANTS.map((v) => `${c(v).bytes}${v === 'fp32' ? '' : ` (${((100 * c(v).bytes) / c('fp32').bytes).toFixed(1)}%)`}`),
      ...VARIANTS.map((v) => c(v).loadMs.toFixed(1))];
  }));

  console.log('\nSpeed verdicts (models/int8/speed.mjs records the ones `npm run models` uses for "recommended"):');
  for (const [model, modes] of Object.entries(verdicts)) {
    for (const [mode, backends] of Object.entries(modes)) {
      for (const [backend, v] of Object.entries(backends)) {
        const recorded = SPEED[model]?.[mode]?.[backend]?.verdict;
        const flag = recorded === undefined ? '  (not recorded)' : recorded !== v.verdict ? `  (recorded: ${recorded}; check models/int8/speed.mjs)` : '';
        const ratios = Object.entries(v.ratioByBatch).map(([k, r]) => `${k} ${r}x`).join(', ');
        console.log(`  ${model} ${mode} on ${backend}: ${v.verdict}${flag}  [${ratios}]`);
      }
    }
  }
}

function printRows(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
