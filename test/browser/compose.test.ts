// runtime.pipeline() and runtime.ensemble(): checked when made, run in the worker in one message, and equal to the
// same steps or members run one by one.
import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';

const runtime = createRuntime({ backends: ['wasm'], cache: false, storage: { dbName: `test-compose-${Date.now()}` } });
const fixture = (name: string) => runtime.load({ url: new URL(`./fixtures/${name}.onnx`, import.meta.url).href, id: name });
const digitsForm = (form: string) => runtime.load({ url: `/models/digits/model${form}.onnx`, id: `digits${form}` });
const rows = (n: number, width: number, seed = 1) => Float32Array.from({ length: n * width }, (_, i) => ((i * 7919 + seed * 104729) % 1000) / 1000);
const data = (m: { outputs: Record<string, { data: unknown }> }, name: string) => Array.from(m.outputs[name]!.data as Float32Array);

test('a pipeline feeds each step the outputs of the one before and equals the steps run one by one', async () => {
  const [identity, flipped] = await Promise.all([fixture('scores'), fixture('scores-flipped')]);
  const pipeline = runtime.pipeline([identity, { model: flipped, inputs: { x: 'y' } }, { model: flipped, inputs: { x: 'y' } }]);
  const x = rows(3, 4);
  const got = await pipeline.run({ x: { data: x, dims: [3, 4] } });
  expect(got.ms).toHaveLength(3);
  expect(pipeline.kinds).toEqual(['model', 'model', 'model']);
  if (got.type !== 'outputs') throw new Error(`expected outputs, got ${got.type}`);
  const a = await identity.run({ x: { data: x, dims: [3, 4] } });
  const b = await flipped.run({ x: a.outputs.y! });
  const c = await flipped.run({ x: b.outputs.y! });
  expect(Array.from(got.outputs.y!.data as Float32Array)).toEqual(data(c, 'y'));
  expect(Array.from(got.outputs.y!.data as Float32Array)).toEqual(Array.from(x));
  await expect(pipeline.run({ nope: x })).rejects.toMatchObject({ code: 'input-unknown' });
}, 60_000);

test('a pipeline that cannot run is refused when made, naming the step and the input', async () => {
  const [identity, digits, gather] = await Promise.all([fixture('scores'), digitsForm(''), fixture('gather')]);
  const field = (step: number, name: string) => expect.objectContaining({ code: 'options-invalid', details: { step, field: name } });
  expect(() => runtime.pipeline([identity, identity])).toThrow(/step 2 \(model "scores"\): input "x" takes "x", which step 1 \(model "scores"\) does not output \(it outputs y\)/);
  expect(() => runtime.pipeline([identity, identity])).toThrow(field(2, 'inputs.x'));
  expect(() => runtime.pipeline([digits, { model: identity, inputs: { x: 'probabilities' } }])).toThrow(/step 2 .* is \[batch, 4\], but step 1 \(model "digits"\) gives "probabilities" as \[batch, 10\]/);
  expect(() => runtime.pipeline([digits, { model: gather, inputs: { i: 'probabilities' } }])).toThrow(/is int64, but step 1 \(model "digits"\) gives "probabilities" as float32/);
  expect(() => runtime.pipeline([identity, { model: identity, inputs: { q: 'y' } }])).toThrow(/inputs names "q"/);
  expect(() => runtime.pipeline([identity, { model: identity, inputs: { q: 'y' } }])).toThrow(field(2, 'inputs.q'));
  expect(() => runtime.pipeline([])).toThrow(expect.objectContaining({ code: 'options-invalid' }));
  const other = createRuntime({ backends: ['wasm'], storage: { dbName: `test-compose-other-${Date.now()}` } });
  const foreign = await other.load({ url: new URL('./fixtures/scores.onnx', import.meta.url).href });
  expect(() => runtime.pipeline([foreign])).toThrow(expect.objectContaining({ code: 'options-invalid', message: expect.stringContaining('not loaded by this runtime') }));
  await other.dispose();
}, 60_000);

test('an ensemble of digits in fp32 and two int8 forms: mean and vote equal the members run one by one', async () => {
  const members = await Promise.all(['', '.int8-dynamic', '.int8-weights'].map(digitsForm));
  const pixels = { data: rows(8, 784, 3), dims: [8, 784] };
  const singles = await Promise.all(members.map((m) => m.run({ pixels })));
  const mean = await runtime.ensemble(members, { combine: 'mean' }).run({ pixels });
  expect(mean.ms).toHaveLength(3);
  const expected = data(singles[0]!, 'probabilities').map((_, i) => singles.reduce((s, r) => s + data(r, 'probabilities')[i]!, 0) / 3);
  data(mean, 'probabilities').forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  const vote = await runtime.ensemble(members, { combine: 'vote' }).run({ pixels });
  const shares = data(vote, 'probabilities');
  for (let row = 0; row < 8; row++) {
    const votes = new Array(10).fill(0);
    for (const r of singles) {
      const p = data(r, 'probabilities').slice(row * 10, row * 10 + 10);
      votes[p.indexOf(Math.max(...p))] += 1 / 3;
    }
    shares.slice(row * 10, row * 10 + 10).forEach((v, c) => expect(v).toBeCloseTo(votes[c], 6));
  }
}, 60_000);

test('an ensemble is refused when made: too few members, another signature, a bad combine, a disposed member', async () => {
  const [digits, forecast] = await Promise.all([digitsForm(''), runtime.load({ url: '/models/forecast/model.onnx', id: 'forecast' })]);
  expect(() => runtime.ensemble([digits])).toThrow(expect.objectContaining({ code: 'options-invalid' }));
  expect(() => runtime.ensemble([digits, forecast])).toThrow(/member 2 \(model "forecast"\) has another signature/);
  expect(() => runtime.ensemble([digits, digits], { combine: 'max' as never })).toThrow(/combine must be 'mean' or 'vote'/);
  const gone = await digitsForm('.int8-dynamic');
  await gone.dispose();
  expect(() => runtime.ensemble([digits, gone])).toThrow(expect.objectContaining({ code: 'model-disposed' }));
}, 60_000);
