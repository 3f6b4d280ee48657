// A fresh Vite app installs the packed SDK (npm pack), builds, and runs a model at any route with no set-up.
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
  mkdirSync(join(app, 'public'));
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
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/^ort-wasm-simd-threaded\.asyncify-.*\.wasm$/);
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
