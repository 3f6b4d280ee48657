// Telemetry: main-thread cost of a record call in Chromium (amortized, exports included), and the gzipped size of
// telemetry in an app bundled and minified with rolldown (what Vite 8 uses): the part a page loads before any record,
// the part behind import() (pipeline.ts: encoding, sending, outbox), and both.
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function telemetryBench(browser, base) {
  const size = await sizes();
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    const page = await browser.newPage();
    await page.goto(`${base}/bench/pages/telemetry.html`);
    runs.push(await page.evaluate(() => window.benchResult));
    await page.close();
  }
  const cost = Object.fromEntries(['inferenceNs', 'inferenceOneModelNs', 'inferenceSampledNs', 'cacheNs', 'offNs'].map((k) => [k, median(runs.map((r) => r[k]))]));
  console.log(`\nTelemetry record cost in Chromium, ${runs[0].records} calls per run, an export every ${runs[0].exportEvery}, median of ${REPS} page loads`);
  console.log(`recordInference()                 ${(cost.inferenceNs / 1000).toFixed(3).padStart(7)} µs   (target <= 2; 16 models in turn)`);
  console.log(`recordInference(), one model      ${(cost.inferenceOneModelNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log(`recordInference(), sampleRate 0.1 ${(cost.inferenceSampledNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log(`recordCache()                     ${(cost.cacheNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log(`recordInference(), telemetry off  ${(cost.offNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log('\nTelemetry size: a 1-line app calling createTelemetry(), built as Vite 8 builds apps (rolldown, minify), gzip -9 per file');
  console.log('eager: what the page loads before any record (the entry chunk and its static imports)');
  console.log('lazy:  pipeline.ts and what only it needs, behind import(): fetched at the first record, or the first export');
  for (const s of size.bundles) {
    for (const [part, target] of [['eager', '   (target <= 3072)'], ['lazy', ''], ['total', '']]) {
      const p = s[part];
      const files = `${p.files} file${p.files === 1 ? '' : 's'}`;
      console.log(`${(part === 'eager' ? s.name : '').padEnd(42)} ${part.padEnd(5)} ${String(p.minified).padStart(6)} B min  ${String(p.gzip).padStart(5)} B gzip  ${files.padEnd(7)}${target}`);
    }
  }
  for (const [part, modules] of Object.entries(size.modules)) console.log(`${part} bytes by module before minification: ` + modules.map((m) => `${m.module} ${m.bytes}`).join(', '));
  const fetched = (key) => runs.filter((r) => r[key]).length + `/${runs.length}`;
  console.log(`pages that had fetched pipeline.ts (the lazy part) before their first record: ${fetched('pipelineBeforeRecord')}, after their exports: ${fetched('pipelineAfterExports')}`);
  return { bench: 'telemetry', unit: { cost: 'ns per call', size: 'bytes' }, cost, runs, size, reps: REPS };
}

// An app that calls createTelemetry(), built as Vite 8 builds an app (rolldown, minify, `preserveEntrySignatures:
// false`, so the app's entry chunk takes in what it shares with lazy chunks); the page's own code is 1 line.
const APP = 'virtual:telemetry-app';

async function bundle(external) {
  const entry = resolve('src/telemetry/index.ts');
  const app = { name: 'app', resolveId: (id) => (id === APP ? id : null), load: (id) => (id === APP ? `import { createTelemetry } from ${JSON.stringify(entry)};\nglobalThis.createTelemetry = createTelemetry;` : null) };
  const build = await rolldown({ input: APP, external, plugins: [app], preserveEntrySignatures: false, logLevel: 'silent' });
  const { output } = await build.generate({ format: 'esm', minify: true });
  await build.close();
  const chunks = new Map(output.filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
  // Eager: the entry and, transitively, the chunks it imports statically. The rest waits behind import().
  const eager = new Set();
  const visit = (name) => {
    if (eager.has(name) || !chunks.has(name)) return;
    eager.add(name);
    for (const dep of chunks.get(name).imports) visit(dep);
  };
  visit([...chunks.values()].find((c) => c.isEntry).fileName);
  return [...chunks.values()].map((c) => ({ eager: eager.has(c.fileName), code: c.code, modules: c.modules }));
}

async function sizes() {
  const bundles = [];
  let modules;
  for (const [name, external] of [
    ['telemetry (errors.ts shared with the SDK)', [/errors\.js$/]],
    ['telemetry + errors.ts', []],
  ]) {
    const chunks = await bundle(external);
    const sum = (list) => ({ minified: list.reduce((n, c) => n + Buffer.byteLength(c.code), 0), gzip: list.reduce((n, c) => n + gzipSync(c.code, { level: 9 }).length, 0), files: list.length });
    bundles.push({ name, eager: sum(chunks.filter((c) => c.eager)), lazy: sum(chunks.filter((c) => !c.eager)), total: sum(chunks) });
    modules ??= Object.fromEntries(['eager', 'lazy'].map((part) => [part, chunks.filter((c) => c.eager === (part === 'eager')).flatMap((c) => Object.entries(c.modules))
      .map(([id, info]) => ({ module: id.replace(/^.*\/(src|node_modules)\//, ''), bytes: info.renderedLength })).filter((x) => x.bytes > 0)]));
  }
  return { bundles, modules };
}
