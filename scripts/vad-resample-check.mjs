// Does resampling change what the VAD decides? Takes the bundled 16 kHz clip (models/vad/speech.wav), resamples it
// up to 44.1 / 48 kHz and back with src/worker/processors/resample.ts, runs Silero VAD v5 (onnxruntime-web, WASM,
// 1 thread) frame by frame with carried state on the original and on each round trip, and prints the share of
// frames whose decision (probability ≥ 0.5) agrees. Issue 15 asks for ≥ 98%; the exit code is 1 below that.
//
// A second table feeds the model-rate conversion a signal with content above 8 kHz (as a 44.1 / 48 kHz microphone
// gives): the clip at the high rate plus a 12.5 kHz whine. The band-limited resampler removes the whine; linear
// interpolation folds it to 3.5 / 4.5 kHz, inside the speech band.
//
//   node scripts/vad-resample-check.mjs        (no build step: Vite's module runner loads the TypeScript)
import { readFileSync } from 'node:fs';
import { runnerImport } from 'vite';
import * as ort from 'onnxruntime-web';
import { decodeWav } from '../models/vad/audio.mjs';

const ROOT = new URL('..', import.meta.url);
const RATE = 16000;
const THRESHOLD = 0.5;
const REQUIRED = 0.98;
const WHINE_HZ = 12500;
const WHINE_AMPLITUDE = 0.1;

const load = async (path) => (await runnerImport(new URL(path, ROOT).pathname, { configFile: false, logLevel: 'error' })).module;
const { resample, Resampler } = await load('src/worker/processors/resample.ts');
const { Framer } = await load('src/worker/processors/frames.ts');
const { SpeechDetector } = await load('src/worker/processors/speech.ts');

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const session = await ort.InferenceSession.create(readFileSync(new URL('models/vad/model.onnx', ROOT)), { executionProviders: ['wasm'] });
const reference = JSON.parse(readFileSync(new URL('models/vad/reference.json', ROOT), 'utf8'));
const { sampleRate, samples } = decodeWav(readFileSync(new URL('models/vad/speech.wav', ROOT)));
if (sampleRate !== RATE) throw new Error(`speech.wav is ${sampleRate} Hz, expected ${RATE}`);

/** Speech probability per 512-sample frame: Framer's 576-sample inputs, state carried from call to call. */
async function vad(pcm) {
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(RATE)), []);
  let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const probabilities = [];
  for (const frame of new Framer({ frame: 512, context: 64 }).push(pcm)) {
    const out = await session.run({ input: new ort.Tensor('float32', frame, [1, frame.length]), state, sr });
    probabilities.push(out.output.data[0]);
    state = out.stateN;
  }
  return probabilities;
}

