// Real quota exhaustion: Chromium's DevTools protocol lowers the origin's storage quota. It runs in a browser of its
// own, because the override is origin-wide and would make other tests' writes fail.
import { expect, test } from 'vitest';
import { useDemoServerAndBrowser } from './serve.js';

const demo = useDemoServerAndBrowser();

test('with the quota used up the model runs from memory, with a quota-exceeded warning, and nothing is cached', async () => {
  const context = await demo.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.url}/test/e2e/pages/blank.html`);
  const cdp = await context.newCDPSession(page);
  const usage = (await page.evaluate('navigator.storage.estimate()')) as { usage: number };
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(demo.url).origin, quotaSize: usage.usage + 50_000 });
  // A string, so the test runner does not rewrite the dynamic import.
  const result = (await page.evaluate(`import('/src/index.ts').then(async (sdk) => {
    const runtime = sdk.createRuntime({ backends: ['wasm'], manifest: '/models/manifest.json' });
    const warnings = [];
    const model = await runtime.load('digits', { onProgress: (e) => e.type === 'warning' && warnings.push(e.code) });
    const out = await model.run({ pixels: new Float32Array(784) });
    return { cached: model.cached, warnings, dims: out.outputs.probabilities.dims, listed: (await runtime.storage.list()).length };
  })`)) as { cached: boolean; warnings: string[]; dims: number[]; listed: number };
  expect(result).toEqual({ cached: false, warnings: ['quota-exceeded'], dims: [1, 10], listed: 0 });
  await context.close();
});
