// Builds the example models, their int8 variants, their test data, their drift profiles and models/manifest.json.
//
//   node models/build.mjs [--force]      (npm run models compiles the quantizer in src/tools first)
//
// Training is seeded, so repeated runs produce byte-identical files. --force also
// re-synthesizes models/vad/speech.wav, which is otherwise kept as committed.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDigits } from './digits/train.mjs';
import { buildForecast } from './forecast/train.mjs';
import { buildVariants } from './int8/variants.mjs';
import { sha256, signature } from './lib/onnx.mjs';
import { buildProfiles } from './profiles.mjs';
import { checkSignature, createSession, toJson } from './lib/runtime.mjs';
import { buildTiny } from './tiny/build.mjs';
import { buildVad } from './vad/build.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));
const VERSION = '1.0.0';
const force = process.argv.includes('--force');
const log = (message) => console.log(message);

async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return { ...result, seconds: (performance.now() - start) / 1000 };
}

/** What model.predict() and model.stream() do around a bundled model (src/processors/spec.ts): digits read drawings as MNIST was made. */
const PROCESSORS = {
  digits: {
    pre: { type: 'image', input: 'pixels', width: 28, height: 28, channels: 'gray', layout: 'flat', fit: 'content', contentSize: 20, threshold: 20 },
    post: { type: 'classes', output: 'probabilities', labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], topK: 3 },
  },
  // The forecaster takes raw ppm: its graph subtracts the last month and divides by 10 itself (forecast/model.mjs), so a
  // row needs no standardization (mean 0, std 1) and the output is ppm already.
  forecast: {
    pre: { type: 'tabular', input: 'history' },
    post: { type: 'values', output: 'forecast' },
  },
  // Silero VAD v5: 512 new samples after 64 of context at 16 kHz, its state carried from stateN to state.
  vad: {
    pre: { type: 'audio', input: 'input', sampleRate: 16000, frame: 512, context: 64, state: { input: 'state', output: 'stateN' }, constants: { sr: 16000 } },
    post: { type: 'classes', output: 'output', labels: ['silence', 'speech'], threshold: 0.5 },
  },
};

async function manifestEntry(result) {
  const { id, file, bytes, source, licence, metrics, seconds, check, ...extra } = result;
  const sig = extra.signature ?? signature(bytes);
  delete extra.signature;
  const session = await createSession(bytes);
  checkSignature(id, session, sig);
  await session.release();
  return {
    id,
    version: VERSION,
    file,
    bytes: bytes.length,
    sha256: sha256(bytes),
    inputs: sig.inputs,
    outputs: sig.outputs,
    source,
    licence,
    ...extra,
    metrics,
    ...PROCESSORS[id],
  };
}

function summary(entries, results) {
  const rows = entries.map((e, i) => {
    const m = e.metrics;
    const metric = {
      digits: `accuracy ${m.testAccuracy?.toFixed(4)} (${m.testSamples} held out)`,
      forecast: `MAE ${m.mae?.toFixed(3)} vs seasonal-naive ${m.seasonalNaiveMae?.toFixed(3)} ppm`,
      vad: `frame agreement ${m.frameAgreement?.toFixed(4)} (${m.scoredFrames} frames)`,
    }[e.id];
    const diff = results[i].check ? results[i].check.maxAbsDiff.toExponential(1) : '-';
    const variants = (e.variants ?? []).map((v) => {
      const gate = `${v.gates.quality.passed ? 'pass' : 'FAIL'} ${v.gates.quality.value}, size ${(v.gates.size.value * 100).toFixed(1)}%`;
      const use = v.recommended ? `recommended on ${v.backends.join(', ')}` : 'not recommended';
      return [`  int8 ${v.mode}`, v.file, `${(v.bytes / 1024).toFixed(1)} KiB`, v.sha256.slice(0, 12), `gate ${gate}`, '-', use];
    });
    return [[e.id, e.file, `${(e.bytes / 1024).toFixed(1)} KiB`, e.sha256.slice(0, 12), metric, diff, `${results[i].seconds.toFixed(1)} s`], ...variants];
  }).flat();
  const header = ['model', 'file', 'size', 'sha256', 'held-out metric', 'ort diff', 'time / use'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const started = performance.now();
const results = [
  await timed(() => buildDigits(join(ROOT, 'digits'), log)),
  await timed(() => buildForecast(join(ROOT, 'forecast'), log)),
  await timed(() => buildVad(join(ROOT, 'vad'), { force, log })),
];
const entries = [];
for (const result of results) entries.push(await manifestEntry(result));
for (const [i, entry] of entries.entries()) entry.variants = await buildVariants(entry, results[i].bytes, ROOT, log);
const profiles = await buildProfiles(ROOT, log);
for (const entry of entries) if (profiles[entry.id]) entry.profile = profiles[entry.id];
writeFileSync(join(ROOT, 'manifest.json'), toJson({ models: entries }));
buildTiny(join(ROOT, 'tiny')); // benchmark probe, not a product model: kept out of the manifest

log('');
log(summary(entries, results));
log(`\nwrote models/manifest.json in ${((performance.now() - started) / 1000).toFixed(1)} s`);
