// model.predict(): an image or a row of numbers becomes the input tensor in the worker (the manifest's pre-processor)
// and the output an answer (its post-processor). Checked against run() on the same tensor, and against held-out
// digits' true labels.
import { expect, test } from 'vitest';
import { createRuntime, type ImagePre, type Model } from '../../src/index.js';
import { imageTensor } from '../../src/worker/processors/image.js';

const runtime = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'], storage: { dbName: `test-predict-${Date.now()}` } });
let digits: Model | undefined;
const load = async () => (digits ??= await runtime.load('digits'));

/** Held-out digit i (28×28, white on black) drawn 5× larger, as ImageData. */
async function heldOut(): Promise<{ image: (i: number) => ImageData; label: (i: number) => number; n: number }> {
  const raw = new Uint8Array(await (await fetch('/models/digits/test-set.bin')).arrayBuffer());
  const n = raw.length / 785;
  const image = (i: number) => {
    const img = new ImageData(140, 140);
    for (let y = 0; y < 140; y++) {
      for (let x = 0; x < 140; x++) {
        const v = raw[i * 784 + Math.floor(y / 5) * 28 + Math.floor(x / 5)]!;
        img.data.set([v, v, v, 255], (y * 140 + x) * 4);
      }
    }
    return img;
  };
  return { image, label: (i) => raw[n * 784 + i]!, n };
}

test('predict(ImageData) on digits answers what run() gives on the same pre-processed tensor', async () => {
  const model = await load();
  expect(model.processors?.pre).toMatchObject({ type: 'image', input: 'pixels' });
  const { image } = await heldOut();
  for (const i of [0, 1, 2, 3, 4]) {
    const img = image(i);
    const answer = await model.predict(img);
    const tensor = imageTensor(img, model.processors!.pre as ImagePre);
    const probabilities = Array.from((await model.run({ pixels: tensor.data }, { cache: false })).outputs.probabilities!.data as Float32Array);
    const best = probabilities.indexOf(Math.max(...probabilities));
    expect(answer).toMatchObject({ type: 'classes', label: String(best), index: best, score: probabilities[best] });
    expect(answer.inferenceMs).toBeGreaterThan(0);
    if (answer.type !== 'classes') throw new Error('not classes');
    expect(answer.topK.map((c) => c.index)).toEqual([...probabilities.keys()].sort((a, b) => probabilities[b]! - probabilities[a]! || a - b).slice(0, 3));
  }
}, 60_000);

test('held-out digits drawn large are read right: predict() accuracy close to the model on raw pixels', async () => {
  const model = await load();
  const { image, label } = await heldOut();
  let right = 0;
  const N = 300;
  for (let i = 0; i < N; i++) {
    const answer = await model.predict(image(i));
    if (answer.type === 'classes' && answer.index === label(i)) right++;
  }
  console.log(`predict() read ${right} of ${N} held-out digits drawn 5x larger right`);
  expect(right / N).toBeGreaterThanOrEqual(0.9); // the model: 96.9% on the raw 28×28 rows
}, 120_000);

test('a PNG Blob, an ImageBitmap and a canvas give the answer the same ImageData gives', async () => {
  const model = await load();
  const img = (await heldOut()).image(7);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 140;
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
  const answer = async (input: Parameters<Model['predict']>[0]) => {
    const { inferenceMs: _, ...rest } = await model.predict(input);
    return rest;
  };
  const expected = await answer(img);
  expect(await answer(blob)).toEqual(expected);
  expect(await answer(await createImageBitmap(img))).toEqual(expected);
  expect(await answer(canvas)).toEqual(expected);
}, 60_000);

test('bad input and models without processors fail with a code', async () => {
  const model = await load();
  const all = await model.predict(new ImageData(28, 28), { topK: 10 });
  expect(all.type === 'classes' && all.topK.map((c) => c.index).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(all.inferenceMs).toBeGreaterThan(0);
  await expect(model.predict(new ImageData(28, 28), { topK: 0 })).rejects.toMatchObject({ code: 'options-invalid' });
  await expect(model.predict('a cat' as never)).rejects.toMatchObject({ code: 'input-invalid' });
  await expect(model.predict(new Blob(['not an image'], { type: 'image/png' }))).rejects.toMatchObject({ code: 'input-invalid' });
  const plain = await runtime.load({ url: '/models/forecast/model.onnx', id: 'forecast' });
  await expect(plain.predict(new ImageData(2, 2))).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('no pre-processor') });
  // Processors that do not fit the model fail the load, naming what does not fit.
  const pre = { ...model.processors!.pre!, width: 32, height: 32 };
  await expect(runtime.load({ url: '/models/digits/model.onnx', id: 'digits' }, { processors: { pre } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('[1, 1024]') });
  await expect(runtime.load({ url: '/models/digits/model.onnx', id: 'digits' }, { processors: { post: { type: 'classes', output: 'nope' } } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('post.output "nope"') });
  await expect(runtime.load('digits', { processors: { pre: { ...pre, layout: 'diagonal' } } } as never)).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('processors.pre.layout') });
}, 60_000);

