// The voice-activity page: the bundled clip streamed through model.stream() at 48 kHz finds the clip's spoken
// segments; the microphone path (AudioWorklet → page → worker) runs on Chromium's fake capture device.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { expect, test } from 'vitest';
import { chromiumArgs, chromiumPath } from '../chromium.js';
import { useDemoServerAndBrowser } from './serve.js';

const env = useDemoServerAndBrowser();
const { segments } = JSON.parse(readFileSync('models/vad/speech.json', 'utf8')) as { segments: { start: number; end: number }[] };

test('the clip sent at 48 kHz: the worker resamples it and the page shows the spoken segments', async () => {
  const page = await env.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.url}/demo/vad.html`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
  await page.selectOption('#rate', '48000');
  await page.click('#clip');
  await page.waitForSelector('body[data-stream="done"]', { timeout: 60_000 });
  expect(Number(await page.evaluate(() => document.body.dataset.frames))).toBe(240);
  const found = JSON.parse((await page.evaluate(() => document.body.dataset.segments))!) as { start: number; end?: number }[];
  expect(found).toHaveLength(segments.length);
  found.forEach((s, i) => expect(Math.abs(s.start - segments[i]!.start)).toBeLessThan(0.2));
  expect(await page.locator('#status').textContent()).toBe('clip done');
  expect(errors).toEqual([]);
  await page.close();
}, 120_000);

test('the microphone: audio from the capture device reaches the VAD frame by frame', async () => {
  const browser = await chromium.launch({
    executablePath: chromiumPath(), headless: true,
    args: [...chromiumArgs({ webgpu: false }), '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const context = await browser.newContext({ permissions: ['microphone'] });
    const page = await context.newPage();
    await page.goto(`${env.url}/demo/vad.html`);
    await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
    await page.click('#mic');
    await page.waitForFunction(() => Number(document.body.dataset.frames) >= 30, null, { timeout: 30_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^listening at \d+ Hz$/);
    await page.click('#stop');
    await page.waitForSelector('body[data-stream="done"]', { timeout: 30_000 });
    expect(await page.locator('#status').textContent()).toBe('microphone stopped');
  } finally {
    await browser.close();
  }
}, 120_000);
