// The comparison lab (demo/index.html) in real Chromium, as a user drives it: the bundled digits model compared as
// fp32 and int8 on WASM, a generated model dropped as a file and quantized in the page, exports, bad files, and a
// visit with the network off. Screenshots go to test-results/lab-*.png for review.
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { checkReport } from '../../demo/lab/export.js';
import type { LabReport } from '../../demo/lab/types.js';
import { writeNpy } from '../../src/monitor/npy.js';
import { DataType } from '../../src/tools/onnx/proto.js';
import { f32, graph, model, node, random, weight } from '../unit/tools/graphs.js';
import { useDemoServerAndBrowser } from './serve.js';

const env = useDemoServerAndBrowser();
const SHOTS = 'test-results';
mkdirSync(SHOTS, { recursive: true });

/** A 32-64-10 MLP: weights big enough for the quantizer, a classifier-shaped output. */
const mlp = () => Buffer.from(model(graph('mlp', [
  node('MatMul', ['x', 'w1'], ['h']),
  node('Relu', ['h'], ['r']),
  node('Gemm', ['r', 'w2'], ['logits']),
  node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
], [f32('x', ['batch', 32])], [f32('probabilities', ['batch', 10])], [weight('w1', [32, 64], 3), weight('w2', [64, 10], 4)])));
const npy = (dims: number[]) => Buffer.from(writeNpy({ dtype: 'float32', dims, data: random(dims.reduce((a, b) => a * b, 1), 9) }));
const file = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });
const QUICK = 'backends=wasm-1&batches=1&runs=5-20&budget=300';

