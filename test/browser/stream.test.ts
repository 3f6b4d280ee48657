// model.stream() on the bundled VAD: PCM chunks in, per-frame answers and speech events out, the recurrent state kept
// in the worker. Checked against frame-by-frame run() with the state carried by hand, and across sample rates.
import { expect, test } from 'vitest';
import { createRuntime, type Model, type StreamChunk } from '../../src/index.js';
import { resample } from '../../src/worker/processors/resample.js';
import { mulberry32 } from '../../src/random.js';
import { json } from './data.js';
import { speech } from './data.js';

// WASM: onnxruntime-web's WebGPU EP computes this model wrongly on SwiftShader (see DESIGN.md).
const runtime = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'], storage: { dbName: `test-stream-${Date.now()}` } });
let vad: Model | undefined;
const load = async () => (vad ??= await runtime.load('vad'));

/** Pushes `pcm` in chunks of random sizes (1–3000 samples); every frame and event, in order. */
async function streamAll(model: Model, pcm: Float32Array, sampleRate: number, seed = 1): Promise<StreamChunk> {
  const stream = await model.stream({ sampleRate });
  const random = mulberry32(seed);
  const all: StreamChunk = { frames: [], events: [] };
  for (let at = 0; at < pcm.length; ) {
    const n = 1 + Math.floor(random() * 3000);
    const { frames, events } = await stream.push(pcm.slice(at, at + n));
    all.frames.push(...frames);
    all.events.push(...events);
    at += n;
  }
  await stream.close();
  return all;
}

const scores = (c: StreamChunk) => c.frames.map((f) => (f.prediction.type === 'classes' ? f.prediction.score : Number.NaN));

test('streaming equals frame-by-frame run() with the state carried by hand', async () => {
  const model = await load();
  const pcm = await speech();
  const streamed = await streamAll(model, pcm, 16000);
  expect(streamed.frames.map((f) => f.index)).toEqual([...Array(Math.floor(pcm.length / 512)).keys()]);
  let state: Float32Array = new Float32Array(2 * 128);
  const expected: number[] = [];
  for (let i = 0; (i + 1) * 512 <= pcm.length; i++) {
    const input = new Float32Array(576);
    input.set(pcm.subarray(Math.max(0, i * 512 - 64), i * 512), 64 - Math.min(64, i * 512));
    input.set(pcm.subarray(i * 512, (i + 1) * 512), 64);
    const { outputs } = await model.run({
      input: { data: input, dims: [1, 576] }, state: { data: state, dims: [2, 1, 128] }, sr: { data: BigInt64Array.of(16000n), dims: [] },
    }, { cache: false });
    state = outputs.stateN!.data as Float32Array;
    expected.push((outputs.output!.data as Float32Array)[0]!);
  }
  expect(scores(streamed)).toEqual(expected);
  expect(streamed.frames[0]!.prediction).toMatchObject({ type: 'classes', label: expect.stringMatching(/^(silence|speech)$/) });
}, 120_000);

test('speech start and end events fall on the clip\'s spoken segments', async () => {
  const model = await load();
  const { segments } = await json<{ segments: { start: number; end: number }[] }>('/models/vad/speech.json');
  const { events } = await streamAll(model, await speech(), 16000, 2);
  const starts = events.filter((e) => e.type === 'start').map((e) => e.timeMs / 1000);
  const ends = events.filter((e) => e.type === 'end').map((e) => e.timeMs / 1000);
  expect(starts).toHaveLength(segments.length);
  starts.forEach((s, i) => expect(Math.abs(s - segments[i]!.start)).toBeLessThan(0.2));
  // The last segment runs to the clip's end: its `end` may not come before the audio stops.
  ends.forEach((e, i) => expect(Math.abs(e - segments[i]!.end)).toBeLessThan(0.2));
}, 120_000);

test.each([44100, 48000])('audio at %i Hz is resampled to 16 kHz in the worker: at least 98 in 100 frames decide as the 16 kHz clip does', async (rate) => {
  const model = await load();
  const pcm = await speech();
  const base = scores(await streamAll(model, pcm, 16000, 3)).map((p) => p >= 0.5);
  const high = scores(await streamAll(model, resample(pcm, 16000, rate), rate, 4)).map((p) => p >= 0.5);
  const n = Math.min(base.length, high.length);
  expect(n).toBeGreaterThanOrEqual(base.length - 1);
  const same = base.slice(0, n).filter((d, i) => d === high[i]).length;
  console.log(`${rate} Hz: ${same} of ${n} frames decide as at 16 kHz`);
  expect(same / n).toBeGreaterThanOrEqual(0.98);
}, 120_000);

test('reset starts over; a closed stream and bad options fail with a code', async () => {
  const model = await load();
  const pcm = (await speech()).slice(16000, 16000 + 512 * 4);
  const stream = await model.stream({ sampleRate: 16000 });
  const first = await stream.push(pcm);
  await stream.reset();
  expect(await stream.push(pcm)).toEqual(first);
  await stream.close();
  await expect(stream.push(pcm)).rejects.toMatchObject({ code: 'model-disposed' });
  await expect(model.stream({ sampleRate: 1000 })).rejects.toMatchObject({ code: 'options-invalid' });
  const s2 = await model.stream({ sampleRate: 16000 });
  await expect(s2.push([1, 2, 3] as never)).rejects.toMatchObject({ code: 'input-invalid' });
  const digits = await runtime.load('digits');
  await expect(digits.stream({ sampleRate: 16000 })).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('no audio pre-processor') });
  await expect(model.predict(new ImageData(2, 2))).rejects.toMatchObject({ code: 'options-invalid', message: expect.stringContaining('stream()') });
  await model.dispose();
  vad = undefined;
  await expect(s2.push(pcm)).rejects.toMatchObject({ code: 'model-disposed' });
}, 60_000);
