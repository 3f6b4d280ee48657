// A fresh webpack 5 app installs the packed SDK (npm pack), builds in production mode with a config of entry, output
// and mode only, and runs a model at any route with no set-up, served cross-origin isolated.
import { cpSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import webpack, { type Configuration, type StatsCompilation } from 'webpack';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { files, packedApp, serveStatic } from './packed-app.js';
import { launchChromium } from './serve.js';

let app: string;
let dist: string;
let stats: StatsCompilation;
let server: Server;
let url: string;

beforeAll(async () => {
  app = await packedApp('test/e2e/fixtures/webpack-app');
  const config = (await import(pathToFileURL(join(app, 'webpack.config.mjs')).href)).default as Configuration;
  stats = await compile(config);
  dist = config.output!.path!;
  // What webpack does not make: the page (no html plugin in this app) and the model, as a static host serves them.
  cpSync(join(app, 'index.html'), join(dist, 'index.html'));
  cpSync('models/digits/model.onnx', join(dist, 'digits.onnx'));
  ({ server, url } = await serveStatic(dist));
}, 180_000);

afterAll(async () => {
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  if (app) rmSync(app, { recursive: true, force: true });
});

function compile(config: Configuration): Promise<StatsCompilation> {
  return new Promise((done, fail) => {
    const compiler = webpack(config);
    compiler.run((error, result) => {
      compiler.close(() => {
        if (error || !result) fail(error ?? new Error('webpack gave no stats'));
        else done(result.toJson({ all: false, assets: true, errors: true, warnings: true }));
      });
    });
  });
}

test('webpack builds the app with no errors and no warnings but its size hints', () => {
  expect(stats.errors ?? []).toEqual([]);
  // onnxruntime-web's .wasm is 25 MiB: webpack's performance hints say so, which is expected and harmless.
  const warnings = (stats.warnings ?? []).map((w) => w.message).filter((m) => !/(asset|entrypoint) size limit|webpack performance recommendations/i.test(m));
  expect(warnings).toEqual([]);
});

test('the build carries one copy of each onnxruntime-web .wasm it uses', () => {
  const wasm = files(dist).filter((f) => f.endsWith('.wasm'));
  // One per build (plain for WASM, jspi and asyncify for WebGPU/WebNN), whatever webpack names the files.
  const sources = wasm.map((name) => stats.assets!.find((a) => a.name === name)?.info.sourceFilename ?? name);
  expect(sources.map((s) => s.slice(s.lastIndexOf('/') + 1)).sort()).toEqual([
    'ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.jspi.wasm', 'ort-wasm-simd-threaded.wasm',
  ]);
});

/** Opens the app at `path` in a fresh page and reads what main.js wrote on <body>, with any page errors. */
async function runAt(browser: Browser, path: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  try {
    await page.goto(`${url}${path}`);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 60_000 });
    const body = page.locator('body');
    const env = await body.getAttribute('data-env');
    return {
      error: await body.getAttribute('data-error'),
      problems,
      result: (await body.getAttribute('data-result')) ?? '',
      env: env ? (JSON.parse(env) as { crossOriginIsolated: boolean; numThreads: number }) : undefined,
    };
  } finally {
    await page.close();
  }
}

test('the app runs digits at / and at /a/b/c with the same result, on WASM threads too', async () => {
  const browser = await launchChromium(false);
  try {
    const root = await runAt(browser, '/');
    const deep = await runAt(browser, '/a/b/c');
    for (const run of [root, deep]) expect({ error: run.error, problems: run.problems }).toEqual({ error: null, problems: [] });
    expect(root.result.split(',')).toHaveLength(10);
    expect(deep.result).toBe(root.result);
    // The static server's COOP/COEP reach the webpack-emitted worker too.
    expect(root.env?.crossOriginIsolated).toBe(true);
    // onnxruntime-web's WASM threads start their workers from a copy of its module that webpack emits (an .mjs).
    const threaded = await runAt(browser, '/a/b/c?threads=2');
    expect({ error: threaded.error, problems: threaded.problems, env: threaded.env }).toEqual({ error: null, problems: [], env: { crossOriginIsolated: true, numThreads: 2 } });
    expect(threaded.result).toBe(root.result);
  } finally {
    await browser.close();
  }
});
