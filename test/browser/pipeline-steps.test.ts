// runtime.pipeline() with processors as steps, fan-out over a list and a VAD gate, on the bundled models: the
// multi-digit reader equals predict(image, { split: 'columns' }) and run() per piece; the gate forwards exactly the
// frames a plain stream() pass scores at or above the threshold.
import { expect, test } from 'vitest';
import { createRuntime, type ImagePre, type Model } from '../../src/index.js';
import type { PipelineChunk, PipelineStep } from '../../src/serving/compose.js';
import { imageTensor, splitColumns } from '../../src/worker/processors/image.js';
import { mulberry32 } from '../../src/random.js';
import { speech } from './data.js';

// WASM: onnxruntime-web's WebGPU EP computes the VAD wrongly on SwiftShader (see DESIGN.md).
const runtime = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'], storage: { dbName: `test-pipeline-steps-${Date.now()}` } });
let digits: Promise<Model> | undefined;
let vad: Promise<Model> | undefined;
const loadDigits = () => (digits ??= runtime.load('digits'));
const loadVad = () => (vad ??= runtime.load('vad'));

/** Held-out digits `picks`, each drawn 5× larger (140 × 140), side by side 180 px apart on one canvas. */
async function written(picks: number[]): Promise<{ image: ImageData; labels: string }> {
  const raw = new Uint8Array(await (await fetch('/models/digits/test-set.bin')).arrayBuffer());
  const n = raw.length / 785;
  const image = new ImageData(180 * picks.length, 140);
  picks.forEach((d, k) => {
    for (let y = 0; y < 140; y++) {
      for (let x = 0; x < 140; x++) {
        const v = raw[d * 784 + Math.floor(y / 5) * 28 + Math.floor(x / 5)]!;
        image.data.set([v, v, v, 255], (y * image.width + k * 180 + x) * 4);
      }
    }
  });
  return { image, labels: picks.map((d) => String(raw[n * 784 + d])).join('') };
}

const reader = (model: Model): PipelineStep<Model>[] => [
  { split: 'columns' },
  { pre: model, each: true },
  { model, each: true },
  { post: model, each: true },
  { join: 'labels' },
];

test('the multi-digit reader as a pipeline answers as predict(image, { split }) and as run() on each piece', async () => {
  const model = await loadDigits();
  const { image, labels } = await written([0, 1, 2, 3]);
  const pipeline = runtime.pipeline(reader(model));
  expect(pipeline.kinds).toEqual(['split', 'pre', 'model', 'post', 'join']);
  const got = await pipeline.run(image);
  expect(got.ms).toHaveLength(5);
  got.ms.forEach((ms) => expect(ms).toBeGreaterThanOrEqual(0));
  if (got.type !== 'prediction' || got.prediction.type !== 'sequence') throw new Error(`expected a sequence, got ${got.type}`);
  expect(got.prediction.text).toBe(labels);
  const { inferenceMs: _, ...predicted } = await model.predict(image, { split: 'columns' });
  expect(got.prediction).toEqual(predicted);

  // Step by step: the same pieces, pre-processed alone, run one by one.
  const pre = model.processors!.pre as ImagePre;
  const pieces = splitColumns(image, pre.threshold ?? 20, pre.invert === true, 2);
  expect(pieces).toHaveLength(4);
  const upToModel = await runtime.pipeline(reader(model).slice(0, 3)).run(image);
  if (upToModel.type !== 'list') throw new Error(`expected a list, got ${upToModel.type}`);
  expect(upToModel.items).toHaveLength(4);
  for (const [k, piece] of pieces.entries()) {
    const one = await model.run({ pixels: imageTensor(piece, pre).data }, { cache: false });
    const item = upToModel.items[k]!;
    if (item.type !== 'outputs') throw new Error(`expected outputs, got ${item.type}`);
    expect(item.outputs.probabilities!.dims).toEqual([1, 10]);
    const batched = Array.from(item.outputs.probabilities!.data as Float32Array);
    Array.from(one.outputs.probabilities!.data as Float32Array).forEach((p, c) => expect(batched[c]).toBeCloseTo(p, 6));
    const answer = got.prediction.items[k]!;
    if (answer.type !== 'classes') throw new Error('not classes');
    expect(answer.index).toBe(batched.indexOf(Math.max(...batched)));
  }

  // The split's pieces, as ImageData.
  const crops = await runtime.pipeline([{ split: 'columns' }]).run(image);
  if (crops.type !== 'list') throw new Error('expected a list');
  expect(crops.items.map((c) => (c.type === 'image' ? [c.image.width, c.image.height] : []))).toEqual(pieces.map((p) => [p.width, p.height]));
  expect(crops.items[0]!.type === 'image' && crops.items[0]!.image instanceof ImageData).toBe(true);

  // A blank page: no pieces, no run, an empty sequence (as predict() answers).
  const blank = await pipeline.run(new ImageData(300, 100));
  expect(blank).toMatchObject({ type: 'prediction', prediction: { type: 'sequence', text: '', items: [] } });
}, 120_000);