async function openLab(query: string, page?: Page): Promise<{ page: Page; errors: string[] }> {
  page ??= await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.url}/demo/${query}`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
  return { page, errors };
}

/** The text of every cell of a model's results table, by column. */
async function tableOf(page: Page, model: string): Promise<Record<string, string>[]> {
  return page.locator(`.model-result[data-model="${model}"] table.results tbody tr`).evaluateAll((rows) =>
    rows.map((tr) => Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col!, td.textContent ?? '']))));
}

const NUMBER = /^\d+(\.\d+)?(e-\d+)?%?$/;
const TIMED = ['cold', 'warm', 'first', 'p50', 'p95', 'per-second', 'max-diff', 'cosine', 'top1'];

test('compares digits as fp32 and int8 on WASM: numbers in every cell, a recommendation, charts, exports', async () => {
  const { page, errors } = await openLab(`?models=digits&variants=fp32,int8-dynamic,int8-weights&${QUICK}&quality=1&autorun=1`);
  await page.waitForSelector('body[data-done]', { timeout: 60_000 });
  expect(await page.evaluate(() => document.body.dataset.done)).toBe('yes');
  const rows = await tableOf(page, 'digits');
  expect(rows.map((r) => `${r.variant} ${r.backend} ${r.threads} ${r.batch}`)).toEqual(['fp32 wasm 1 1', 'int8-dynamic wasm 1 1', 'int8-weights wasm 1 1']);
  for (const row of rows) {
    for (const col of TIMED) expect(row[col], `${row.variant} ${col}`).toMatch(NUMBER);
    expect(row.quality).toMatch(/^9\d\.\d% accuracy$/);
    expect(row.error).toBe('');
  }
  expect(rows.map((r) => r.bytes)).toEqual(['796 KiB', '201 KiB', '201 KiB']);
  const recommendation = await page.locator('.model-result[data-model="digits"] .recommendation').textContent();
  // Which variant wins depends on this machine's timings; the line says what the pick gives or why int8 lost.
  expect(recommendation).toMatch(/^(int8-dynamic|int8-weights) on wasm \(1 thread\): 25% of the bytes, [\d.]+× the fp32 latency, 100% top-1 agreement$|^fp32 on wasm \(1 thread\): int8-.* (slower|missed)/);
  expect(await page.locator('.model-result[data-model="digits"] tr.pick').count()).toBe(1);
  // Charts: uPlot canvases for latency and size, the confusion heat map as a table of 10 × 10 counts summing to the samples.
  expect(await page.locator('[data-chart="latency"] canvas').count()).toBeGreaterThan(0);
  expect(await page.locator('[data-chart="size"] canvas').count()).toBeGreaterThan(0);
  const counts = await page.locator('table.confusion tbody td').allTextContents();
  expect(counts).toHaveLength(100);
  expect(counts.reduce((n, c) => n + Number(c || 0), 0)).toBe(2000);
  expect(await page.locator('#rules-list li').count()).toBeGreaterThan(2);
  expect(await page.locator('#rerun').getAttribute('href')).toMatch(/autorun=1.*models=digits.*backends=wasm-1.*runs=5-20/);
  expect(await page.locator('#downloads').textContent()).toMatch(/^Runtime files: (\d+\.\d MB downloaded|from IndexedDB)/);
  await page.screenshot({ path: `${SHOTS}/lab-digits.png`, fullPage: true });

  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  expect(json.suggestedFilename()).toMatch(/^edge-infer-lab-.*\.json$/);
  const report = JSON.parse(readFileSync((await json.path())!, 'utf8')) as LabReport;
  expect(checkReport(report)).toEqual([]);
  expect(report.models.map((m) => [m.model, m.rows.length])).toEqual([['digits', 3]]);
  expect(report.models[0]!.recommendation.text).toBe(recommendation);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const lines = readFileSync((await csv.path())!, 'utf8').trim().split(/\r\n/);
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^model,variant,backend,/);
  expect(errors).toEqual([]);
  await page.close();
});

test('installable: the web app manifest names the lab and its icons decode at their stated sizes', async () => {
  const { page } = await openLab('');
  const manifest = await page.evaluate(async () => {
    const m = await (await fetch(document.querySelector<HTMLLinkElement>('link[rel=manifest]')!.href)).json();
    const icons = await Promise.all(m.icons.map(async (i: { src: string; sizes: string; purpose: string }) => {
      const bitmap = await createImageBitmap(await (await fetch(i.src)).blob());
      return `${i.sizes} ${bitmap.width}x${bitmap.height} ${i.purpose}`;
    }));
    return { ...m, icons };
  });
  expect(manifest).toMatchObject({ start_url: '/demo/', scope: '/', display: 'standalone', short_name: expect.any(String), theme_color: expect.any(String) });
  expect(manifest.icons).toEqual(['192x192 192x192 any', '512x512 512x512 any', '512x512 512x512 maskable']);
  await page.close();
});

test('Stop ends a run after the cell in progress; what was measured stays, charts and the page keep working', async () => {
  const { page, errors } = await openLab('?models=digits,forecast&variants=fp32,int8-dynamic,int8-weights&backends=wasm-1&batches=1&runs=300-400&budget=1500&quality=1&autorun=1');
  // Stop while digits' three variants are being timed together (one cell: wasm-1 at batch 1).
  await page.waitForFunction(() => /digits: timing/.test(document.getElementById('progress-text')?.textContent ?? ''), undefined, { timeout: 60_000 });
  await page.click('#stop');
  await page.waitForSelector('body[data-done]', { timeout: 60_000 });
  expect(await page.evaluate(() => document.body.dataset.done)).toBe('stopped');
  expect(await page.locator('#progress-text').textContent()).toMatch(/^Stopped: \d+ cells/);
  const rows = await tableOf(page, 'digits');
  expect(rows).toHaveLength(3); // the cell in progress ended early with what it had
  expect(await page.locator('.model-result[data-model="forecast"] .recommendation').textContent()).toMatch(/^not measured: the run was stopped/);
  expect(await page.locator('[data-chart="latency"]').count()).toBe(1);
  expect(await page.locator('#run').isEnabled()).toBe(true);
  expect(await page.locator('#stop').isEnabled()).toBe(false);
  expect(errors).toEqual([]);
  await page.close();
});

test('a dropped model is quantized in the page and compared; one with nothing to quantize gets fp32 only and the message', async () => {
  const { page, errors } = await openLab('?quality=0');
  await page.setInputFiles('#file', [file('mlp.onnx', mlp()), file('mlp.npy', npy([6, 32]))]);
  await page.waitForSelector('#dropped li[data-model="mlp.onnx"][data-state="ready"]', { timeout: 30_000 });
  expect(await page.locator('#dropped li[data-model="mlp.onnx"] .meta').textContent()).toMatch(/^fp32 [\d.]+ KiB · int8-dynamic [\d.]+ KiB · int8-weights [\d.]+ KiB — x float32\[batch, 32\] — samples from mlp\.npy$/);
  await page.setInputFiles('#file', [file('tiny.onnx', readFileSync('models/tiny/model.onnx'))]);
  await page.waitForSelector('#dropped li[data-model="tiny.onnx"][data-state="ready"]', { timeout: 30_000 });
  expect(await page.locator('#dropped li[data-model="tiny.onnx"] .message').textContent()).toMatch(/nothing to quantize.*Only the fp32 file is compared/);

  const report = await page.evaluate(() => window.edgeInferLab!.run({ models: [], backends: ['wasm-1'], batches: [1, 16], minRuns: 5, maxRuns: 20, budgetMs: 300 }));
  expect(checkReport(report)).toEqual([]);
  expect(report.models.map((m) => m.model)).toEqual(['mlp.onnx', 'tiny.onnx']);
  const [mine, tiny] = report.models;
  expect(mine!.rows.map((r) => `${r.variant}/${r.batch}`)).toEqual(['fp32/1', 'fp32/16', 'int8-dynamic/1', 'int8-dynamic/16', 'int8-weights/1', 'int8-weights/16']);
  for (const row of mine!.rows) {
    expect(row.error).toBeUndefined();
    expect(row.p50Ms).toBeGreaterThan(0);
    expect(row.agreement!.cosine).toBeGreaterThan(0.99);
  }
  expect(tiny!.quantizeError).toMatch(/nothing to quantize/);
  expect(tiny!.rows.map((r) => r.variant)).toEqual(['fp32', 'fp32']);
  // The page shows what the API got: both tables, numbers in the mlp's cells, the quantizer's message on tiny's card.
  const rows = await tableOf(page, 'mlp.onnx');
  expect(rows).toHaveLength(6);
  for (const row of rows) for (const col of ['p50', 'p95', 'cosine', 'top1']) expect(row[col]).toMatch(NUMBER);
  expect(await page.locator('.model-result[data-model="tiny.onnx"] .message').textContent()).toMatch(/^The quantizer: .*nothing to quantize/);
  expect(await page.locator('.model-result[data-model="mlp.onnx"] .recommendation').textContent()).toMatch(/ on wasm \(1 thread\)/);
  expect(await page.evaluate(() => document.body.dataset.done)).toBe('yes');
  await page.screenshot({ path: `${SHOTS}/lab-dropped.png`, fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});

test('bad files show their message next to the model; the page keeps working', async () => {
  const { page, errors } = await openLab('?quality=0');
  const strings = Buffer.from(model(graph('strings', [node('Identity', ['s'], ['t'])],
    [{ name: 's', type: { tensorType: { elemType: DataType.STRING, shape: { dim: [{ dimValue: 1 }] } } } }],
    [{ name: 't', type: { tensorType: { elemType: DataType.STRING, shape: { dim: [{ dimValue: 1 }] } } } }])));
  await page.setInputFiles('#file', [file('x.onnx', Buffer.from('these are not the weights you are looking for\n')), file('notes.txt', Buffer.from('hi'))]);
  expect(await page.locator('#file-errors li').allTextContents()).toEqual(['notes.txt: expected an .onnx model or a .npy file of sample inputs']);
  await page.setInputFiles('#file', [file('mlp.onnx', mlp()), file('mlp.npy', npy([4, 5]))]);
  await page.setInputFiles('#file', [file('other.onnx', mlp()), file('other.npy', Buffer.from('not numpy'))]);
  await page.setInputFiles('#file', [file('strings.onnx', strings)]);
  const failed = (id: string) => page.locator(`#dropped li[data-model="${id}"][data-state="failed"] .message`);
  await failed('strings.onnx').waitFor({ timeout: 30_000 });
  for (const id of ['x.onnx', 'mlp.onnx', 'other.onnx']) await failed(id).waitFor({ timeout: 30_000 });
  expect(await failed('x.onnx').textContent()).toMatch(/^not-onnx: x\.onnx: not an ONNX model: /);
  expect(await failed('mlp.onnx').textContent()).toMatch(/^npy-mismatch: mlp\.npy: input "x": expected samples float32\[samples,32\].*got float32\[4,5\]/);
  expect(await failed('other.onnx').textContent()).toMatch(/^npy-invalid: other\.npy: npy: expected the magic string/);
  expect(await failed('strings.onnx').textContent()).toMatch(/^inputs-unsupported: strings\.onnx: input "s" is of dtype string/);
  // The API rejects alike, with the code.
  const code = await page.evaluate(() => window.edgeInferLab!.addModel(new File(['{}'], 'y.onnx')).then(() => 'added', (e: { code: string }) => e.code));
  expect(code).toBe('not-onnx');
  await page.screenshot({ path: `${SHOTS}/lab-bad-files.png`, fullPage: true });

  // A good file after the bad ones: added and compared; the failed ones are not run.
  await page.locator('#dropped li[data-model="mlp.onnx"] button.remove').click();
  await page.setInputFiles('#file', [file('mlp.onnx', mlp())]);
  await page.waitForSelector('#dropped li[data-model="mlp.onnx"][data-state="ready"]', { timeout: 30_000 });
  const report = await page.evaluate(() => window.edgeInferLab!.run({ models: [], variants: ['fp32', 'int8-weights'], backends: ['wasm-1'], batches: [1], minRuns: 3, maxRuns: 5, budgetMs: 200 }));
  expect(report.models.map((m) => [m.model, m.rows.map((r) => r.variant)])).toEqual([['mlp.onnx', ['fp32', 'int8-weights']]]);
  expect(report.models[0]!.rows.every((r) => r.error === undefined && r.p50Ms !== null)).toBe(true);
  expect(errors).toEqual([]);
  await page.close();
});

