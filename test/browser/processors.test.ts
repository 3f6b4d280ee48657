// Custom processors: ES modules the worker imports when a model loads (test/browser/fixtures/trend-*.ts), checked
// against run() on the same tensor; and every way a module or an input can be wrong gives a code naming the field.
import { expect, test } from 'vitest';
import { createRuntime, type EdgeInferError, type Processors } from '../../src/index.js';
import { trend } from './fixtures/trend-pre.js';
import { expectCode } from './helpers.js';
import { manifest, publish, uniqueKey } from './store-helpers.js';

const FIXTURES = '/test/browser/fixtures';
const runtime = createRuntime({ backends: ['wasm'], storage: { dbName: `test-processors-${Date.now()}` } });
const forecast = (processors: Processors, id = 'forecast') => runtime.load({ url: '/models/forecast/model.onnx', id }, { processors });
const pre = (url: string, options?: Record<string, unknown>) => ({ type: 'module' as const, url, ...(options ? { options } : {}) });

test('a pre module makes the feeds: predict(value) equals run() on what the module makes; its URL is resolved against the page', async () => {
  const model = await forecast({ pre: pre(`${FIXTURES}/trend-pre.ts`, { amplitude: 3 }), post: { type: 'values', output: 'forecast' } });
  expect(model.processors?.pre).toEqual({ type: 'module', url: `${location.origin}${FIXTURES}/trend-pre.ts`, options: { amplitude: 3 } });
  for (const [start, slope] of [[400, 0.2], [350, -0.1]] as const) {
    const answer = await model.predict({ start, slope });
    const out = (await model.run({ history: trend(start, slope, 3, 36) }, { cache: false })).outputs.forecast!.data as Float32Array;
    expect(answer).toMatchObject({ type: 'values', values: Array.from(out) });
  }
  // The module says the input is bad: input-invalid, not a module failure.
  await expectCode(model.predict({ start: 'high' }), 'input-invalid');
  // A canvas cannot cross to the worker: a pre module gets it as an ImageBitmap.
  const images = await forecast({ pre: pre(`${FIXTURES}/bitmap-pre.ts`), post: { type: 'values', output: 'forecast' } }, 'forecast-bitmap');
  const canvas = Object.assign(document.createElement('canvas'), { width: 7, height: 5 });
  const out = (await images.run({ history: new Float32Array(36).fill(7) }, { cache: false })).outputs.forecast!.data as Float32Array;
  expect(await images.predict(canvas)).toMatchObject({ type: 'values', values: Array.from(out) });
}, 60_000);

test('a post module reads each item: custom values and classes, one per row of an array of rows', async () => {
  const custom = await forecast({ pre: { type: 'tabular', input: 'history' }, post: pre(`${FIXTURES}/trend-post.ts`, { unit: 'ppm CO2' }) });
  const rising = trend(400, 0.2, 0, 36);
  const out = (await custom.run({ history: rising }, { cache: false })).outputs.forecast!.data as Float32Array;
  expect(await custom.predict(rising)).toMatchObject({ type: 'custom', value: { change: out[11]! - out[0]!, unit: 'ppm CO2', months: 12, dims: [1, 12] } });
  const classes = await forecast({ pre: { type: 'tabular', input: 'history' }, post: pre(`${FIXTURES}/trend-post.ts`, { as: 'classes' }) }, 'forecast-classes');
  const answer = await classes.predict([rising, trend(400, -0.3, 0, 36)]);
  expect(answer.type === 'rows' && answer.items.map((i) => (i.type === 'classes' ? i.label : i.type))).toEqual(['rising', 'falling']);
}, 60_000);

test('a manifest module URL is resolved against the manifest\'s URL', async () => {
  const entry = (await manifest()).models.find((m) => m.id === 'forecast')!;
  const key = uniqueKey('processors');
  // /__test/manifest/<key>/manifest.json: three levels below the root.
  const { id, version, bytes, sha256 } = entry;
  const url = await publish(key, [{ id, version, bytes, sha256, file: '/models/forecast/model.onnx', pre: pre(`../../..${FIXTURES}/trend-pre.ts`), post: { type: 'values', output: 'forecast' } } as typeof entry]);
  const model = await runtime.load('forecast', { manifest: url });
  expect(model.processors?.pre).toMatchObject({ type: 'module', url: `${location.origin}${FIXTURES}/trend-pre.ts` });
  expect(model.processors?.post).toEqual({ type: 'values', output: 'forecast' });
  expect(await model.predict({ start: 400, slope: 0.1 })).toMatchObject({ type: 'values' });
}, 60_000);

/** The coded error a load with these processors fails with. */
async function loadError(processors: Processors, options: Record<string, unknown> = {}): Promise<EdgeInferError> {
  const error = await runtime.load({ url: '/models/forecast/model.onnx', id: 'forecast' }, { processors, ...options }).then(() => undefined, (e: unknown) => e);
  expect(error, 'expected the load to fail').toBeDefined();
  return error as EdgeInferError;
}