test('pipeline.run() takes a Blob, an ImageBitmap and a canvas as predict() does', async () => {
  const model = await loadDigits();
  const { image, labels } = await written([7, 4]);
  const pipeline = runtime.pipeline(reader(model));
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [image.width, image.height];
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
  const text = async (input: Parameters<typeof pipeline.run>[0]) => {
    const r = await pipeline.run(input);
    return r.type === 'prediction' && r.prediction.type === 'sequence' ? r.prediction.text : r.type;
  };
  for (const input of [image, blob, await createImageBitmap(image), canvas, new OffscreenCanvas(1, 1)]) {
    if (input instanceof OffscreenCanvas) input.getContext('2d'); // a blank one: no digits
    expect(await text(input)).toBe(input instanceof OffscreenCanvas ? '' : labels);
  }
  await expect(pipeline.run({ pixels: new Float32Array(784) })).rejects.toMatchObject({ code: 'input-invalid' });
  await expect(pipeline.run(new Blob(['not an image'], { type: 'image/png' }))).rejects.toMatchObject({ code: 'input-invalid' });
}, 60_000);

test('a pipeline whose steps do not fit is refused when made, naming the step and the field', async () => {
  const [model, voice, forecast, scores] = await Promise.all([loadDigits(), loadVad(), runtime.load('forecast'), runtime.load({ url: new URL('./fixtures/scores.onnx', import.meta.url).href, id: 'scores' })]);
  const refused = (steps: unknown[], step: number, field: string, message: RegExp) => {
    let error: unknown;
    try {
      runtime.pipeline(steps as PipelineStep<Model>[]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'options-invalid', details: { step, field } });
    expect((error as Error).message).toMatch(message);
  };
  refused([{ split: 'columns' }, { pre: model }], 2, 'each', /^step 2 \(pre of "digits"\): step 1 \(split\) gives a list of images: mark this step \{ each: true \}/);
  refused([{ pre: model, each: true }], 1, 'each', /each: true runs the step once per item of a list, but it is the first step/);
  refused([{ split: 'columns' }, { pre: model, each: true }, { model: forecast, each: true }], 3, 'inputs.history', /step 3 \(model "forecast"\): input "history" takes "history", which step 2 \(pre of "digits"\) does not output \(it outputs pixels\)/);
  refused([{ split: 'columns' }, { pre: model, each: true }, { model, each: true }, { post: { type: 'classes', output: 'nope' }, each: true }], 4, 'post.output', /reads output "nope", which step 3 \(model "digits"\) does not give \(it gives probabilities, logits\)/);
  refused([{ split: 'columns' }, { pre: model, each: true }, { model, each: true }, { post: model, each: true }, { join: 'labels' }, { join: 'labels' }], 6, 'join', /joins a list of predictions, but step 5 \(join\) gives a prediction/);
  refused([{ split: 'columns' }, { post: model, each: true }], 2, 'post', /takes a list of tensor sets, but step 1 \(split\) gives a list of images/);
  refused([{ split: 'columns' }, { split: 'columns' }], 2, 'split', /splits one image, but step 1 \(split\) gives a list of images/);
  refused([{ split: 'columns', mingap: 3 }], 1, 'mingap', /unknown field "mingap" \(a split step takes split, minGap, threshold, invert\)/);
  refused([{ split: 'rows' }], 1, 'split', /split must be 'columns'/);
  refused([{ pre: voice }], 1, 'pre', /model "vad" has no image pre-processor/);
  refused([{ gate: model }], 1, 'gate', /model "digits" has no audio pre-processor/);
  refused([{ gate: voice, threshold: 2 }], 1, 'threshold', /threshold must be a number from 0 to 1/);
  refused([{ pre: model }, { gate: voice }], 2, 'gate', /must be step 1/);
  refused([{ gate: voice }, { model }], 2, 'each', /step 1 \(gate "vad"\) gives a list of speech frames/);
  refused([{ gate: voice }, { model, each: true }], 2, 'inputs.pixels', /input "pixels" takes "pixels", which step 1 \(gate "vad"\) does not output \(it outputs samples\)/);
  refused([{ model, pre: model }], 1, 'kind', /an object with model and pre/);
  refused([{ pre: model }, { model }, { post: forecast }], 3, 'post.output', /reads output "forecast", which step 2 \(model "digits"\) does not give/);
  refused([{ pre: model }, { model }, { post: scores }], 3, 'post', /model "scores" has no post-processor/);
  refused([{ pre: forecast }], 1, 'pre', /model "forecast" has no image pre-processor/);
  // Which call fits which pipeline.
  await expect(runtime.pipeline([{ gate: voice }]).run(new Float32Array(512) as never)).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('pipeline.stream(') });
  await expect(runtime.pipeline([model]).stream({ sampleRate: 16000 })).rejects.toMatchObject({ code: 'options-invalid' });
}, 60_000);

