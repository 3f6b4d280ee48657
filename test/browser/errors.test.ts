import { afterAll, expect, test } from 'vitest';
import { createRuntime, EdgeInferError } from '../../src/index.js';
import { DataType } from '../../src/tools/onnx/proto.js';
import { graph, model, node } from '../unit/tools/graphs.js';
import { expectCode, MODELS, seeded, vadFeeds } from './helpers.js';

const runtime = createRuntime({ backends: ['wasm'], retryDelayMs: 1 });
afterAll(() => runtime.dispose());

test('a 404 is model-fetch-failed with the status', async () => {
  const error = await expectCode(runtime.load({ url: '/models/missing/model.onnx' }), 'model-fetch-failed');
  expect(error.details).toMatchObject({ status: 404 });
});

test('a network failure is model-fetch-failed', async () => {
  await expectCode(runtime.load({ url: 'http://127.0.0.1:9/model.onnx' }), 'model-fetch-failed');
});

test('bytes that are not an ONNX model are model-invalid', async () => {
  await expectCode(runtime.load({ bytes: new TextEncoder().encode('definitely not a protobuf model') }), 'model-invalid');
  await expectCode(runtime.load({ url: '/demo/index.html' }), 'model-invalid');
  await expectCode(runtime.load({ bytes: new Uint8Array() }), 'model-invalid');
  const real = new Uint8Array(await (await fetch(MODELS.digits)).arrayBuffer());
  await expectCode(runtime.load({ bytes: real.subarray(0, real.length >> 1) }), 'model-invalid');
});

test('a model with a string input is model-invalid naming it, with a backend list and with auto; nothing is left open', async () => {
  const typed = { name: 's', type: { tensorType: { elemType: DataType.STRING, shape: { dim: [{ dimValue: 1 }] } } } };
  const strings = model(graph('strings', [node('Identity', ['s'], ['t'])], [typed], [{ ...typed, name: 't' }]));
  const listed = await expectCode(runtime.load({ bytes: strings }), 'model-invalid');
  expect(listed.message).toMatch(/input "s" holds string tensors/);
  const auto = createRuntime({ backends: 'auto' });
  try {
    await expectCode(auto.load({ bytes: strings }), 'model-invalid');
    expect((await auto.load({ url: MODELS.digits })).inputs[0]!.dtype).toBe('float32');
  } finally {
    await auto.dispose();
  }
});

test('bad load arguments are options-invalid', async () => {
  await expectCode(runtime.load(null as never), 'options-invalid');
  await expectCode(runtime.load({ url: '' }), 'options-invalid');
  await expectCode(runtime.load({ url: MODELS.digits }, { backend: 'webgl' as never }), 'options-invalid');
  expect(() => createRuntime({ backends: ['cuda' as never] })).toThrow(EdgeInferError);
});

test('malformed URLs, non-http schemes, detached bytes and impossible sizes are options-invalid', async () => {
  await expectCode(runtime.load({ url: 'http://[::1' }), 'options-invalid');
  await expectCode(runtime.load('digits', { manifest: 'http://[::1' }), 'options-invalid');
  for (const url of ['javascript:alert(1)', 'data:application/octet-stream;base64,AAAA', 'file:///etc/passwd']) {
    await expectCode(runtime.load({ url }), 'options-invalid');
    await expectCode(runtime.load('digits', { manifest: url }), 'options-invalid');
  }
  await expectCode(runtime.load({ url: MODELS.digits, size: Number.MAX_SAFE_INTEGER }), 'options-invalid');
  const bytes = new Uint8Array(await (await fetch(MODELS.digits)).arrayBuffer());
  structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  await expectCode(runtime.load({ bytes }), 'options-invalid');
  await expectCode(runtime.load({ bytes: bytes.buffer }), 'options-invalid');
  expect(await runtime.storage.list()).toEqual([]); // nothing was half-stored
});

test('models no backend could ever run are model-invalid with onnxruntime\'s reason, not backend-unavailable', async () => {
  const both = createRuntime({ backends: ['webgpu', 'wasm'] });
  for (const name of ['unknown-op', 'bad-initializer', 'external-data']) {
    const url = new URL(`./fixtures/${name}.onnx`, import.meta.url).href;
    const error = await expectCode(both.load({ url }), 'model-invalid');
    expect(typeof error.details.reason).toBe('string');
    expect(error.message).not.toMatch(/\.cc:\d+/); // no C++ source paths
  }
  await both.dispose();
});

test('codes thrown in the worker arrive as EdgeInferError with details', async () => {
  const error = await expectCode(runtime.load({ url: '/models/missing/model.onnx', id: 'missing' }), 'model-fetch-failed');
  expect(error.name).toBe('EdgeInferError');
  expect(error.details).toMatchObject({ model: 'missing' });
  expect(error.message).toMatch(/HTTP 404/);
});

test('feeds are validated before they reach the worker, and the model keeps working', async () => {
  const model = await runtime.load({ url: MODELS.vad, id: 'vad' });
  await expectCode(model.run({ input: new Float32Array(512) }), 'input-missing');
  await expectCode(model.run({ ...vadFeeds(seeded(512, 1)), extra: new Float32Array(1) }), 'input-unknown');
  await expectCode(model.run({ ...vadFeeds(seeded(512, 1)), sr: { data: new Int32Array([16000]), dims: [] } }), 'input-dtype');
  await expectCode(model.run({ ...vadFeeds(seeded(512, 1)), state: { data: new Float32Array(256), dims: [256] } }), 'input-shape');
  await expectCode(model.run({ ...vadFeeds(seeded(512, 1)), state: { data: new Float32Array(256), dims: [4, 1, 64] } }), 'input-shape');
  await expectCode(model.run({ ...vadFeeds(seeded(512, 1)), state: { data: new Float32Array(255), dims: [2, 1, 128] } }), 'input-shape');
  await expectCode(model.run(vadFeeds(seeded(512, 1)), null as never), 'options-invalid');
  const ok = await model.run(vadFeeds(seeded(512, 1)));
  expect(ok.outputs.output?.dims).toEqual([1, 1]);
  await model.dispose();
});

test('an error inside onnxruntime-web is inference-failed and the session stays usable', async () => {
  const model = await runtime.load({ url: MODELS.vad, id: 'vad' });
  // Valid for the declared signature (free dims) but not for Silero's graph: 2 frames with a 1-frame state.
  await expectCode(model.run({ ...vadFeeds(seeded(1024, 2)), input: { data: seeded(1024, 2), dims: [2, 512] } }), 'inference-failed');
  const ok = await model.run(vadFeeds(seeded(512, 3)));
  expect(ok.outputs.stateN?.dims).toEqual([2, 1, 128]);
  await model.dispose();
});

test('a disposed model and a disposed runtime fail with their codes', async () => {
  const own = createRuntime({ backends: ['wasm'] });
  const model = await own.load({ url: MODELS.vad });
  await model.dispose();
  await model.dispose();
  await expectCode(model.run(vadFeeds(seeded(512, 1))), 'model-disposed');
  const other = await own.load({ url: MODELS.vad });
  const pending = Array.from({ length: 20 }, (_, i) => other.run(vadFeeds(seeded(512, i))));
  await own.dispose();
  const settled = await Promise.allSettled(pending);
  // Runs that finished before dispose resolve; none may hang, and the rest say why they failed.
  for (const s of settled) if (s.status === 'rejected') expect((s.reason as EdgeInferError).code).toBe('runtime-disposed');
  await expectCode(other.run(vadFeeds(seeded(512, 1))), 'runtime-disposed');
  await expectCode(own.load({ url: MODELS.vad }), 'runtime-disposed');
});
