// fp32 vs int8 variants of the bundled models through the SDK: WASM with 1 and 2 threads, and WebGPU on the
// SwiftShader adapter these machines have (correct but slow: its numbers are no speed claim). A fourth pass calls
// onnxruntime-web on the page (no SDK), to show the int8 effect without the SDK's per-call worker round trip.
// Issue 11 part 5 ("int8 that stays int8") added: the ~13 MB `large` model (bench/large-model.mjs) and two forms that
// keep weights 8-bit at load (int8-weights-run, int8-nbits) on wasm-1t and wasm-1t-raw-ort; a memory pass
// (bench/int8-memory.mjs: onnxruntime-web's WASM heap per form, a fresh worker each); a CPU-time pass
// (bench/int8-cpu.mjs: the same kernels in Node timed by the main thread's CPU clock, which a busy machine disturbs
// far less than the wall clock). Env: BENCH_INT8_REPS (3), BENCH_INT8_MEMORY_REPS (3), BENCH_INT8_BUDGET_MS (1500),
// BENCH_INT8_CONFIGS (all; names below, comma-separated), BENCH_INT8_MODELS (all; e.g. digits),
// BENCH_INT8_CPU (1; 0 skips it).
import { chromium } from 'playwright-core';
import { SPEED } from '../models/int8/speed.mjs';
import { cpuBench, cpuBenchAvailable, printCpu } from './int8-cpu.mjs';
import { memoryBench, printMemory } from './int8-memory.mjs';
import { largeModel } from './large-model.mjs';

const CONFIGS = [
  { name: 'wasm-1t', backend: 'wasm', threads: 1, models: 'digits,forecast,vad,large', extra: true },
  { name: 'wasm-2t', backend: 'wasm', threads: 2, models: 'digits,forecast,vad' },
  { name: 'webgpu-swiftshader', backend: 'webgpu', threads: 1, models: 'digits,forecast,vad' },
  { name: 'wasm-1t-raw-ort', backend: 'wasm', threads: 1, engine: 'raw', models: 'digits,forecast,vad,large', extra: true },
].filter((c) => !process.env.BENCH_INT8_CONFIGS || process.env.BENCH_INT8_CONFIGS.split(',').includes(c.name))
  .map((c) => (process.env.BENCH_INT8_MODELS ? { ...c, models: c.models.split(',').filter((m) => process.env.BENCH_INT8_MODELS.split(',').includes(m)).join(',') } : c))
  .filter((c) => c.models !== '');
const CPU = process.env.BENCH_INT8_CPU !== '0' && cpuBenchAvailable();
const VARIANTS = ['fp32', 'int8-dynamic', 'int8-weights', 'int8-weights-run', 'int8-nbits'];
/** Forms beyond the bundled two, timed on WASM only and only for these models (they rewrite MatMul weights). */
const EXTRA = { variants: 'int8-weights-run,int8-nbits', models: 'digits,large' };
const REPS = Number(process.env.BENCH_INT8_REPS ?? 3);
const MEMORY_REPS = Number(process.env.BENCH_INT8_MEMORY_REPS ?? 3);
const BUDGET_MS = Number(process.env.BENCH_INT8_BUDGET_MS ?? 1500);
// The WebGPU flags of test/chromium.ts.
const GPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function int8Bench(base, { executablePath, args }) {
  largeModel(); // writes bench/fixtures/large.onnx when missing
  const browser = await chromium.launch({ executablePath, args: [...args, ...GPU_ARGS], headless: true });
  const runs = [];
  const envs = {};
  let memory;
  try {
    if (MEMORY_REPS > 0) memory = await memoryBench(browser, base, { reps: MEMORY_REPS, threads: 1, pageResult });
    for (let rep = 0; rep < REPS; rep++) {
      for (const config of CONFIGS) {
        const quality = rep === 0 && !config.engine ? 1 : 0;
        const extra = config.extra ? `&extra=${EXTRA.variants}&extraModels=${EXTRA.models}` : '';
        const query = `backend=${config.backend}&threads=${config.threads}&engine=${config.engine ?? 'sdk'}&quality=${quality}&budget=${BUDGET_MS}` +
          `&models=${config.models}${extra}`;
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
  const cpu = CPU ? await cpuBench() : undefined;
  printTables(cells, verdicts);
  if (memory) printMemory(memory);
  if (cpu) printCpu(cpu);
  return { bench: 'int8', unit: 'median ms per model.run', reps: REPS, budgetMs: BUDGET_MS, envs, cells, verdicts, memory, cpu, runs };
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
  const short = (v) => v.replace('int8-', '');
  const rowsOf = (cell) => {
    const rows = [];
    for (const model of models) {
      const batches = [...new Set(cells.filter((c) => c.model === model).map((c) => c.batch))];
      for (const batch of batches) {
        for (const config of configs) {
          if (!get(model, batch, config, 'fp32')) continue;
          rows.push([model, String(batch), config, ...VARIANTS.map((v) => {
            const c = get(model, batch, config, v);
            return c ? cell(c, v) : '-';
          })]);
        }
      }
    }
    return rows;
  };
  console.log(`\nfp32 vs int8 through the SDK: median ms per model.run over ${REPS} page loads; x = median ratio to fp32 timed in`);
  console.log('alternating rounds (so other load on the machine hits both alike). wasm-1t-raw-ort: onnxruntime-web on the page, no SDK.');
  console.log('WebGPU runs on SwiftShader (a CPU Vulkan): correct but slow, so its numbers are no speed claim. large, weights-run and');
  console.log('nbits: wasm-1t and wasm-1t-raw-ort only (weights-run and nbits for digits and large).');
  printRows(['model', 'batch', 'backend', ...VARIANTS.map((v) => `${short(v)} ms`)],
    rowsOf((c, v) => (v === 'fp32' ? c.ms.toFixed(3) : `${c.ms.toFixed(3)} (${c.ratio.toFixed(2)}x)`)));

  console.log('\nQuality (first pass, through the SDK): digits top-1 accuracy and forecast MAE (ppm) on the held-out sets at that batch');
  console.log('size; vad = share of frames whose decision matches fp32 on WASM; large = RMS error of y relative to a float64 reference.');
  printRows(['model', 'batch', 'backend', ...VARIANTS.map((v) => `${short(v)} quality`)],
    rowsOf((c) => (c.quality === undefined ? '-' : c.quality < 0.01 ? c.quality.toExponential(2) : c.quality.toFixed(4)))
      .filter((r) => r.slice(3).some((q) => q !== '-')));

  const sizeConfig = configs.includes('wasm-1t') ? 'wasm-1t' : configs[0];
  console.log(`\nFile sizes and load time (median ms from load() to a ready session, ${sizeConfig}; made forms are loaded from bytes):`);
  printRows(['model', ...VARIANTS.map((v) => `${short(v)} bytes`), ...VARIANTS.map((v) => `${short(v)} load ms`)], models.map((model) => {
    const c = (v) => get(model, 1, sizeConfig, v) ?? cells.find((x) => x.model === model && x.batch === 1 && x.variant === v);
    const fp32 = c('fp32');
    return [model, ...VARIANTS.map((v) => (!c(v) ? '-' : `${c(v).bytes}${v === 'fp32' ? '' : ` (${((100 * c(v).bytes) / fp32.bytes).toFixed(1)}%)`}`)),
      ...VARIANTS.map((v) => c(v)?.loadMs.toFixed(1) ?? '-')];
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
  if (rows.length === 0) return;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
