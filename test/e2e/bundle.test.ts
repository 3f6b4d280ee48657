// A fresh Vite app installs the packed SDK (npm pack), builds, and runs a model at any route with no set-up.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium } from './serve.js';

const root = resolve('.');
let app: string;
let server: PreviewServer;
let url: string;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'edge-infer-app-'));
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const installed = join(app, 'node_modules', 'edge-infer');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
  // The tarball's dependencies, as npm would install them (linked from this checkout: no network in tests).
  for (const dep of ['comlink', 'idb-keyval', 'onnxruntime-web']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  cpSync('test/e2e/fixtures/vite-app', app, { recursive: true });
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

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [e.name]));
}

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
