// Telemetry: main-thread cost of a record call in Chromium (amortized, exports included), and the gzipped size of
// the telemetry module bundled and minified with rolldown (what Vite 8 uses).
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
  const cost = Object.fromEntries(['inferenceNs', 'inferenceSampledNs', 'cacheNs', 'offNs'].map((k) => [k, median(runs.map((r) => r[k]))]));
  console.log(`\nTelemetry record cost in Chromium, ${runs[0].records} calls per run, an export every ${runs[0].exportEvery}, median of ${REPS} page loads`);
  console.log(`recordInference()                 ${(cost.inferenceNs / 1000).toFixed(3).padStart(7)} µs   (target <= 2)`);
  console.log(`recordInference(), sampleRate 0.1 ${(cost.inferenceSampledNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log(`recordCache()                     ${(cost.cacheNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log(`recordInference(), telemetry off  ${(cost.offNs / 1000).toFixed(3).padStart(7)} µs`);
  console.log('\nTelemetry module size (src/telemetry/index.ts, rolldown minify, gzip -9)');
  for (const s of size.bundles) console.log(`${s.name.padEnd(42)} ${String(s.minified).padStart(6)} B min  ${String(s.gzip).padStart(5)} B gzip   (target <= 3072)`);
  console.log('bytes by module before minification: ' + size.modules.map((m) => `${m.module} ${m.bytes}`).join(', '));
  return { bench: 'telemetry', unit: { cost: 'ns per call', size: 'bytes' }, cost, runs, size, reps: REPS };
}

async function bundle(external) {
  const build = await rolldown({ input: 'src/telemetry/index.ts', external, logLevel: 'silent' });
  const { output } = await build.generate({ format: 'esm', minify: true });
  await build.close();
  const chunk = output.find((c) => c.type === 'chunk');
  return { code: chunk.code, modules: chunk.modules };
}

async function sizes() {
  const bundles = [];
  let modules = [];
  for (const [name, external] of [
    ['telemetry (errors.ts shared with the SDK)', [/errors\.js$/]],
    ['telemetry + errors.ts', []],
  ]) {
    const { code, modules: m } = await bundle(external);
    bundles.push({ name, minified: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length });
    if (!modules.length) {
      modules = Object.entries(m).map(([id, info]) => ({ module: id.replace(/^.*\/(src|node_modules)\//, ''), bytes: info.renderedLength })).filter((x) => x.bytes > 0);
    }
  }
  return { bundles, modules };
}
