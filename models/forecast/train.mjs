// Trains the CO2 forecaster, exports models/forecast/model.onnx and its test data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FORECAST_HORIZON as H,
  FORECAST_WINDOW as W,
  encodeForecastTestSet,
  loadCo2,
  meanAbsError,
  seasonalNaive,
  splitForecast,
} from '../lib/data.mjs';
import { encodeModel, initializer, node, valueInfo } from '../lib/onnx.mjs';
import { assertClose, createSession, float32ToBase64, ort, toJson } from '../lib/runtime.mjs';
import { SCALE, forecast, normalize, ridge, trainForecaster } from './model.mjs';

export const FORECAST_CONFIG = {
  hidden: 128,
  lambda: 0.1,
  epochs: 300,
  batch: 16,
  lr: 0.0005,
  decay: 0.01,
  seed: 3,
};
const REFERENCE_WINDOWS = 16;

function exportOnnx(p) {
  const U = p.b1.length;
  const i64 = (v) => BigInt64Array.from([BigInt(v)]);
  return encodeModel({
    name: 'forecast',
    doc: `Monthly CO2 forecaster: ${W} past months (ppm) in, the next ${H} months (ppm) out. ` +
      `Windows are shifted by their last value and divided by ${SCALE}; a linear skip path ` +
      `plus a ${W}-${U}-${H} ReLU MLP predicts the normalized future, which is mapped back to ppm.`,
    nodes: [
      node('Slice', ['history', 'last.starts', 'last.ends', 'last.axes'], ['last']),
      node('Sub', ['history', 'last'], ['centered']),
      node('Div', ['centered', 'scale'], ['features']),
      node('MatMul', ['features', 'skip.weight'], ['skip.matmul']),
      node('Add', ['skip.matmul', 'skip.bias'], ['skip.out']),
      node('MatMul', ['features', 'dense1.weight'], ['dense1.matmul']),
      node('Add', ['dense1.matmul', 'dense1.bias'], ['dense1.out']),
      node('Relu', ['dense1.out'], ['hidden']),
      node('MatMul', ['hidden', 'dense2.weight'], ['dense2.matmul']),
      node('Add', ['dense2.matmul', 'dense2.bias'], ['dense2.out']),
      node('Add', ['skip.out', 'dense2.out'], ['normalized']),
      node('Mul', ['normalized', 'scale'], ['delta']),
      node('Add', ['delta', 'last'], ['forecast']),
    ],
    initializers: [
      initializer('last.starts', [1], i64(W - 1)),
      initializer('last.ends', [1], i64(W)),
      initializer('last.axes', [1], i64(1)),
      initializer('scale', [], Float32Array.of(SCALE)),
      initializer('skip.weight', [W, H], p.ws),
      initializer('skip.bias', [H], p.bs),
      initializer('dense1.weight', [W, U], p.w1),
      initializer('dense1.bias', [U], p.b1),
      initializer('dense2.weight', [U, H], p.w2),
      initializer('dense2.bias', [H], p.b2),
    ],
    inputs: [valueInfo('history', 'float32', ['batch', W])],
    outputs: [valueInfo('forecast', 'float32', ['batch', H])],
  });
}

/** Builds everything under `dir` (models/forecast); returns the manifest fields. */
export async function buildForecast(dir, log = console.log) {
  const { values, dates } = loadCo2();
  const { train, test, firstTestTarget } = splitForecast(values);
  log(`forecast: ${values.length} months (${dates[0]} .. ${dates.at(-1)}), ` +
    `${train.count} train / ${test.count} held-out windows, held-out targets from ${dates[firstTestTarget]}`);

  const normTrain = normalize(train, W, H);
  const params = trainForecaster(normTrain, W, H, FORECAST_CONFIG);
  const js = forecast(params, test.history, test.count, W, H);
  const mae = meanAbsError(js, test.target);
  const seasonalNaiveMae = meanAbsError(seasonalNaive(test.history, test.count), test.target);
  const lin = ridge(normTrain, W, H, FORECAST_CONFIG.lambda);
  const linearOnly = { ws: lin.w, bs: lin.b, w1: new Float64Array(0), b1: new Float64Array(0), w2: new Float64Array(0), b2: new Float64Array(H) };
  const ridgeMae = meanAbsError(forecast(linearOnly, test.history, test.count, W, H), test.target);
  const trainMae = meanAbsError(forecast(params, train.history, train.count, W, H), train.target);
  log(`forecast: held-out MAE ${mae.toFixed(4)} ppm (ridge only ${ridgeMae.toFixed(4)}, ` +
    `seasonal-naive ${seasonalNaiveMae.toFixed(4)}), train MAE ${trainMae.toFixed(4)}`);
  if (!(mae < seasonalNaiveMae)) throw new Error(`forecast: MAE ${mae} does not beat seasonal-naive ${seasonalNaiveMae}`);

  const bytes = exportOnnx(params);
  const session = await createSession(bytes);
  const out = await session.run({ history: new ort.Tensor('float32', test.history, [test.count, W]) });
  const maxDiff = assertClose('forecast', out.forecast.data, js);
  await session.release();

  const picks = Array.from({ length: REFERENCE_WINDOWS }, (_, i) => Math.round((i * (test.count - 1)) / (REFERENCE_WINDOWS - 1)));
  const k = picks.length;
  const rows = (arr, width) => picks.flatMap((r) => Array.from(arr.subarray(r * width, (r + 1) * width)));
  const reference = {
    model: 'forecast/model.onnx',
    description: `${k} of the held-out windows (rows of forecast/test-set.bin) with the training script's own forward pass.`,
    tolerance: 1e-4,
    count: k,
    testSetRows: picks,
    firstTargetMonth: picks.map((r) => dates[test.starts[r] + W]),
    inputs: { history: { dtype: 'float32', dims: [k, W], base64: float32ToBase64(Float32Array.from(rows(test.history, W))) } },
    outputs: { forecast: { dtype: 'float32', dims: [k, H], data: rows(js, H) } },
    truth: { dtype: 'float32', dims: [k, H], data: rows(test.target, H) },
  };
  writeFileSync(join(dir, 'model.onnx'), bytes);
  writeFileSync(join(dir, 'test-set.bin'), encodeForecastTestSet(test));
  writeFileSync(join(dir, 'reference.json'), toJson(reference));

  return {
    id: 'forecast',
    file: 'forecast/model.onnx',
    bytes,
    source: 'Trained by models/forecast/train.mjs on the monthly Mauna Loa CO2 series (column CO2) of ' +
      'vega-datasets@3.2.1 co2-concentration.csv (Scripps CO2 Program, CC BY 4.0).',
    licence: 'MIT',
    metrics: {
      mae,
      seasonalNaiveMae,
      ridgeOnlyMae: ridgeMae,
      trainMae,
      window: W,
      horizon: H,
      trainWindows: train.count,
      testWindows: test.count,
      heldOutFrom: dates[firstTestTarget],
      heldOutTo: dates.at(-1),
      architecture: `level-normalized linear skip + ${W}-${FORECAST_CONFIG.hidden}-${H} ReLU MLP`,
    },
    check: { maxAbsDiff: maxDiff },
    data: {
      testSet: {
        file: 'forecast/test-set.bin',
        samples: test.count,
        layout: `float32 LE histories [${test.count}, ${W}] (ppm), then float32 LE targets [${test.count}, ${H}] (ppm)`,
      },
      reference: 'forecast/reference.json',
    },
  };
}
