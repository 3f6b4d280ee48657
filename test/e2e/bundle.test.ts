// A fresh Vite app installs the packed SDK (npm pack), builds, and runs a model at any route with no set-up, and
// offline after one visit.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { files, packedApp } from './packed-app.js';
import { launchChromium } from './serve.js';

let app: string;
let server: PreviewServer;
let url: string;

beforeAll(async () => {
  app = await packedApp('test/e2e/fixtures/vite-app');
  mkdirSync(join(app, 'public'), { recursive: true });
  cpSync('models/digits/model.onnx', join(app, 'public', 'digits.onnx'));
  await build({ root: app, configFile: false, logLevel: 'error', build: { outDir: 'dist' } });
  server = await preview({ root: app, configFile: false, logLevel: 'error', preview: { port: 0, host: '127.0.0.1' } });
  url = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

test('the build carries one copy of each onnxruntime-web file it uses', () => {
  const wasm = files(join(app, 'dist')).filter((f) => f.endsWith('.wasm'));
  // One per build: plain (WASM), jspi and asyncify (WebGPU/WebNN, with or without JSPI); a page fetches only those it uses.
  const builds = wasm.map((f) => /^ort-wasm-simd-threaded(\.jspi|\.asyncify)?-[\w-]+\.wasm$/.exec(f)?.[1] ?? (f.startsWith('ort-') ? 'plain' : f)).sort();
  expect(builds).toEqual(['.asyncify', '.jspi', 'plain']);
});

test('the app runs digits at / and at /a/b/c with the same result', async () => {
  const browser = await launchChromium(false);
  const results: string[] = [];
  for (const path of ['/', '/a/b/c']) {
    const page = await browser.newPage();
    await page.goto(`${url}${path}`);
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 90_000 });
    expect(await page.locator('body').getAttribute('data-error')).toBeNull();
    results.push((await page.locator('body').getAttribute('data-result'))!);
    await page.close();
  }
  expect(results[0]!.split(',')).toHaveLength(10);
  expect(results[1]).toBe(results[0]);
  await browser.close();
});

test('after one visit the app works offline, though its service worker caches only the page and scripts', async () => {
  const browser = await launchChromium(false);
  const context = await browser.newContext();
  const page = await context.newPage();
  const ready = async () => {
    await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 90_000 });
    expect(await page.locator('body').getAttribute('data-error')).toBeNull();
    return page.locator('body').getAttribute('data-result');
  };
  await page.goto(`${url}/?offline`);
  const online = await ready();
  await page.evaluate('navigator.serviceWorker.ready');
  await page.reload(); // now controlled: the page and its scripts pass through the service worker
  expect(await ready()).toBe(online);

  await context.setOffline(true);
  await page.reload();
  expect(await ready()).toBe(online);
  expect(await page.locator('body').getAttribute('data-source')).toBe('cache');
  const cached = (await page.evaluate(`caches.open('app-v1').then((c) => c.keys()).then((r) => r.map((q) => q.url))`)) as string[];
  expect(cached.some((u) => u.endsWith('.js'))).toBe(true);
  expect(cached.filter((u) => /\.(wasm|onnx)$/.test(u))).toEqual([]); // the runtime came from the SDK's IndexedDB
  await browser.close();
});

