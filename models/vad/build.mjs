// Packages Silero VAD v5 from @ricky0123/vad-web, the speech.wav test clip and a
// frame-by-frame reference run of the model over that clip.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { signature } from '../lib/onnx.mjs';
import { checkSignature, createSession, ort, toJson } from '../lib/runtime.mjs';
import { FRAME_SAMPLES, SAMPLE_RATE, decodeWav, encodeWav, generateClip } from './audio.mjs';

const require = createRequire(import.meta.url);
const PACKAGE = '@ricky0123/vad-web';
const MODEL_FILE = 'silero_vad_v5.onnx';
// Silero v5 expects the last 64 samples of the previous frame in front of each new frame
// (silero-vad's OnnxWrapper and vad-web's Silero class both do this).
export const CONTEXT_SAMPLES = 64;
const THRESHOLD = 0.5;
const BOUNDARY_MARGIN = 0.2;
const MIN_AGREEMENT = 0.9;
// The graph leaves these axes unnamed; give them names for the manifest.
const UNNAMED_AXES = {
  input: { 0: 'batch', 1: 'samples' },
  state: { 1: 'batch' },
  output: { 0: 'batch' },
  stateN: { 0: 'layers', 1: 'batch', 2: 'units' },
};

/** Speech probability per 512-sample frame, carrying the recurrent state (and optionally context). */
export async function runFrames(session, samples, contextSamples) {
  const frames = Math.floor(samples.length / FRAME_SAMPLES);
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []);
  let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const shapes = {};
  const probabilities = [];
  for (let f = 0; f < frames; f++) {
    const frame = samples.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES);
    const input = new Float32Array(contextSamples + FRAME_SAMPLES);
    if (contextSamples > 0 && f > 0) input.set(samples.subarray(f * FRAME_SAMPLES - contextSamples, f * FRAME_SAMPLES));
    input.set(frame, contextSamples);
    const feeds = { input: new ort.Tensor('float32', input, [1, input.length]), state, sr };
    const out = await session.run(feeds);
    if (f === 0) {
      for (const [k, t] of Object.entries({ ...feeds, ...out })) shapes[k] = t.dims.slice();
    }
    probabilities.push(out.output.data[0]);
    state = out.stateN;
  }
  return { probabilities, shapes };
}

/** Ground-truth label per frame (frame centre inside a segment) and whether it is scored. */
export function frameLabels(segments, frames) {
  const boundaries = segments.flatMap((s) => [s.start, s.end]);
  return Array.from({ length: frames }, (_, f) => {
    const centre = (f * FRAME_SAMPLES + FRAME_SAMPLES / 2) / SAMPLE_RATE;
    const speech = segments.some((s) => centre >= s.start && centre < s.end);
    const scored = boundaries.every((b) => Math.abs(centre - b) > BOUNDARY_MARGIN);
    return { speech, scored };
  });
}

export function agreement(probabilities, labels) {
  let scored = 0;
  let agree = 0;
  labels.forEach(({ speech, scored: s }, f) => {
    if (!s) return;
    scored++;
    if ((probabilities[f] >= THRESHOLD) === speech) agree++;
  });
  return { agreement: agree / scored, scoredFrames: scored };
}

function ensureClip(dir, force, log) {
  const wavPath = join(dir, 'speech.wav');
  const jsonPath = join(dir, 'speech.json');
  if (!force && existsSync(wavPath) && existsSync(jsonPath)) {
    log('vad: reusing speech.wav / speech.json (pass --force to synthesize them again)');
  } else {
    const { pcm, info } = generateClip();
    writeFileSync(wavPath, encodeWav(pcm));
    writeFileSync(jsonPath, toJson(info));
    log(`vad: synthesized speech.wav (${info.durationSeconds.toFixed(2)} s)`);
  }
  return { wav: readFileSync(wavPath), info: JSON.parse(readFileSync(jsonPath, 'utf8')) };
}

