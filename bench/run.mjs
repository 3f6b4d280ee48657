// npm run bench: runs every bench in real headless Chromium, prints tables and writes JSON to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { runtimeBench } from './runtime.mjs';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0 }, logLevel: 'error' });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await chromium.launch({ executablePath, args, headless: true });
try {
  mkdirSync('bench/results', { recursive: true });
  const meta = { date: new Date().toISOString(), chromium: browser.version(), cpus: (await import('node:os')).cpus().length };
  const runtime = await runtimeBench(browser, base);
  writeFileSync('bench/results/runtime.json', JSON.stringify({ ...meta, ...runtime }, null, 2));
  console.log('\nwrote bench/results/runtime.json');
} finally {
  await browser.close();
  await server.close();
}
