// Held-out quality of a model variant, measured with onnxruntime-web (WASM, one thread) under the fp32 entry's
// metric names. Rows run one at a time: dynamic int8 scales activations per call, and batch 1 is how apps call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DIGIT_CLASSES,
  DIGIT_PIXELS,
  decodeDigitsTestSet,
  decodeForecastTestSet,
  digitsToFloat32,
  FORECAST_HORIZON,
  FORECAST_WINDOW,
  loadCo2,
  loadDigits,
  meanAbsError,
  splitDigits,
  splitForecast,
} from '../lib/data.mjs';
import { ort } from '../lib/runtime.mjs';
import { decodeWav } from '../vad/audio.mjs';
import { agreement, CONTEXT_SAMPLES, frameLabels, runFrames } from '../vad/build.mjs';

async function rowByRow(session, inputName, outputName, data, width, outWidth) {
  const rows = data.length / width;
  const out = new Float32Array(rows * outWidth);
  for (let r = 0; r < rows; r++) {
    const feeds = { [inputName]: new ort.Tensor('float32', data.subarray(r * width, (r + 1) * width), [1, width]) };
    out.set((await session.run(feeds))[outputName].data, r * outWidth);
  }
  return out;
}

function accuracy(probabilities, labels) {
  let correct = 0;
  labels.forEach((label, r) => {
    let best = 0;
    for (let c = 1; c < DIGIT_CLASSES; c++) if (probabilities[r * DIGIT_CLASSES + c] > probabilities[r * DIGIT_CLASSES + best]) best = c;
    if (best === label) correct++;
  });
  return correct / labels.length;
}

async function digits(session, root, fp32, heldOutOnly) {
  const test = decodeDigitsTestSet(readFileSync(join(root, 'digits/test-set.bin')));
  const run = (data) => rowByRow(session, 'pixels', 'probabilities', data, DIGIT_PIXELS, DIGIT_CLASSES);
  const testAccuracy = accuracy(await run(test.pixels), test.labels);
  const metrics = { ...fp32.metrics, testAccuracy };
  if (!heldOutOnly) {
    const all = loadDigits();
    const { train } = splitDigits(all.labels);
    metrics.trainAccuracy = accuracy(await run(digitsToFloat32(all.pixels, train)), train.map((i) => all.labels[i]));
  }
  const drop = (fp32.metrics.testAccuracy - testAccuracy) * 100;
  return {
    metrics,
    gate: { rule: 'held-out top-1 accuracy at most 0.5 points below fp32', value: round(drop), limit: 0.5, unit: 'points', passed: drop <= 0.5 },
  };
}

async function forecast(session, root, fp32, heldOutOnly) {
  const test = decodeForecastTestSet(readFileSync(join(root, 'forecast/test-set.bin')));
  const run = (history) => rowByRow(session, 'history', 'forecast', history, FORECAST_WINDOW, FORECAST_HORIZON);
  const mae = meanAbsError(await run(test.history), test.target);
  const metrics = { ...fp32.metrics, mae };
  if (!heldOutOnly) {
    const { train } = splitForecast(loadCo2().values);
    metrics.trainMae = meanAbsError(await run(train.history), train.target);
  }
  const ratio = mae / fp32.metrics.mae;
  return {
    metrics,
    gate: { rule: 'held-out MAE at most 2% above fp32', value: round(ratio), limit: 1.02, unit: 'ratio to fp32', passed: ratio <= 1.02 },
  };
}

async function vad(session, root, fp32) {
  const { samples } = decodeWav(readFileSync(join(root, 'vad/speech.wav')));
  const reference = JSON.parse(readFileSync(join(root, 'vad/reference.json'), 'utf8'));
  const segments = JSON.parse(readFileSync(join(root, 'vad/speech.json'), 'utf8')).segments;
  const main = await runFrames(session, samples, CONTEXT_SAMPLES);
  const plain = await runFrames(session, samples, 0);
  const labels = frameLabels(segments, main.probabilities.length);
  const threshold = reference.threshold;
  const same = main.probabilities.filter((p, f) => (p >= threshold) === (reference.probabilities[f] >= threshold)).length;
  const decisionAgreement = same / main.probabilities.length;
  return {
    metrics: {
      ...fp32.metrics,
      frameAgreement: agreement(main.probabilities, labels).agreement,
      frameAgreementWithoutContext: agreement(plain.probabilities, labels).agreement,
      decisionAgreementWithFp32: decisionAgreement,
    },
    gate: {
      rule: `speech/silence decision (threshold ${threshold}) agrees with fp32 on at least 99% of the clip's frames`,
      value: round(decisionAgreement), limit: 0.99, unit: 'fraction of frames', passed: decisionAgreement >= 0.99,
    },
  };
}

const round = (x) => Number(x.toFixed(6));

const EVALUATORS = { digits, forecast, vad };

/**
 * `{ metrics, gate }` of `bytes` for model `fp32.id`, judged against its fp32 manifest entry. `heldOutOnly` skips
 * the training-set figures (trainAccuracy, trainMae), which take most of the time.
 */
export async function measureQuality(bytes, fp32, root, { heldOutOnly = false } = {}) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    return await EVALUATORS[fp32.id](session, root, fp32, heldOutOnly);
  } finally {
    await session.release();
  }
}
