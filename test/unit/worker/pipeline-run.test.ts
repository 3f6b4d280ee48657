// A pipeline's steps in the worker, with a model replaced by a function: fan-out runs a list as one batch (or item by
// item), cuts the outputs back per item, and joins the answers; the gate forwards exactly its speech frames.
import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../../src/random.js';
import type { AudioPre, ClassesPost, ImagePre } from '../../../src/processors/spec.js';
import type { RunReply } from '../../../src/rpc/protocol.js';
import type { Tensor } from '../../../src/tensor.js';
import { Gate, GatedStream, type GateSpec } from '../../../src/worker/pipeline-gate.js';
import { concatRows, runSteps, splitRows, type Run, type StepSpec } from '../../../src/worker/pipeline-run.js';
import { AudioStream, Streams } from '../../../src/worker/stream.js';

const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const values = (t: Tensor | undefined) => Array.from(t!.data as Float32Array);

describe('concatRows / splitRows', () => {
  test('items stack on the first dimension and come back as they went', () => {
    const items = [{ x: f32([1, 2], [1, 2]) }, { x: f32([2, 2], [3, 4, 5, 6]) }];
    const stacked = concatRows(items);
    expect(stacked.x).toMatchObject({ dims: [3, 2] });
    expect(values(stacked.x)).toEqual([1, 2, 3, 4, 5, 6]);
    const back = splitRows({ y: stacked.x! }, [1, 2]);
    expect(back.map((o) => [o.y!.dims, values(o.y)])).toEqual([[[1, 2], [1, 2]], [[2, 2], [3, 4, 5, 6]]]);
  });

  test('items of other shapes cannot stack; outputs without a row per input row cannot be cut back', () => {
    expect(() => concatRows([{ x: f32([1, 2], [1, 2]) }, { x: f32([1, 3], [1, 2, 3]) }])).toThrow(expect.objectContaining({ code: 'input-shape' }));
    expect(() => splitRows({ y: f32([1, 2], [1, 2]) }, [1, 1])).toThrow(expect.objectContaining({ code: 'inference-failed' }));
  });
});

/** A model that answers per row: score c = sum of the row × (c + 1), so each row's best class is the last. */
function rowModel(calls: number[]): Run {
  return async (_, feeds) => {
    const x = feeds.pixels!;
    const rows = x.dims[0]!;
    const width = x.data.length / rows;
    calls.push(rows);
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      const sum = Array.from(x.data.subarray(r * width, (r + 1) * width) as Float32Array).reduce((a, b) => a + b, 0);
      out.push(sum, 2 * sum, 3 * sum);
    }
    return { outputs: { scores: f32([rows, 3], out) }, inferenceMs: 1 } satisfies RunReply;
  };
}

describe('runSteps', () => {
  // Three blobs of ink 1, 2 and 3 columns wide on a 12 × 2 black image.
  const image = { width: 12, height: 2, data: new Uint8ClampedArray(12 * 2 * 4) };
  for (const x of [1, 4, 5, 8, 9, 10]) for (const y of [0, 1]) image.data.set([255, 255, 255, 255], (y * 12 + x) * 4);
  const pre: ImagePre = { type: 'image', input: 'pixels', width: 2, height: 2, channels: 'gray', layout: 'flat' };
  const post: ClassesPost = { type: 'classes', output: 'scores', labels: ['a', 'b', 'c'], topK: 1 };
  const steps = (batch: boolean): StepSpec[] => [
    { kind: 'split', threshold: 20, invert: false, minGap: 0 },
    { kind: 'pre', pre, each: true },
    { kind: 'model', handle: 1, inputs: { pixels: 'pixels' }, each: true, batch },
    { kind: 'post', post, each: true },
    { kind: 'join', separator: '-' },
  ];

  test('split → pre per piece → the model over all pieces in one run → post per piece → join', async () => {
    const calls: number[] = [];
    const { value, ms } = await runSteps(steps(true), { type: 'image', image }, rowModel(calls));
    expect(calls).toEqual([3]);
    expect(ms).toHaveLength(5);
    expect(ms[2]).toBe(1); // session.run time, as the model reported it
    expect(value).toMatchObject({ type: 'prediction', prediction: { type: 'sequence', text: 'c-c-c' } });
    if (value.type !== 'prediction' || value.prediction.type !== 'sequence') throw new Error('not a sequence');
    expect(value.prediction.items.map((p) => (p.type === 'classes' ? p.score : 0))).toEqual([12, 12, 12]); // 4 pixels of 1, times 3
  });

  test('a model without a batch dimension runs the items one by one, to the same answer', async () => {
    const calls: number[] = [];
    const batched = await runSteps(steps(true), { type: 'image', image }, rowModel([]));
    const alone = await runSteps(steps(false), { type: 'image', image }, rowModel(calls));
    expect(calls).toEqual([1, 1, 1]);
    expect(alone.ms[2]).toBe(3);
    expect(alone.value).toEqual(batched.value);
  });

  test('a blank image: no pieces, no run, an empty sequence', async () => {
    const calls: number[] = [];
    const { value } = await runSteps(steps(true), { type: 'image', image: { width: 4, height: 4, data: new Uint8ClampedArray(64) } }, rowModel(calls));
    expect(calls).toEqual([]);
    expect(value).toEqual({ type: 'prediction', prediction: { type: 'sequence', text: '', items: [] } });
  });

  test('a model step renames what it takes; a model first takes the feeds as they are', async () => {
    const seen: string[][] = [];
    const run: Run = async (handle, feeds) => {
      seen.push(Object.keys(feeds));
      const outputs: Record<string, Tensor> = handle === 1 ? { y: feeds.x! } : { z: feeds.w! };
      return { outputs, inferenceMs: 0 };
    };
    const { value } = await runSteps([{ kind: 'model', handle: 1, inputs: {}, each: false, batch: false }, { kind: 'model', handle: 2, inputs: { w: 'y' }, each: false, batch: false }], { type: 'outputs', outputs: { x: f32([1], [7]) } }, run);
    expect(seen).toEqual([['x'], ['w']]);
    expect(value.type === 'outputs' && values(value.outputs.z)).toEqual([7]);
  });
});