test('a module that cannot be loaded fails load() with a code naming the processor and the field', async () => {
  // A blob: URL the page made has the page's origin: allowed, imported, and its syntax error fails the load.
  const broken = URL.createObjectURL(new Blob(['export function pre( {'], { type: 'text/javascript' }));
  const syntax = await loadError({ pre: pre(broken) });
  expect(syntax).toMatchObject({ code: 'processor-invalid', details: { processor: 'pre', field: 'url', url: broken } });
  expect(syntax.message).toContain('SyntaxError');
  expect(await loadError({ post: pre(`${FIXTURES}/missing.js`) })).toMatchObject({ code: 'processor-invalid', details: { processor: 'post', field: 'url' } });
  const noExport = await loadError({ pre: pre(`${FIXTURES}/no-export.ts`) });
  expect(noExport).toMatchObject({ code: 'processor-invalid', details: { processor: 'pre', field: 'export' } });
  expect(noExport.message).toContain('preprocess');
  // Code from another origin: refused before any request, unless allowedOrigins lists it.
  const elsewhere = 'http://127.0.0.1:9';
  expect(await loadError({ pre: pre(`${elsewhere}/pre.js`) })).toMatchObject({ code: 'origin-not-allowed', details: { processor: 'pre', field: 'url', origin: elsewhere } });
  expect(await loadError({ pre: pre('data:text/javascript,export const pre = () => ({})') })).toMatchObject({ code: 'origin-not-allowed' });
  const allowing = createRuntime({ backends: ['wasm'], allowedOrigins: [elsewhere], storage: { dbName: `test-processors-allow-${Date.now()}` } });
  try {
    const error = await allowing.load({ url: '/models/forecast/model.onnx', id: 'forecast' }, { processors: { pre: pre(`${elsewhere}/pre.js`) } }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'processor-invalid', details: { field: 'url', url: `${elsewhere}/pre.js` } }); // tried, and nothing listens there
  } finally {
    await allowing.dispose();
  }
  // Malformed specs fail on the calling thread; a module post cannot read stream() frames.
  expect(await loadError({ pre: { type: 'module', url: '' } })).toMatchObject({ code: 'options-invalid', message: expect.stringContaining('processors.pre.url') });
  expect(await loadError({ pre: pre('p.js', { f: (() => 1) as never }) })).toMatchObject({ code: 'options-invalid', message: expect.stringContaining('processors.pre.options') });
  const vad = await runtime.load({ url: '/models/vad/model.onnx', id: 'vad' }, {
    processors: { pre: { type: 'audio', input: 'input', sampleRate: 16000, frame: 512, context: 64, state: { input: 'state', output: 'stateN' }, constants: { sr: 16000 } }, post: pre(`${FIXTURES}/trend-post.ts`) },
  }).then(() => undefined, (e: unknown) => e);
  expect(vad).toMatchObject({ code: 'options-invalid', message: expect.stringContaining('stream()') });
  // The runtime is fine after all that.
  expect(await (await forecast({ pre: { type: 'tabular', input: 'history' } })).predict(new Float32Array(36).fill(400))).toMatchObject({ type: 'raw' });
}, 60_000);

test('a module that throws or answers the wrong shape fails predict() with processor-invalid naming the field', async () => {
  const misbehaving = (slot: 'pre' | 'post', mode: string) => (slot === 'pre'
    ? { pre: pre(`${FIXTURES}/misbehaving.ts`, { mode }) }
    : { pre: { type: 'tabular' as const, input: 'history' }, post: pre(`${FIXTURES}/misbehaving.ts`, { mode }) });
  const cases: [slot: 'pre' | 'post', mode: string, field: string, reason?: string][] = [
    ['pre', 'throws', 'call'],
    ['pre', 'bad-feeds', 'answer.history', 'input-invalid'],
    ['pre', 'wrong-input', 'answer.nope', 'input-unknown'],
    ['pre', 'not-an-object', 'answer', 'input-invalid'],
    ['post', 'throws', 'call'],
    ['post', 'bad-values', 'answer.values[1]'],
    ['post', 'bad-score', 'answer.topK[0].score'],
    ['post', 'bad-type', 'answer.type'],
    ['post', 'uncloneable', 'answer.value'],
    ['post', 'not-an-object', 'answer'],
  ];
  for (const [slot, mode, field, reason] of cases) {
    const model = await forecast(misbehaving(slot, mode), `forecast-${slot}-${mode}`);
    const error = await expectCode(model.predict(slot === 'pre' ? { any: 'thing' } : new Float32Array(36).fill(400)), 'processor-invalid');
    expect(error.details, `${slot} ${mode}`).toMatchObject({ processor: slot, field, url: `${location.origin}${FIXTURES}/misbehaving.ts`, ...(reason ? { reason } : {}) });
    expect(error.message).toContain(field === 'call' ? 'threw' : field);
  }
  // An input the worker could not even receive is refused on the calling thread.
  const model = await forecast({ pre: pre(`${FIXTURES}/trend-pre.ts`) }, 'forecast-clone');
  await expectCode(model.predict({ start: 400, slope: () => 1 }), 'input-invalid');
}, 120_000);

test('bad input elsewhere: an image of the wrong kind, audio at a rate that cannot be resampled, predict() on an audio model', async () => {
  const digits = await runtime.load({ url: '/models/digits/model.onnx', id: 'digits' }, {
    processors: { pre: { type: 'image', input: 'pixels', width: 28, height: 28, channels: 'gray', layout: 'flat' } },
  });
  for (const input of [new Float32Array(784), 'cat.png', { width: 28, height: 28 }]) {
    const error = await expectCode(digits.predict(input as never), 'input-invalid');
    expect(error.message).toContain('expected ImageData, ImageBitmap, Blob, a canvas or an <img>');
  }
  const vad = await runtime.load({ url: '/models/vad/model.onnx', id: 'vad' }, {
    backend: 'wasm',
    processors: { pre: { type: 'audio', input: 'input', sampleRate: 16000, frame: 512, context: 64, state: { input: 'state', output: 'stateN' }, constants: { sr: 16000 } } },
  });
  for (const sampleRate of [1000, 44100.5, 500000, Number.NaN]) {
    const error = await expectCode(vad.stream({ sampleRate }), 'options-invalid');
    expect(error.message).toContain('sampleRate');
  }
  expect((await expectCode(vad.predict(new Float32Array(576) as never), 'options-invalid')).message).toContain('stream()');
}, 60_000);
