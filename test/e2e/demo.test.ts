import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { total as seriesTotal, type OtlpSummary } from '../../scripts/otlp-summary.js';
import { launchChromium, startDemoServer } from './serve.js';

let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startDemoServer());
});
afterAll(async () => {
  await server?.close();
});

async function openDemo(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/demo/digits.html`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  expect(errors).toEqual([]);
  return page;
}

/** Draws a stroke through the given points (in 280×280 pad coordinates) with the mouse, as a person would. */
async function draw(page: Page, points: [number, number][]) {
  const box = (await page.locator('#pad').boundingBox())!;
  const [first, ...rest] = points;
  await page.mouse.move(box.x + first![0], box.y + first![1]);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
  await page.mouse.up();
}

async function predictionAfter(page: Page, count: number) {
  await page.waitForSelector(`body[data-predictions="${count}"]`, { timeout: 60_000 });
  return page.locator('#prediction').textContent();
}

// auto measures; SwiftShader's software adapter is ruled out, so WASM serves in both browsers.
describe.each([
  { webgpu: true, expected: 'wasm' },
  { webgpu: false, expected: 'wasm' },
])('demo page, Chromium with WebGPU $webgpu', ({ webgpu, expected }) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(webgpu);
  });
  afterAll(async () => {
    await browser?.close();
  });

  test(`draws digits and shows the prediction from the worker on ${expected}`, async () => {
    const page = await openDemo(browser);
    expect(await page.locator('#used').textContent()).toBe(expected);
    const fallback = await page.locator('#fallback').textContent();
    if (webgpu) expect(fallback).toMatch(/^webgpu: the WebGPU adapter is a software one/);
    else expect(fallback).toMatch(/^webgpu: navigator\.gpu/);
    // Precision auto: the manifest's two gated int8 forms for WASM are timed against each other.
    expect(await page.locator('#choice').textContent()).toMatch(/^auto · webgpu: .* · webnn: .* · wasm int8-dynamic: \d+\.\d{3} ms · wasm int8-weights: \d+\.\d{3} ms$/);
    expect(await page.locator('#build').textContent()).toBe('onnxruntime-web wasm build');

    await draw(page, [[140, 40], [140, 240]]);
    expect(await predictionAfter(page, 1)).toBe('1');
    await page.click('#clear');
    await draw(page, [[70, 60], [210, 60], [120, 240]]);
    expect(await predictionAfter(page, 2)).toBe('7');

    const bars = await page.locator('#bars li').allTextContents();
    const total = bars.reduce((sum, text) => sum + Number.parseFloat(text), 0);
    expect(bars).toHaveLength(10);
    expect(total).toBeGreaterThan(99);
    expect(total).toBeLessThan(101);
    expect(await page.locator('#inference').textContent()).toMatch(/^\d+\.\d\d ms$/);

    // Several digits side by side: predict() splits the drawing at blank columns and reads each piece.
    await page.check('#several');
    await draw(page, [[120, 40], [120, 240]]);
    await draw(page, [[330, 60], [470, 60], [380, 240]]);
    expect(await predictionAfter(page, 4)).toBe('17');
    expect(await page.locator('#inference').textContent()).toMatch(/^\d+\.\d\d ms for 2 digit\(s\) in one batch$/);

    // The page's telemetry reaches the demo server's OTLP receiver (it exports every 2 s, and on page hide).
    await page.close();
    const inferences = async () => {
      const summary = (await (await fetch(`${url}/__otlp/summary?service=edge-infer-demo`)).json()) as OtlpSummary;
      return seriesTotal(summary, 'edge_infer.inference.duration', { backend: expected });
    };
    const deadline = Date.now() + 20_000;
    while ((await inferences()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await inferences()).toBeGreaterThanOrEqual(2);
  });

  test('forcing WebGPU fails clearly when the browser has none', async () => {
    const page = await openDemo(browser);
    await page.selectOption('#backend', 'webgpu');
    await page.waitForSelector('body[data-loads="2"]', { timeout: 60_000 });
    const status = await page.locator('#status').textContent();
    if (webgpu) expect(status).toMatch(/^ready/);
    else expect(status).toMatch(/^error: backend-unavailable/);
  });
});

describe('offline', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(false);
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('after one visit the demo works offline: page from its service worker, model from IndexedDB', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const modelRequests: string[] = [];
    page.on('request', (r) => void (r.url().includes('/models/') && modelRequests.push(r.url())));
    await page.goto(`${url}/demo/digits.html`);
    await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
    expect(await page.locator('#source').textContent()).toMatch(/^network/);

    await context.setOffline(true);
    modelRequests.length = 0;
    await page.reload();
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^ready/);
    expect(await page.locator('#source').textContent()).toMatch(/^cache/);
    expect(modelRequests).toEqual([]); // neither the manifest nor the model was asked for
    await draw(page, [[140, 40], [140, 240]]);
    expect(await predictionAfter(page, 1)).toBe('1');

    // With nothing cached, a load fails fast and says why.
    const started = Date.now();
    // A string, so the test runner does not rewrite the dynamic import.
    const code = await page.evaluate(`import('/src/index.ts').then((sdk) =>
      sdk.createRuntime({ storage: { dbName: 'never-used' }, manifest: '/models/manifest.json' })
        .load('digits').then(() => 'loaded', (e) => e.code))`);
    expect(code).toBe('model-unavailable-offline');
    expect(Date.now() - started).toBeLessThan(10_000);
    await context.close();
  });
});

// The monitor page's "Model monitoring" part: digits' held-out rows streamed through a model monitored against the
// profile the bundled manifest names, and through one whose manifest entry names none.
describe('monitor page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(false);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function openMonitor({ withoutProfile = false } = {}): Promise<{ page: Page; errors: string[] }> {
    // The page's service worker would fetch the manifest itself, past page.route: block it where the test edits the manifest.
    const page = await browser.newPage(withoutProfile ? { serviceWorkers: 'block' } : {});
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { models: { id: string; profile?: unknown }[] };
    const digits = manifest.models.find((m) => m.id === 'digits')!;
    if (withoutProfile) {
      delete digits.profile;
      await page.route('**/models/manifest.json', (route) => route.fulfill({ json: manifest }));
    } else {
      expect(digits.profile, 'models/manifest.json names a digits profile').toBeDefined();
    }
    await page.goto(`${url}/demo/monitor.html`);
    await page.waitForSelector('body[data-model-monitoring]');
    return { page, errors };
  }

  async function startDigits(page: Page, shift: string) {
    await page.selectOption('#m-model', 'digits');
    await page.selectOption('#m-shift', shift);
    if (shift) await page.selectOption('#m-strength', 'strong');
    await page.selectOption('#m-window', '50');
    await page.selectOption('#m-speed', '0');
    await page.click('#m-start');
  }

  test('inverted digits raise a drift alert; outcomes give accuracy per window; the fleet view gets the drift', async () => {
    const { page, errors } = await openMonitor();
    await startDigits(page, 'inversion');
    await page.waitForFunction(() => Number(document.body.dataset.monitorAlerts) >= 1 && Number(document.body.dataset.qualityWindows) >= 1, null, { timeout: 45_000 });
    expect(await page.locator('#m-badge').textContent()).toBe('drift');
    expect(await page.locator('#m-alerts li.drift').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#m-features tr.drifted').count()).toBeGreaterThan(0);
    expect(await page.locator('#m-drifted').textContent()).toMatch(/features drifted/);
    expect(await page.locator('#m-quality').textContent()).toMatch(/accuracy: last closed window \d+\.\d%/);
    await page.click('#m-stop'); // disposing the runtime sends its last telemetry
    await page.waitForSelector('body[data-stream="stopped"]');
    // The receiver part (polled every 2 s) shows the alerts and the outcomes the page's runtime exported.
    await page.waitForFunction(() => /digits/.test(document.getElementById('fleet-drift')!.textContent ?? '') && /digits/.test(document.getElementById('fleet-outcomes')!.textContent ?? ''), null, { timeout: 15_000 });
    const summary = (await (await fetch(`${url}/__otlp/summary?service=edge-infer-monitor-demo`)).json()) as OtlpSummary;
    expect(summary.drift.filter((f) => f.model === 'digits' && f.alerts > 0).length).toBeGreaterThan(0);
    expect(summary.drift.find((f) => f.model === 'digits')!.rows).toBeGreaterThanOrEqual(50);
    const outcomes = summary.outcomes.find((o) => o.model === 'digits')!;
    expect(outcomes.correct + outcomes.wrong).toBeGreaterThanOrEqual(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('with no shift the bundled profile says ok', async () => {
    const { page, errors } = await openMonitor();
    await startDigits(page, '');
    await page.waitForFunction(() => Number(document.body.dataset.monitorWindows) >= 2, null, { timeout: 45_000 });
    expect(await page.locator('#m-badge').textContent()).toBe('ok');
    expect(await page.locator('#m-alerts').textContent()).toBe('no alerts yet');
    expect(await page.locator('#m-note').isVisible()).toBe(false);
    await page.click('#m-stop');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('a manifest entry without a profile: the rows still run and the page says the model runs unmonitored', async () => {
    const { page, errors } = await openMonitor({ withoutProfile: true });
    await startDigits(page, '');
    await page.waitForFunction(() => document.body.dataset.monitorStatus === 'off' && Number(document.body.dataset.rows) >= 20, null, { timeout: 45_000 });
    expect(await page.locator('#m-badge').textContent()).toBe('unmonitored');
    expect(await page.locator('#m-note').isVisible()).toBe(true);
    expect(await page.locator('#m-note').textContent()).toMatch(/runs unmonitored: .*names no profile/);
    expect(await page.locator('#m-quality').textContent()).toMatch(/no outcome quality/);
    await page.click('#m-stop');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