/** A stand-in VAD: a frame's score is its mean absolute sample. */
const vadPre: AudioPre = { type: 'audio', input: 'input', sampleRate: 16000, frame: 4, context: 2 };
const vadPost: ClassesPost = { type: 'classes', output: 'output', threshold: 0.5 };
const loudness: Run = async (_, feeds) => {
  const x = feeds.input!.data as Float32Array;
  const fresh = x.subarray(2); // the frame's new samples, after the context
  return { outputs: { output: f32([1, 1], [fresh.reduce((s, v) => s + Math.abs(v), 0) / fresh.length]) }, inferenceMs: 0 };
};
const spec = (threshold: number): GateSpec => ({
  handle: 1, pre: vadPre, post: vadPost, threshold,
  inputs: [{ name: 'input', dtype: 'float32', dims: [1, 'samples'] }], outputs: [{ name: 'output', dtype: 'float32', dims: ['batch', 1] }],
});

/** 64 frames of 4 samples, each loud (0.9) or quiet (0.1) at random. */
function clip(seed: number): Float32Array {
  const random = mulberry32(seed);
  const pcm = new Float32Array(256);
  for (let f = 0; f < 64; f++) pcm.fill(random() < 0.5 ? 0.9 : 0.1, f * 4, f * 4 + 4);
  return pcm;
}

async function pushInChunks(push: (pcm: Float32Array) => Promise<{ frames: { index: number; samples: Float32Array }[]; dropped: number }>, pcm: Float32Array, seed: number) {
  const random = mulberry32(seed);
  const frames: { index: number; samples: Float32Array }[] = [];
  let dropped = 0;
  for (let at = 0; at < pcm.length; ) {
    const n = 1 + Math.floor(random() * 11);
    const out = await push(pcm.slice(at, at + n));
    frames.push(...out.frames);
    dropped += out.dropped;
    at += n;
  }
  return { frames, dropped };
}

describe('Gate', () => {
  test('forwards exactly the frames at or above the threshold, with their own samples, whatever the chunk sizes', async () => {
    const pcm = clip(1);
    const loud = [...Array(64).keys()].filter((f) => pcm[f * 4]! > 0.5);
    for (const seed of [1, 2, 3]) {
      const gate = new Gate(spec(0.5), 16000, loudness);
      const { frames, dropped } = await pushInChunks((c) => gate.push(c), pcm, seed);
      expect(frames.map((f) => f.index)).toEqual(loud);
      frames.forEach((f) => expect(Array.from(f.samples)).toEqual(Array.from(pcm.subarray(f.index * 4, f.index * 4 + 4))));
      expect(dropped).toBe(64 - loud.length);
    }
  });

  test('at another rate, it forwards the frames model.stream() scores at or above the threshold', async () => {
    const pcm = new Float32Array(1024).map((_, i) => Math.sin(i / 3) * (Math.floor(i / 64) % 2 === 0 ? 0.9 : 0.05));
    const stream = new AudioStream(vadPre, vadPost, spec(0).inputs, spec(0).outputs, (feeds) => loudness(1, feeds), 32000);
    const scores = (await stream.push(pcm)).frames.map((f) => (f.prediction.type === 'classes' ? f.prediction.score : -1));
    const gate = new Gate(spec(0.3), 32000, loudness);
    const { frames } = await pushInChunks((c) => gate.push(c), pcm, 4);
    expect(frames.map((f) => f.index)).toEqual(scores.flatMap((s, i) => (s >= 0.3 ? [i] : [])));
  });

  test('a pipeline stream runs the steps after the gate on the frames it let through; reset starts at frame 0; releasing a model closes it', async () => {
    const run: Run = async (handle, feeds) => (handle === 1 ? loudness(handle, feeds) : { outputs: { n: f32([feeds.samples!.dims[0]!, 1], Array(feeds.samples!.dims[0]).fill(1)) }, inferenceMs: 0 });
    const streams = new Streams<GatedStream>('pipeline stream');
    const open = () => streams.add([1, 2], new GatedStream(spec(0.5), [{ kind: 'model', handle: 2, inputs: { samples: 'samples' }, each: true, batch: true }], 16000, run));
    const id = open();
    const pcm = clip(5);
    const out = await streams.push(id, pcm);
    expect(out.ms).toHaveLength(2);
    expect(out.value).toMatchObject({ type: 'list' });
    expect(out.value?.type === 'list' && out.value.items.length).toBe(out.frames.length);
    await streams.reset(id);
    const again = await streams.push(id, pcm.slice(0, 8));
    expect(again.frames.length + again.dropped).toBe(2);
    expect(again.frames.every((f) => f.index < 2)).toBe(true);
    streams.close(id);
    expect(() => streams.push(id, pcm)).toThrow(expect.objectContaining({ code: 'model-disposed' }));
    const other = open();
    streams.closeAll(2); // the model after the gate was released
    expect(() => streams.push(other, pcm)).toThrow(expect.objectContaining({ code: 'model-disposed' }));
  });
});
