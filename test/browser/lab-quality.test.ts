// The lab's held-out quality of the bundled models on WASM, against the metrics the manifest measured, and the
// sample inputs the lab runs them with.
import { afterAll, describe, expect, test } from 'vitest';
import { createRuntime, type Model } from '../../src/index.js';
import { bundledSamples, evaluateQuality } from '../../demo/lab/quality.js';
import type { QualityDetail } from '../../demo/lab/types.js';
import { digitsTestSet, forecastTestSet, json, speech } from './data.js';

interface Entry { id: string; metrics: Record<string, number>; variants: { mode: string; metrics: Record<string, number> }[] }
const manifest = await json<{ models: Entry[] }>('/models/manifest.json');
const entry = (id: string) => manifest.models.find((m) => m.id === id)!;

const runtime = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'], storage: { dbName: `lab-quality-${Date.now().toString(36)}` } });
afterAll(() => runtime.dispose());
const load = (id: string, precision: 'fp32' | 'int8') => runtime.load(id, { precision });
/** fp32 and int8 by precision (the manifest's recommended int8 form), and int8-dynamic by URL: the lab runs both. */
const FORMS = ['fp32', 'int8', 'int8-dynamic'] as const;
function loadForm(id: string, form: (typeof FORMS)[number]): Promise<Model> {
  return form === 'int8-dynamic' ? runtime.load({ url: `/models/${id}/model.int8-dynamic.onnx`, id: `${id}-int8-dynamic` }) : load(id, form);
}
/** The manifest's metrics for the file `model` is: fp32's, or its variant's (by the version suffix or the id). */
function metricsOf(id: string, model: Model): Record<string, number> {
  const mode = /int8-(\w+)/.exec(`${model.version ?? ''} ${model.id}`)?.[1];
  return mode ? entry(id).variants.find((v) => v.mode === mode)!.metrics : entry(id).metrics;
}

describe('digits', () => {
  test.each(FORMS)('%s: accuracy and confusion over the 2,000 held-out digits match the manifest', async (form) => {
    const model = await loadForm('digits', form);
    const run = (await evaluateQuality('digits', model, undefined))!;
    expect(run.detail).toEqual({ kind: 'accuracy' });
    if (run.quality.kind !== 'accuracy') throw new Error('expected accuracy');
    const { accuracy, samples, confusion } = run.quality;
    const measured = metricsOf('digits', model).testAccuracy!;
    console.log(`digits ${form} (${model.version ?? model.id}): accuracy ${accuracy} (manifest ${measured})`);
    expect(Math.abs(accuracy - measured)).toBeLessThanOrEqual(0.002);
    expect(samples).toBe(2000);
    // [truth][predicted]: row sums are the label counts, the diagonal the correct answers.
    const { labels } = await digitsTestSet();
    expect(confusion.map((r) => r.reduce((a, b) => a + b, 0))).toEqual(Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length));
    expect(confusion.reduce((sum, r, d) => sum + r[d]!, 0)).toBe(Math.round(accuracy * 2000));
    await model.dispose();
  });
});

describe('forecast', () => {
  test.each(FORMS)('%s: 12-month MAE matches the manifest; longer horizons feed the forecast back', async (form) => {
    const model = await loadForm('forecast', form);
    const run = (await evaluateQuality('forecast', model, undefined))!;
    if (run.quality.kind !== 'mae' || run.detail.kind !== 'mae') throw new Error('expected mae');
    const { horizons } = run.quality;
    console.log(`forecast ${form} (${model.version ?? model.id}): ${horizons.map((h) => `${h.months} mo ${h.mae.toFixed(4)} (${h.windows} windows)`).join(', ')}`);
    expect(horizons.map((h) => [h.months, h.windows])).toEqual([[12, 72], [24, 60], [36, 48], [60, 24]]);
    const measured = metricsOf('forecast', model).mae!;
    expect(Math.abs(horizons[0]!.mae - measured) / measured).toBeLessThanOrEqual(1e-3);
    for (const h of horizons.slice(1)) expect(h.mae).toBeGreaterThanOrEqual(horizons[0]!.mae);

    // The series is the test set's months; the chart's forecast is window 0's, months 37..96.
    const { histories, targets } = await forecastTestSet();
    const { actual, forecast } = run.detail;
    expect(actual).toHaveLength(119);
    expect(actual.slice(0, 36)).toEqual(Array.from(histories.subarray(0, 36)));
    expect(actual.slice(36 + 71)).toEqual(Array.from(targets.subarray(71 * 12)));
    expect(actual[36 + 30]).toBe(targets[30 * 12]);
    expect(forecast.start).toBe(36);
    expect(forecast.values).toHaveLength(60);
    // Months 13..24 of window 0: every window run on its last 24 months of history and its first 12 predicted. The
    // whole batch is rerun because int8-dynamic quantizes activations with one scale per batch: row 0 alone differs.
    const run72 = async (data: Float32Array) => (await model.run({ history: { data, dims: [72, 36] } })).outputs.forecast!.data as Float32Array;
    const first = await run72(histories.slice());
    expect(forecast.values.slice(0, 12)).toEqual(Array.from(first.subarray(0, 12)));
    const fed = new Float32Array(72 * 36);
    for (let k = 0; k < 72; k++) fed.set([...histories.subarray(k * 36 + 12, k * 36 + 36), ...first.subarray(k * 12, k * 12 + 12)], k * 36);
    const second = (await run72(fed)).subarray(0, 12);
    expect(forecast.values.slice(12, 24)).toEqual(Array.from(second));
    await model.dispose();
  });
});