/** Builds everything under `dir` (models/vad); returns the manifest fields. */
export async function buildVad(dir, { force = false, log = console.log } = {}) {
  const pkgDir = join(dirname(require.resolve(PACKAGE)), '..');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bytes = readFileSync(join(pkgDir, 'dist', MODEL_FILE));
  writeFileSync(join(dir, 'model.onnx'), bytes);
  if (!existsSync(join(dir, 'LICENSE'))) throw new Error('models/vad/LICENSE is missing');

  const sig = signature(bytes, UNNAMED_AXES);
  const session = await createSession(bytes);
  checkSignature('vad', session, sig);

  const { wav, info } = ensureClip(dir, force, log);
  const { sampleRate, samples } = decodeWav(wav);
  if (sampleRate !== SAMPLE_RATE) throw new Error(`speech.wav is ${sampleRate} Hz`);
  const main = await runFrames(session, samples, CONTEXT_SAMPLES);
  const plain = await runFrames(session, samples, 0);
  await session.release();
  const labels = frameLabels(info.segments, main.probabilities.length);
  const scoreMain = agreement(main.probabilities, labels);
  const scorePlain = agreement(plain.probabilities, labels);
  log(`vad: ${labels.length} frames, agreement ${scoreMain.agreement.toFixed(4)} with ${CONTEXT_SAMPLES}-sample ` +
    `context, ${scorePlain.agreement.toFixed(4)} without (${scoreMain.scoredFrames} scored frames)`);
  if (scoreMain.agreement < MIN_AGREEMENT) throw new Error(`vad: frame agreement ${scoreMain.agreement} < ${MIN_AGREEMENT}`);

  const reference = {
    model: 'vad/model.onnx',
    audio: 'vad/speech.wav',
    description: `Speech probability per ${FRAME_SAMPLES}-sample frame of speech.wav (samples = int16 / 32768), ` +
      `run frame by frame with the state carried over, sr = int64 scalar ${SAMPLE_RATE}. "probabilities" ` +
      `feeds input [1, ${CONTEXT_SAMPLES + FRAME_SAMPLES}] = last ${CONTEXT_SAMPLES} samples of the previous ` +
      `frame (zeros for the first) + the frame; "probabilitiesWithoutContext" feeds the bare frame [1, ${FRAME_SAMPLES}].`,
    tolerance: 1e-4,
    sampleRate: SAMPLE_RATE,
    frameSamples: FRAME_SAMPLES,
    contextSamples: CONTEXT_SAMPLES,
    frames: labels.length,
    threshold: THRESHOLD,
    boundaryMarginSeconds: BOUNDARY_MARGIN,
    agreement: scoreMain.agreement,
    agreementWithoutContext: scorePlain.agreement,
    labels: labels.map((l) => (l.speech ? 1 : 0)),
    scored: labels.map((l) => (l.scored ? 1 : 0)),
    probabilities: main.probabilities,
    probabilitiesWithoutContext: plain.probabilities,
  };
  writeFileSync(join(dir, 'reference.json'), toJson(reference));

  return {
    id: 'vad',
    file: 'vad/model.onnx',
    bytes,
    source: `${PACKAGE}@${pkg.version} dist/${MODEL_FILE} (Silero VAD v5, https://github.com/snakers4/silero-vad)`,
    licence: 'ISC AND MIT',
    licenceFile: 'vad/LICENSE',
    sourcePackage: { name: PACKAGE, version: pkg.version, licence: pkg.license, file: `dist/${MODEL_FILE}` },
    signature: sig,
    usage: {
      sampleRate: SAMPLE_RATE,
      frameSamples: FRAME_SAMPLES,
      contextSamples: CONTEXT_SAMPLES,
      shapesPerFrame: main.shapes,
      note: 'Each call takes the last contextSamples of the previous frame followed by the next frameSamples ' +
        'samples, plus the state returned by the previous call (zeros at the start). The graph leaves the ' +
        'batch / samples axes and every stateN axis unnamed; the symbolic names above are descriptive.',
    },
    metrics: {
      frameAgreement: scoreMain.agreement,
      frameAgreementWithoutContext: scorePlain.agreement,
      scoredFrames: scoreMain.scoredFrames,
      totalFrames: labels.length,
      threshold: THRESHOLD,
      boundaryMarginSeconds: BOUNDARY_MARGIN,
    },
    data: { audio: 'vad/speech.wav', segments: 'vad/speech.json', reference: 'vad/reference.json' },
  };
}
