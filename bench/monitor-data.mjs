// The held-out data of the bundled models as row pools for the monitor bench: each pool holds every input and output
// tensor with rows stacked on the first axis (as buildProfile and bindRows take them), the outputs being what the
// model really answered (onnxruntime-web, WASM, in Node). Shifted pools apply demo/shifts.ts before the model runs.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const MODELS = new URL('../models/', import.meta.url);
const manifest = () => JSON.parse(readFileSync(new URL('manifest.json', MODELS), 'utf8'));

/** The manifest entry of a model: signature, sha256, file, and its bundled profile if there is one. */
export function modelInfo(id) {
  const entry = manifest().models.find((m) => m.id === id);
  if (!entry) throw new Error(`models/manifest.json has no model ${id}`);
  let profile = null;
  const file = typeof entry.profile === 'string' ? entry.profile : entry.profile?.file ?? `${id}/profile.json`;
  try {
    profile = JSON.parse(readFileSync(new URL(file, MODELS), 'utf8'));
  } catch {
    profile = null; // not bundled (yet)
  }
  return { entry, profile, profileFile: `models/${file}` };
}

const session = (entry) => ort.InferenceSession.create(readFileSync(new URL(entry.file, MODELS)), { executionProviders: ['wasm'] });

/** 2,000 held-out digits: pixels as the model takes them (byte / 255) and labels. */
export function digitsHeldOut() {
  const raw = readFileSync(new URL('digits/test-set.bin', MODELS));
  const n = raw.length / 785;
  return { n, pixels: Float32Array.from(raw.subarray(0, n * 784), (b) => b / 255), labels: Uint8Array.from(raw.subarray(n * 784)) };
}

/** 72 held-out CO2 windows: 36 months of history (ppm) and the 12 that followed. */
export function forecastHeldOut() {
  const raw = readFileSync(new URL('forecast/test-set.bin', MODELS));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const n = all.length / 48;
  return { n, histories: all.slice(0, n * 36), targets: all.slice(n * 36) };
}

/** speech.wav as float samples in [-1, 1) (16-bit PCM, mono), as test/browser/data.ts reads it. */
export function speechSamples() {
  const raw = readFileSync(new URL('vad/speech.wav', MODELS));
  let offset = 12;
  while (offset < raw.length) {
    const id = raw.toString('latin1', offset, offset + 4);
    const size = raw.readUInt32LE(offset + 4);
    if (id === 'data') {
      const pcm = new Int16Array(raw.buffer.slice(raw.byteOffset + offset + 8, raw.byteOffset + offset + 8 + size));
      return Float32Array.from(pcm, (s) => s / 32768);
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('speech.wav has no data chunk');
}

const tensor = (dtype, dims, data) => ({ dtype, dims, data });

/** Runs a model with one float32 input over all rows (batches of 500); returns { name: tensor } of stacked outputs. */
async function runRows(entry, inputName, data, width) {
  const s = await session(entry);
  const rows = data.length / width;
  const chunks = {};
  for (let start = 0; start < rows; start += 500) {
    const count = Math.min(500, rows - start);
    const out = await s.run({ [inputName]: new ort.Tensor('float32', data.slice(start * width, (start + count) * width), [count, width]) });
    for (const [name, t] of Object.entries(out)) (chunks[name] ??= []).push(t.data);
  }
  await s.release();
  const outputs = {};
  for (const o of entry.outputs) {
    const parts = chunks[o.name];
    const total = parts.reduce((n, p) => n + p.length, 0);
    const data = new Float32Array(total);
    let at = 0;
    for (const p of parts) { data.set(p, at); at += p.length; }
    outputs[o.name] = tensor('float32', [rows, total / rows], data);
  }
  return outputs;
}

const argmax = (data, off, len) => {
  let best = 0;
  for (let i = 1; i < len; i++) if (data[off + i] > data[off + best]) best = i;
  return best;
};

/** A digits pool from model-input pixels [n, 784]: the model's outputs, labels and per-row correctness. */
export async function digitsPool(entry, pixels, labels) {
  const n = labels.length;
  const outputs = await runRows(entry, 'pixels', pixels, 784);
  const p = outputs.probabilities.data;
  const correct = Uint8Array.from({ length: n }, (_, r) => (argmax(p, r * 10, 10) === labels[r] ? 1 : 0));
  return { n, inputs: { pixels: tensor('float32', [n, 784], pixels) }, outputs, labels, correct };
}

/** A forecast pool from histories [n, 36] (ppm). */
export async function forecastPool(entry, histories) {
  const n = histories.length / 36;
  return { n, inputs: { history: tensor('float32', [n, 36], histories) }, outputs: await runRows(entry, 'history', histories, 36) };
}

/**
 * A VAD pool: the clip framed as the SDK's VAD tests do (512-sample frames, 64 samples of context, state carried,
 * sr 16000), one row per frame holding that frame's input, state in, sr, output and state out.
 */
export async function vadPool(entry, samples) {
  const s = await session(entry);
  const frame = 512, context = 64, width = frame + context;
  const n = Math.floor(samples.length / frame);
  const input = new Float32Array(n * width), state = new Float32Array(n * 256), stateN = new Float32Array(n * 256), output = new Float32Array(n);
  let carried = new Float32Array(256);
  for (let f = 0; f < n; f++) {
    const start = f * frame;
    const row = new Float32Array(width);
    row.set(samples.subarray(Math.max(0, start - context), start), context - Math.min(context, start));
    row.set(samples.subarray(start, start + frame), context);
    input.set(row, f * width);
    state.set(carried, f * 256);
    const out = await s.run({
      input: new ort.Tensor('float32', row, [1, width]),
      state: new ort.Tensor('float32', carried, [2, 1, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []),
    });
    output[f] = out.output.data[0];
    carried = Float32Array.from(out.stateN.data);
    stateN.set(carried, f * 256);
  }
  await s.release();
  return {
    n,
    inputs: { input: tensor('float32', [n, width], input), state: tensor('float32', [n, 2, 1, 128], state), sr: tensor('int64', [n], new BigInt64Array(n).fill(16000n)) },
    outputs: { output: tensor('float32', [n, 1], output), stateN: tensor('float32', [n, 2, 1, 128], stateN) },
  };
}

/** The rows `indices` of a pool (every tensor, labels and correctness too). */
export function subset(pool, indices) {
  const pick = (t) => {
    const width = t.data.length / pool.n;
    const data = new t.data.constructor(indices.length * width);
    indices.forEach((r, i) => data.set(t.data.subarray(r * width, (r + 1) * width), i * width));
    return tensor(t.dtype, [indices.length, ...t.dims.slice(1)], data);
  };
  const map = (ts) => Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, pick(t)]));
  return {
    n: indices.length, inputs: map(pool.inputs), outputs: map(pool.outputs),
    ...(pool.labels ? { labels: Uint8Array.from(indices, (r) => pool.labels[r]) } : {}),
    ...(pool.correct ? { correct: Uint8Array.from(indices, (r) => pool.correct[r]) } : {}),
  };
}

/** Applies a value shift to every row of `data` (rows of `width`), seeded; returns a new array. */
export function shiftRows(shift, strength, data, width, random) {
  const out = Float32Array.from(data);
  for (let off = 0; off < out.length; off += width) shift.apply(out.subarray(off, off + width), strength, random);
  return out;
}