/** Streams `pcm` through a Resampler in `chunk`-sample pieces (an AudioWorklet delivers 128). */
function streamed(pcm, from, to, chunk) {
  const r = new Resampler(from, to);
  const parts = [];
  for (let at = 0; at < pcm.length; at += chunk) parts.push(r.push(pcm.subarray(at, at + chunk)));
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Linear interpolation at the same output instants (k · from / to): what a naive resampler does. */
function linear(pcm, from, to) {
  const out = new Float32Array(Math.ceil((pcm.length * to) / from));
  for (let k = 0; k < out.length; k++) {
    const x = (k * from) / to;
    const i = Math.floor(x);
    const a = pcm[i] ?? 0;
    out[k] = a + (x - i) * ((pcm[i + 1] ?? 0) - a);
  }
  return out;
}

function compare(base, other) {
  const n = Math.min(base.length, other.length);
  let agree = 0;
  let maxDiff = 0;
  for (let f = 0; f < n; f++) {
    if ((base[f] >= THRESHOLD) === (other[f] >= THRESHOLD)) agree++;
    maxDiff = Math.max(maxDiff, Math.abs(base[f] - other[f]));
  }
  return { frames: n, agree, agreement: agree / n, maxDiff };
}

function snrDb(clean, test) {
  let s = 0;
  let e = 0;
  for (let i = 0; i < clean.length; i++) {
    s += clean[i] ** 2;
    e += (clean[i] - (test[i] ?? 0)) ** 2;
  }
  return 10 * Math.log10(s / e);
}

function segments(probabilities) {
  const detector = new SpeechDetector();
  const events = [...probabilities.map((p) => detector.push(p)), detector.flush()].filter(Boolean);
  const s = (frame) => ((frame * 512) / RATE).toFixed(2);
  const out = [];
  for (let i = 0; i < events.length; i += 2) out.push(`${s(events[i].frame)}–${s(events[i + 1]?.frame ?? probabilities.length)} s`);
  return out.join(', ');
}

const base = await vad(samples);
const refDiff = base.reduce((m, p, f) => Math.max(m, Math.abs(p - reference.probabilities[f])), 0);
console.log(`clip: ${samples.length} samples at ${RATE} Hz, ${base.length} frames; max |p − reference.json| = ` +
  `${refDiff.toExponential(2)} (tolerance ${reference.tolerance})`);
console.log(`original speech segments: ${segments(base)}   (speech.json: ` +
  `${JSON.parse(readFileSync(new URL('models/vad/speech.json', ROOT), 'utf8')).segments.map((g) => `${g.start.toFixed(2)}–${g.end.toFixed(2)} s`).join(', ')})\n`);

const rows = [];
let worst = 1;
for (const mid of [44100, 48000]) {
  let t = performance.now();
  const up = resample(samples, RATE, mid);
  const back = resample(up, mid, RATE).subarray(0, samples.length);
  const ms = performance.now() - t;
  const live = streamed(up, mid, RATE, 128).subarray(0, samples.length);
  const same = live.every((v, i) => v === back[i]);
  t = performance.now();
  const probabilities = await vad(back);
  const vadMs = performance.now() - t;
  const c = compare(base, probabilities);
  worst = Math.min(worst, c.agreement);
  rows.push({
    'round trip': `16k → ${mid / 1000}k → 16k`,
    'agreement': `${(100 * c.agreement).toFixed(2)}% (${c.agree}/${c.frames})`,
    'max |Δp|': c.maxDiff.toFixed(4),
    'SNR vs original (dB)': snrDb(samples, back).toFixed(1),
    'resample ms (up + down)': ms.toFixed(0),
    'VAD ms': vadMs.toFixed(0),
    '128-sample stream = one-shot': same,
    'segments': segments(probabilities),
  });
}
console.table(rows);

// High-rate input with a whine above the model's Nyquist: band-limited vs linear conversion to 16 kHz.
const whineRows = [];
for (const mid of [44100, 48000]) {
  const clean = resample(samples, RATE, mid);
  // Faded in and out over 50 ms: an abrupt start would be a broadband click that no low-pass removes.
  const fade = (n) => Math.min(1, n / (0.05 * mid), (clean.length - n) / (0.05 * mid));
  const noisy = clean.map((v, n) => v + fade(n) * WHINE_AMPLITUDE * Math.sin((2 * Math.PI * WHINE_HZ * n) / mid));
  for (const [name, fn] of [['band-limited', resample], ['linear', linear]]) {
    const c = compare(base, await vad(fn(noisy, mid, RATE).subarray(0, samples.length)));
    whineRows.push({ input: `${mid / 1000}k + ${WHINE_HZ / 1000} kHz whine`, resampler: name,
      agreement: `${(100 * c.agreement).toFixed(2)}%`, 'max |Δp|': c.maxDiff.toFixed(4) });
  }
}
console.table(whineRows);
await session.release();

console.log(`\nworst round-trip agreement ${(100 * worst).toFixed(2)}% (required ≥ ${100 * REQUIRED}%): ${worst >= REQUIRED ? 'PASS' : 'FAIL'}`);
process.exitCode = worst >= REQUIRED ? 0 : 1;