/** Pushes `pcm` in chunks of random sizes (1–3000 samples); everything the pushes answered, in order. */
async function pushAll(push: (chunk: Float32Array) => Promise<PipelineChunk>, pcm: Float32Array, seed: number): Promise<PipelineChunk[]> {
  const random = mulberry32(seed);
  const out: PipelineChunk[] = [];
  for (let at = 0; at < pcm.length; ) {
    const n = 1 + Math.floor(random() * 3000);
    out.push(await push(pcm.slice(at, at + n)));
    at += n;
  }
  return out;
}

/** Each frame's speech probability from a plain model.stream() pass. */
async function scores(model: Model, pcm: Float32Array, sampleRate: number): Promise<number[]> {
  const stream = await model.stream({ sampleRate });
  const all: number[] = [];
  for (let at = 0; at < pcm.length; at += 4096) {
    for (const f of (await stream.push(pcm.slice(at, at + 4096))).frames) all.push(f.prediction.type === 'classes' ? f.prediction.score : Number.NaN);
  }
  await stream.close();
  return all;
}

test.each([[16000, 0.5], [16000, 0.8], [48000, 0.5]])('a gate at %i Hz, threshold %f, forwards exactly the frames a plain stream() scores at or above it', async (rate, threshold) => {
  const model = await loadVad();
  const clip = await speech();
  const pcm = rate === 16000 ? clip : (await import('../../src/worker/processors/resample.js')).resample(clip, 16000, rate);
  const expected = await scores(model, pcm, rate);
  const speaking = expected.flatMap((p, i) => (p >= threshold ? [i] : []));
  expect(speaking.length).toBeGreaterThan(20);
  expect(speaking.length).toBeLessThan(expected.length - 20); // both kinds of frame are there to tell apart
  const stream = await runtime.pipeline([{ gate: model, threshold }]).stream({ sampleRate: rate });
  const chunks = await pushAll((c) => stream.push(c), pcm, rate + threshold);
  await stream.close();
  const frames = chunks.flatMap((c) => c.frames);
  expect(frames.map((f) => f.index)).toEqual(speaking);
  expect(frames.map((f) => f.score)).toEqual(speaking.map((i) => expected[i]));
  expect(chunks.reduce((n, c) => n + c.dropped, 0)).toBe(expected.length - speaking.length);
  expect(chunks.every((c) => c.ms.length === 1 && c.value === undefined)).toBe(true);
  // At the VAD's own rate, a frame's samples are the clip's: its 512 new samples.
  if (rate === 16000) frames.forEach((f) => expect(f.samples).toEqual(clip.subarray(f.index * 512, (f.index + 1) * 512)));
  else frames.forEach((f) => expect(f.samples).toHaveLength(512));
  // The VAD's speech events come along, as a plain stream gives them.
  expect(chunks.flatMap((c) => c.events).filter((e) => e.type === 'start').length).toBeGreaterThanOrEqual(1);
  await expect(stream.push(new Float32Array(10))).rejects.toMatchObject({ code: 'model-disposed' });
}, 120_000);

test('a gate feeds the frames it lets through to the model after it; reset starts at frame 0', async () => {
  const model = await loadVad();
  const energy = await runtime.load({ url: new URL('./fixtures/frame-energy.onnx', import.meta.url).href, id: 'frame-energy' });
  const pcm = await speech();
  const stream = await runtime.pipeline([{ gate: model }, { model: energy, each: true }]).stream({ sampleRate: 16000 });
  const chunks = await pushAll((c) => stream.push(c), pcm, 7);
  let forwarded = 0;
  for (const chunk of chunks) {
    expect(chunk.ms).toHaveLength(2);
    if (chunk.value?.type !== 'list') throw new Error('expected a list after the gate');
    expect(chunk.value.items).toHaveLength(chunk.frames.length);
    chunk.frames.forEach((f, k) => {
      const item = chunk.value!.type === 'list' ? chunk.value!.items[k]! : undefined;
      if (item?.type !== 'outputs') throw new Error('expected outputs');
      expect(item.outputs.energy!.dims).toEqual([1, 1]);
      expect((item.outputs.energy!.data as Float32Array)[0]).toBeCloseTo(f.samples.reduce((s, v) => s + v * v, 0), 3);
    });
    forwarded += chunk.frames.length;
  }
  expect(forwarded).toBeGreaterThan(20);
  // reset() starts over: frame 0 again.
  await stream.reset();
  const again = await pushAll((c) => stream.push(c), pcm.slice(0, 16000), 8);
  expect(again.flatMap((c) => c.frames).every((f) => f.index < 31)).toBe(true);
  expect(again.reduce((n, c) => n + c.frames.length + c.dropped, 0)).toBe(Math.floor(16000 / 512));
  await stream.close();
}, 120_000);
