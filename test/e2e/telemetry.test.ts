// The last batch leaves when the page closes: Playwright closes the page, the demo server's dev receiver checks.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { total, type OtlpSummary } from '../../scripts/otlp-summary.js';
import { useDemoServerAndBrowser } from './serve.js';

const demo = useDemoServerAndBrowser();

async function summary(service: string): Promise<OtlpSummary> {
  return (await fetch(`${demo.url}/__otlp/summary?service=${service}`)).json() as Promise<OtlpSummary>;
}

async function until(service: string, done: (s: OtlpSummary) => boolean): Promise<OtlpSummary> {
  const end = Date.now() + 15_000;
  let s = await summary(service);
  while (!done(s) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    s = await summary(service);
  }
  return s;
}

test('a page closed in the middle of a batch: the last batch arrives', async () => {
  const service = `e2e-close-${Date.now()}`;
  const context = await demo.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.url}/test/e2e/pages/telemetry.html?service=${service}&before=40&after=97`);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 60_000 });
  const session = await page.locator('body').getAttribute('data-session');
  expect(total(await until(service, (s) => s.requests.metrics > 0), 'edge_infer.inference.duration')).toBe(40);

  await page.close(); // no flush from the page: only its pagehide / visibilitychange handlers can send the rest
  const after = await until(service, (s) => total(s, 'edge_infer.inference.duration') >= 137 && s.logs.length > 0);
  expect(total(after, 'edge_infer.inference.duration')).toBe(137);
  expect(after.logs.map((l) => l.body)).toEqual(['closing mid-batch']);
  expect(after.sessions).toBe(1);
  expect(after.logs[0]!.resource['session.id']).toBe(session);
  await context.close();
});

test('the monitor page shows what the dev receiver got, and the receiver keeps it in .otlp/received.jsonl', async () => {
  const page = await demo.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${demo.url}/demo/monitor.html?service=monitor-sample`);
  await page.click('#sample');
  await page.waitForFunction(() => document.querySelectorAll('#inference tbody td.n').length > 0, null, { timeout: 30_000 });
  const rows = await page.locator('#inference tbody tr').allTextContents();
  expect(rows.some((r) => r.includes('digits') && r.includes('webgpu') && r.includes('200'))).toBe(true);
  expect(await page.locator('#inference .hist span').count()).toBeGreaterThan(0);
  expect(await page.locator('#problems').textContent()).toContain('input-shape');
  expect(errors).toEqual([]);
  const lines = readFileSync('.otlp/received.jsonl', 'utf8').trim().split('\n');
  expect(lines.some((line) => line.includes('"monitor-sample"'))).toBe(true);
  await page.close();
});
