// The monitor page's "Split traffic between two versions": two emulated devices in the arms of a rollout manifest
// made in the page send telemetry with `model.arm` to the dev receiver, and the Arms panel shows both side by side.
import { expect, test } from 'vitest';
import type { OtlpSummary } from '../../scripts/otlp-summary.js';
import { total } from '../../scripts/otlp-summary.js';
import { useDemoServerAndBrowser } from './serve.js';

const env = useDemoServerAndBrowser();

test('split: inference records reach the receiver with model.arm stable and variant; the Arms panel has a column each', async () => {
  const page = await env.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.url}/demo/monitor.html`);
  await page.waitForSelector('body[data-model-monitoring]');
  await page.selectOption('#m-model', 'digits');
  await page.selectOption('#m-window', '50');
  await page.selectOption('#m-speed', '0');
  await page.check('#m-split');
  await page.click('#m-start');
  // Two runtimes load (each its own worker and storage) before the rows start: allow for a cold dev server.
  await page.waitForFunction(() => Number(document.body.dataset.rows) >= 120, null, { timeout: 90_000 }).catch(async (e: Error) => {
    throw new Error(`${e.message}; the page says: ${await page.locator('#m-progress').textContent()} ${await page.locator('#m-note').textContent()} ${errors.join('; ')}`);
  });
  expect(await page.locator('#m-progress').textContent()).toMatch(/rows alternate between stable-fp32 \(stable\) and variant-int8 \(variant\)/);
  await page.click('#m-stop'); // disposing both runtimes sends their last telemetry
  await page.waitForSelector('body[data-stream="stopped"]');

  const summary = async () => (await (await fetch(`${env.url}/__otlp/summary?service=edge-infer-monitor-demo`)).json()) as OtlpSummary;
  const runs = (s: OtlpSummary, version: string, arm: string) =>
    total(s, 'edge_infer.inference.duration', { 'model.id': 'digits', 'model.version': version, 'model.arm': arm });
  const deadline = Date.now() + 20_000;
  let s = await summary();
  while ((runs(s, 'stable-fp32', 'stable') < 60 || runs(s, 'variant-int8', 'variant') < 60) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    s = await summary();
  }
  expect(runs(s, 'stable-fp32', 'stable')).toBeGreaterThanOrEqual(60);
  expect(runs(s, 'variant-int8', 'variant')).toBeGreaterThanOrEqual(60);
  // Loads too, one per device, each in its own session.
  expect(total(s, 'edge_infer.model.load.duration', { 'model.arm': 'stable' })).toBe(1);
  expect(total(s, 'edge_infer.model.load.duration', { 'model.arm': 'variant' })).toBe(1);
  expect(s.sessions).toBe(2);
  // Both devices are monitored: their outcomes come per arm too.
  expect(total(s, 'edge_infer.outcomes', { 'model.arm': 'stable' })).toBeGreaterThan(0);
  expect(total(s, 'edge_infer.outcomes', { 'model.arm': 'variant' })).toBeGreaterThan(0);
  // Both devices shadow-test the other int8 form on a quarter of their runs; its results arrive beside the arms.
  expect(total(s, 'edge_infer.shadow.runs', { 'model.arm': 'stable', 'shadow.version': 'shadow-int8' })).toBeGreaterThan(0);
  expect(total(s, 'edge_infer.shadow.runs', { 'model.arm': 'variant', 'shadow.version': 'shadow-int8' })).toBeGreaterThan(0);

  // The receiver part is polled every 2 s.
  const columns = page.locator('#fleet-arms table[data-model="digits"] thead th.arm');
  await page.waitForFunction(() => document.querySelectorAll('#fleet-arms table[data-model="digits"] thead th.arm').length === 2, null, { timeout: 15_000 });
  expect(await columns.evaluateAll((ths) => ths.map((th) => `${(th as HTMLElement).dataset.version} ${(th as HTMLElement).dataset.arm}`))).toEqual(['stable-fp32 stable', 'variant-int8 variant']);
  const row = (name: string) => page.locator('#fleet-arms table[data-model="digits"] tbody tr', { has: page.locator(`th:text-is("${name}")`) }).locator('td');
  const counts = (await row('runs').allTextContents()).map(Number);
  expect(counts.every((n) => n >= 60)).toBe(true);
  for (const p of await row('p95 ms').allTextContents()) expect(p).toMatch(/^\d+\.\d\d$|^> \d+$/);
  for (const p of await row('shadow agreement').allTextContents()) expect(p).toMatch(/%/);
  expect(errors).toEqual([]);
  await page.close();
}, 150_000);