test('split: a written number is cut into its digits, read in one batch, and joined', async () => {
  const model = await load();
  const { image, label } = await heldOut();
  // Three held-out digits side by side on one 500×140 canvas, 40 px apart.
  const wide = new ImageData(500, 140);
  const picks = [0, 1, 2];
  picks.forEach((i, k) => {
    const digit = image(i);
    for (let y = 0; y < 140; y++) wide.data.set(digit.data.subarray(y * 140 * 4, (y + 1) * 140 * 4), (y * 500 + k * 180) * 4);
  });
  const answer = await model.predict(wide, { split: 'columns' });
  if (answer.type !== 'sequence') throw new Error(`expected a sequence, got ${answer.type}`);
  expect(answer.items).toHaveLength(3);
  // Each piece reads as that digit alone does.
  const alone = await Promise.all(picks.map((i) => model.predict(image(i))));
  expect(answer.text).toBe(alone.map((a) => (a.type === 'classes' ? a.label : '?')).join(''));
  expect(answer.text).toBe(picks.map((i) => String(label(i))).join(''));
  expect(await model.predict(new ImageData(50, 50), { split: 'columns' })).toMatchObject({ type: 'sequence', text: '', items: [] });
  await expect(model.predict(wide, { split: 'rows' as never })).rejects.toMatchObject({ code: 'options-invalid' });
}, 60_000);

/** The held-out CO2 windows: 72 rows of 36 months (ppm). */
async function windows(): Promise<Float32Array[]> {
  const raw = await (await fetch('/models/forecast/test-set.bin')).arrayBuffer();
  const all = new Float32Array(raw); // little-endian, as every browser is
  const n = all.length / 48;
  return Array.from({ length: n }, (_, k) => all.slice(k * 36, (k + 1) * 36));
}

test('predict(row) on forecast (tabular pre, values post) equals run() on the row; an array of rows answers each', async () => {
  const model = await runtime.load('forecast');
  expect(model.processors).toEqual({ pre: { type: 'tabular', input: 'history' }, post: { type: 'values', output: 'forecast' } });
  const rows = (await windows()).slice(0, 8);
  const ran = (await model.run({ history: { data: Float32Array.from(rows.flatMap((r) => Array.from(r))), dims: [rows.length, 36] } }, { cache: false })).outputs.forecast!.data as Float32Array;
  const expected = rows.map((_, k) => Array.from(ran.subarray(k * 12, (k + 1) * 12)));
  const one = await model.predict(Array.from(rows[0]!));
  expect(one).toMatchObject({ type: 'values', values: expected[0] });
  expect(one.inferenceMs).toBeGreaterThan(0);
  const single = (await model.run({ history: rows[3]! }, { cache: false })).outputs.forecast!.data as Float32Array;
  expect(await model.predict(rows[3]!)).toMatchObject({ type: 'values', values: Array.from(single) });
  const many = await model.predict(rows);
  expect(many).toMatchObject({ type: 'rows', items: expected.map((values) => ({ type: 'values', values })) });
}, 60_000);

test('standardization and de-normalization from the spec: predict(raw row) equals run() on the hand-standardized row', async () => {
  const rows = (await windows()).slice(10, 14);
  const features = Array.from({ length: 36 }, (_, i) => `m${i - 36}`);
  // Stats of these rows, as a build script computes them from its training rows.
  const mean = features.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const std = features.map((_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / rows.length) || 1);
  const scale = Array.from({ length: 12 }, (_, i) => 1 + i / 10);
  const model = await runtime.load({ url: '/models/forecast/model.onnx', id: 'forecast-std' }, {
    processors: { pre: { type: 'tabular', input: 'history', features, mean, std }, post: { type: 'values', output: 'forecast', scale, offset: -400 } },
  });
  for (const row of rows) {
    const byName = Object.fromEntries(features.map((f, j) => [f, row[j]!]));
    const answer = await model.predict(byName);
    const standardized = Float32Array.from(row, (v, j) => (v - mean[j]!) / std[j]!);
    const out = (await model.run({ history: standardized }, { cache: false })).outputs.forecast!.data as Float32Array;
    expect(answer).toMatchObject({ type: 'values', values: Array.from(out, (v, i) => v * scale[i]! - 400) });
  }
}, 60_000);

test('tabular: rows of the wrong kind fail with input-invalid naming the field; specs that do not fit fail the load', async () => {
  const model = await runtime.load('forecast');
  const refused = async (input: unknown, field: string) => {
    const error = await model.predict(input as never).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'input-invalid', details: { model: 'forecast', field } });
  };
  await refused(new Float32Array(35), 'row');
  await refused([...Array.from({ length: 35 }, () => 400), Number.NaN], 'row[35]');
  await refused([new Float32Array(36), new Float32Array(12)], 'rows[1]');
  await refused(new ImageData(6, 6), 'row');
  await refused({ a: 1 }, 'row');
  await expect(model.predict(new Float32Array(36), { split: 'columns' })).rejects.toMatchObject({ code: 'options-invalid' });
  expect((await model.predict(new Float32Array(36).fill(410))).type).toBe('values'); // the worker is fine
  const load = (processors: unknown) => runtime.load({ url: '/models/forecast/model.onnx', id: 'forecast' }, { processors } as never);
  await expect(load({ pre: { type: 'tabular', input: 'history', mean: new Array(35).fill(0) } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('rows of 35 values') });
  await expect(load({ pre: { type: 'tabular', input: 'nope' } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('pre.input "nope"') });
  await expect(load({ post: { type: 'values', output: 'forecast', scale: [1, 2] } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('post.scale has 2 values') });
  await expect(load({ pre: { type: 'tabular', input: 'history', mean: [0], std: [1, 2] } })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('processors.pre.std') });
}, 60_000);