test('offline after one visit: the lab compares the cached digits model; the monitor page opens', async () => {
  const context = await env.browser.newContext({ viewport: { width: 412, height: 915 } }); // a phone's width
  const page = await context.newPage();
  const query = `?models=digits&variants=fp32,int8-weights&${QUICK}&quality=0&autorun=1`;
  await openLab(query, page);
  await page.waitForSelector('body[data-done="yes"]', { timeout: 60_000 });
  await page.goto(`${env.url}/demo/monitor.html`);
  await page.waitForSelector('body[data-model-monitoring]', { timeout: 30_000 });

  await context.setOffline(true);
  const { errors } = await openLab(query, page);
  await page.waitForSelector('body[data-done]', { timeout: 60_000 });
  const rows = await tableOf(page, 'digits');
  expect(rows.map((r) => [r.variant, r.error])).toEqual([['fp32', ''], ['int8-weights', '']]);
  for (const row of rows) {
    expect(row.cold).toBe('–'); // nothing to download offline: only the warm load from IndexedDB is timed
    for (const col of ['warm', 'first', 'p50', 'p95', 'cosine']) expect(row[col]).toMatch(NUMBER);
  }
  // The stylesheets came from the cache too (the cards are white boxes only with lab.css applied).
  expect(await page.locator('.card').first().evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 255, 255)');
  await page.screenshot({ path: `${SHOTS}/lab-offline-phone.png`, fullPage: true });
  expect(errors).toEqual([]);
  await page.goto(`${env.url}/demo/monitor.html`);
  await page.waitForSelector('body[data-model-monitoring]', { timeout: 30_000 });
  expect(await page.locator('h1').textContent()).toMatch(/telemetry monitor/);
  await context.close();
});
