// The SDK under a strict Content-Security-Policy: scripts from 'self' only, WebAssembly allowed, no eval.
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, startDemoServer } from './serve.js';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'";
let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startDemoServer({ 'Content-Security-Policy': CSP }));
});
afterAll(async () => {
  await server?.close();
});

test(`a page and worker served with "${CSP}" load and run a model`, async () => {
  const browser = await launchChromium(false);
  const page = await browser.newPage();
  const response = await page.goto(`${url}/test/e2e/pages/csp.html`);
  expect(response?.headers()['content-security-policy']).toBe(CSP);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 90_000 });
  const body = page.locator('body');
  expect(await body.getAttribute('data-error')).toBeNull();
  expect(await body.getAttribute('data-result')).toBe('10');
  expect(await body.getAttribute('data-violations')).toBe('');
  // The worker script got the same header, so the policy applied inside the worker too.
  const worker = await fetch(`${url}/src/worker/worker.ts`);
  expect(worker.headers.get('content-security-policy')).toBe(CSP);
  await browser.close();
});
