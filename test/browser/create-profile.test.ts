// createProfile() with the SDK's own runtime: reference rows go through Model.run in the worker, batch by batch.
import { afterAll, expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { createProfile } from '../../src/monitor/create-profile.js';
import { parseProfile } from '../../src/monitor/profile.js';
import { expectCode, MODELS, seeded } from './helpers.js';

const runtime = createRuntime({ backends: ['wasm'] });
afterAll(() => runtime.dispose());

const ROWS = 300;
const pixels = () => ({ dtype: 'float32' as const, dims: [ROWS, 784], data: seeded(ROWS * 784, 11).map((v) => v + 0.5) });

test('digits: a profile from 300 seeded rows, run 64 rows at a time, round-trips through JSON', async () => {
  const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
  const progress: number[] = [];
  const profile = await createProfile(model, { pixels: pixels() }, { windowSizes: [50, 200], onProgress: (p) => progress.push(p.done) });
  expect(progress).toEqual([64, 128, 192, 256, 300]);
  expect(profile.samples).toBe(ROWS);
  expect(profile.model.sha256).toBe(model.sha256);
  expect(profile.features.map((f) => f.name)).toEqual([
    'pixels.mean', 'pixels.std', 'pixels.zeros', ...Array.from({ length: 8 }, (_, i) => `pixels.projection[${i}]`),
    'probabilities.class', 'probabilities.confidence', ...Array.from({ length: 10 }, (_, i) => `logits[${i}]`),
  ]);
  expect(profile.windows.map((w) => w.size)).toEqual([50, 200]);
  expect(parseProfile(JSON.parse(JSON.stringify(profile)))).toEqual(profile);

  // The same rows and seed give the same profile, whatever the batch size.
  const again = await createProfile(model, { pixels: pixels() }, { windowSizes: [50, 200], batchSize: 300 });
  expect(again).toEqual(profile);
  await model.dispose();
});

test('bad inputs are input-invalid naming the input; bad options are options-invalid', async () => {
  const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
  expect((await expectCode(createProfile(model, {}), 'input-invalid')).details.input).toBe('pixels');
  const wrongDtype = { pixels: { dtype: 'int32' as const, dims: [ROWS, 784], data: new Int32Array(ROWS * 784) } };
  expect((await expectCode(createProfile(model, wrongDtype as never), 'input-invalid')).message).toMatch(/inputs\.pixels: expected float32 rows \[N, 784\]/);
  const narrow = { pixels: { dtype: 'float32' as const, dims: [ROWS, 783], data: new Float32Array(ROWS * 783) } };
  await expectCode(createProfile(model, narrow), 'input-invalid');
  await expectCode(createProfile(model, { pixels: pixels(), image: pixels() }), 'input-invalid');
  await expectCode(createProfile(model, { pixels: { dtype: 'float32', dims: [1, 784], data: new Float32Array(784) } }), 'input-invalid');
  await expectCode(createProfile(model, { pixels: pixels() }, { batchSize: 0 }), 'options-invalid');
  await expectCode(createProfile(model, { pixels: pixels() }, { classifier: 'pixels' }), 'options-invalid');
  await expectCode(createProfile({ ...model, inputs: model.inputs, outputs: model.outputs, run: model.run.bind(model), sha256: 'nope' }, { pixels: pixels() }), 'input-invalid');
  await model.dispose();
});
