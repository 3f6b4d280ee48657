// Drift-monitoring reference profiles of the bundled models, made with the SDK's own profile tool (src/tools/profile.ts,
// built into dist/tools) from reference rows that are never the held-out test sets:
//   digits    the training digits (splitDigits().train)
//   forecast  the training windows (splitForecast().train)
//   vad       the frames of speech.wav as the model runs them: 64 samples of context + 512, the recurrent state
//             carried from frame to frame, sr = 16000
// Writes models/<id>/profile.json and returns each file's { file, bytes, sha256 } for the manifest entry.
//
//   node models/profiles.mjs     (compiles src/tools, rebuilds the profiles, updates models/manifest.json)
//
// The profiles are seeded (default seed 1), so repeated runs write byte-identical files.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGIT_PIXELS, digitsToFloat32, FORECAST_WINDOW, loadCo2, loadDigits, splitDigits, splitForecast } from './lib/data.mjs';
import { sha256 } from './lib/onnx.mjs';
import { createSession, ort, toJson } from './lib/runtime.mjs';
import { CONTEXT_SAMPLES } from './vad/build.mjs';
import { FRAME_SAMPLES, SAMPLE_RATE, decodeWav } from './vad/audio.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));
const STATE_VALUES = 2 * 128; // the VAD's state [2, 1, 128]

/** Reference rows per model: the tool's ReferenceInput list plus constants. */
const REFERENCES = {
  digits() {
    const { pixels, labels } = loadDigits();
    const { train } = splitDigits(labels);
    const data = digitsToFloat32(pixels, train);
    return { inputs: [{ name: 'pixels', label: 'training digits', tensor: { dtype: 'float32', dims: [train.length, DIGIT_PIXELS], data } }] };
  },
  forecast() {
    const { train } = splitForecast(loadCo2().values);
    return { inputs: [{ name: 'history', label: 'training windows', tensor: { dtype: 'float32', dims: [train.count, FORECAST_WINDOW], data: train.history } }] };
  },
  async vad(root) {
    const { sampleRate, samples } = decodeWav(readFileSync(join(root, 'vad', 'speech.wav')));
    if (sampleRate !== SAMPLE_RATE) throw new Error(`speech.wav is ${sampleRate} Hz`);
    const frames = Math.floor(samples.length / FRAME_SAMPLES);
    const width = CONTEXT_SAMPLES + FRAME_SAMPLES;
    const input = new Float32Array(frames * width);
    const states = new Float32Array(frames * STATE_VALUES);
    // The state each frame is fed is the one the previous frame returned: run the clip once to record them.
    const session = await createSession(readFileSync(join(root, 'vad', 'model.onnx')));
    const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []);
    let state = new Float32Array(STATE_VALUES);
    for (let f = 0; f < frames; f++) {
      const row = input.subarray(f * width, (f + 1) * width);
      if (f > 0) row.set(samples.subarray(f * FRAME_SAMPLES - CONTEXT_SAMPLES, f * FRAME_SAMPLES));
      row.set(samples.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES), CONTEXT_SAMPLES);
      states.set(state, f * STATE_VALUES);
      const out = await session.run({ input: new ort.Tensor('float32', row.slice(), [1, width]), state: new ort.Tensor('float32', state, [2, 1, 128]), sr });
      state = Float32Array.from(out.stateN.data);
    }
    await session.release();
    return {
      inputs: [
        { name: 'input', label: 'speech.wav frames', tensor: { dtype: 'float32', dims: [frames, width], data: input } },
        { name: 'state', label: 'carried states', tensor: { dtype: 'float32', dims: [frames, 2, 1, 128], data: states } },
      ],
      consts: { sr: SAMPLE_RATE },
    };
  },
};

/** Builds models/<id>/profile.json for every id; returns { id: { file, bytes, sha256 } }. */
export async function buildProfiles(root = ROOT, log = console.log) {
  const { profileModel, profileJson } = await import('../dist/tools/profile.js');
  const files = {};
  for (const [id, reference] of Object.entries(REFERENCES)) {
    const request = await reference(root);
    const result = await profileModel(new Uint8Array(readFileSync(join(root, id, 'model.onnx'))), request);
    const file = `${id}/profile.json`;
    const bytes = Buffer.from(profileJson(result.profile));
    writeFileSync(join(root, file), bytes);
    files[id] = { file, bytes: bytes.length, sha256: sha256(bytes) };
    const thresholds = result.profile.windows.map((w) => `${w.size}: ${Math.min(...w.thresholds).toFixed(3)}-${Math.max(...w.thresholds).toFixed(3)}`);
    log(`${id}: profile of ${result.rows} rows (${request.inputs.map((i) => i.label).join(', ')}), ` +
      `${result.profile.features.length} features, PSI thresholds ${thresholds.join(', ')}, ${result.seconds.toFixed(1)} s`);
  }
  return files;
}

// Run alone: compile the tool, rebuild the profiles and record them in the manifest.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cwd = join(ROOT, '..');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.tools.json'], { cwd, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('models/profiles.mjs: `tsc -p tsconfig.tools.json` failed');
  const started = performance.now();
  const files = await buildProfiles();
  const path = join(ROOT, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  for (const entry of manifest.models) {
    if (!files[entry.id]) continue;
    if (sha256(readFileSync(join(ROOT, entry.file))) !== entry.sha256) throw new Error(`${entry.id}: ${entry.file} differs from the manifest; run npm run models`);
    entry.profile = files[entry.id];
  }
  writeFileSync(path, toJson(manifest));
  console.log(`wrote ${Object.keys(files).length} profiles and models/manifest.json in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
