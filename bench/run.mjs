// npm run bench: runs the benches in real headless Chromium (the cache policy's hit ratio in Node), prints tables and
// writes JSON to bench/results/. BENCH=runtime,load,cache,batching,int8,telemetry,build,backend,monitor,shadow,batchjob,pool,messages picks some (all by default); so does
// `npm run bench -- int8`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { backendBench } from './backend.mjs';
import { batchingBench } from './batching.mjs';
import { batchJobBench } from './batchjob.mjs';
import { buildBench } from './build.mjs';
import { cacheBench } from './cache.mjs';
import { int8Bench } from './int8.mjs';
import { loadBench } from './load.mjs';
import { messagesBench } from './messages.mjs';
import { monitorBench } from './monitor.mjs';
import { poolBench } from './pool.mjs';
import { runtimeBench } from './runtime.mjs';
import { shadowBench } from './shadow.mjs';
import { telemetryBench } from './telemetry.mjs';

const BENCHES = ['runtime', 'load', 'cache', 'batching', 'int8', 'telemetry', 'build', 'backend', 'monitor', 'shadow', 'batchjob', 'pool', 'messages'];
const selected = (process.argv[2] ?? process.env.BENCH ?? BENCHES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = selected.filter((b) => !BENCHES.includes(b));
if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; expected some of ${BENCHES.join(', ')}`);

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

// No HMR: an edit anywhere in the tree would otherwise reload the page mid-measurement.
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, hmr: false }, logLevel: 'error' });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await chromium.launch({ executablePath, args, headless: true });
try {
  mkdirSync('bench/results', { recursive: true });
  const meta = { date: new Date().toISOString(), chromium: browser.version(), cpus: (await import('node:os')).cpus().length };
  const write = (name, result) => {
    writeFileSync(`bench/results/${name}.json`, JSON.stringify({ ...meta, ...result }, null, 2));
    console.log(`\nwrote bench/results/${name}.json`);
  };
  if (selected.includes('runtime')) write('runtime', await runtimeBench(browser, base));
  if (selected.includes('load')) write('load', await loadBench(browser, base));
  if (selected.includes('cache')) write('cache', await cacheBench(browser, base, server));
  if (selected.includes('batching')) write('batching', await batchingBench(browser, base));
  if (selected.includes('int8')) write('int8', await int8Bench(base, { executablePath, args }));
  if (selected.includes('telemetry')) write('telemetry', await telemetryBench(browser, base));
  if (selected.includes('build')) write('build', await buildBench(browser, base));
  if (selected.includes('backend')) write('backend', await backendBench(base, { executablePath, args }));
  if (selected.includes('monitor')) write('monitor', await monitorBench(browser, base, server));
  if (selected.includes('shadow')) write('shadow', await shadowBench(browser, base));
  if (selected.includes('batchjob')) write('batchjob', await batchJobBench(browser, base));
  if (selected.includes('pool')) write('pool', await poolBench(browser, base));
  if (selected.includes('messages')) write('messages', await messagesBench(browser, base));
} finally {
  await browser.close();
  await server.close();
}