describe('vad', () => {
  let reference: QualityDetail | undefined;

  test('fp32 is the reference run: agreement 1, probabilities as reference.json has them', async () => {
    const model = await load('vad', 'fp32');
    const run = (await evaluateQuality('vad', model, undefined))!;
    const ref = await json<{ probabilities: number[]; tolerance: number; frames: number }>('/models/vad/reference.json');
    expect(run.quality).toEqual({ kind: 'frames', agreement: 1, frames: ref.frames });
    if (run.detail.kind !== 'frames') throw new Error('expected frames');
    expect(run.detail.probabilities).toHaveLength(ref.frames);
    run.detail.probabilities.forEach((p, f) => expect(Math.abs(p - ref.probabilities[f]!)).toBeLessThanOrEqual(ref.tolerance));
    const samples = await speech();
    expect(run.detail.peaks[7]).toBe(samples.subarray(7 * 512, 8 * 512).reduce((m, v) => Math.max(m, Math.abs(v)), 0));
    reference = run.detail;

    // Against a reference that decides the opposite on every frame, it agrees on (almost) none.
    const flipped = { ...run.detail, probabilities: run.detail.probabilities.map((p) => (p >= 0.5 ? 0 : 1)) };
    const against = (await evaluateQuality('vad', model, flipped))!;
    expect(against.quality.kind === 'frames' && against.quality.agreement).toBe(0);
    await model.dispose();
  });

  test.each(FORMS.slice(1))('%s agrees with the fp32 reference on at least 99% of frames', async (form) => {
    expect(reference).toBeDefined();
    const model = await loadForm('vad', form);
    const run = (await evaluateQuality('vad', model, reference))!;
    if (run.quality.kind !== 'frames') throw new Error('expected frames');
    console.log(`vad ${form} (${model.version ?? model.id}): frame agreement ${run.quality.agreement} over ${run.quality.frames} frames`);
    expect(run.quality.agreement).toBeGreaterThanOrEqual(0.99);
    await model.dispose();
  });
});

test('an aborted signal stops the evaluation between runs with an AbortError', async () => {
  const model = await load('vad', 'fp32');
  const controller = new AbortController();
  let calls = 0;
  const counting = { run: (...args: Parameters<Model['run']>) => (++calls === 3 && controller.abort(), model.run(...args)) } as unknown as Model;
  const error = await evaluateQuality('vad', counting, undefined, controller.signal).catch((e: unknown) => e);
  expect([error instanceof DOMException, (error as DOMException).name, calls]).toEqual([true, 'AbortError', 3]);
  const before = await evaluateQuality('digits', model, undefined, AbortSignal.abort()).catch((e: unknown) => e);
  expect((before as DOMException).name).toBe('AbortError');
  expect(await evaluateQuality('mlp.onnx', model, undefined)).toBeUndefined();
  await model.dispose();
});

test('bundled samples: shapes, values from the held-out data, fetched once per page', async () => {
  const digits = (await bundledSamples('digits'))!;
  expect([digits.samples.pixels!.dtype, digits.samples.pixels!.dims]).toEqual(['float32', [2000, 784]]);
  expect(digits.samples.pixels!.data.subarray(0, 784)).toEqual((await digitsTestSet()).pixels.subarray(0, 784));
  expect(digits.fixed).toBeUndefined();
  const forecast = (await bundledSamples('forecast'))!;
  expect([forecast.samples.history!.dtype, forecast.samples.history!.dims]).toEqual(['float32', [72, 36]]);
  expect(forecast.samples.history!.data).toEqual((await forecastTestSet()).histories);

  await bundledSamples('vad'); // fetches the clip unless the VAD tests above already did
  const fetched: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => (fetched.push(String(input)), realFetch(input, init));
  try {
    const vad = (await bundledSamples('vad'))!;
    const again = (await bundledSamples('vad'))!;
    expect(fetched).toEqual([]);
    expect(again.samples.input!.data).not.toBe(vad.samples.input!.data); // each call gets its own arrays
    const { input } = vad.samples;
    expect([input!.dtype, input!.dims]).toEqual(['float32', [240, 576]]);
    const samples = await speech();
    expect(input!.data.subarray(0, 64)).toEqual(new Float32Array(64)); // no context before the first frame
    expect(input!.data.subarray(576, 2 * 576)).toEqual(samples.subarray(512 - 64, 1024));
    expect(vad.fixed!.state).toEqual({ dtype: 'float32', dims: [2, 1, 128], data: new Float32Array(256) });
    expect(vad.fixed!.sr).toEqual({ dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) });
  } finally {
    globalThis.fetch = realFetch;
  }
  expect(await bundledSamples('mlp.onnx')).toBeUndefined();
});
