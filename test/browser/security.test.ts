// allowedOrigins: where models and manifests may come from, checked before any request is made.
import { afterAll, expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { expectCode, MODELS, seeded } from './helpers.js';

const elsewhere = 'http://127.0.0.1:9'; // another origin (another port); nothing listens there
const runtime = createRuntime({ backends: ['wasm'], allowedOrigins: ['https://models.example.com'], retryDelayMs: 1 });
afterAll(() => runtime.dispose());

async function manifestFor(file: string): Promise<string> {
  const real = await (await fetch('/models/manifest.json')).json() as { models: { id: string; file: string }[] };
  const digits = real.models.find((m) => m.id === 'digits')!;
  const json = JSON.stringify({ models: [{ ...digits, file, variants: undefined, profile: undefined }] });
  return URL.createObjectURL(new Blob([json], { type: 'application/json' }));
}

test('the page\'s own origin is always allowed; other origins fail with origin-not-allowed', async () => {
  const digits = await runtime.load({ url: MODELS.digits });
  expect((await digits.run({ pixels: seeded(784, 1).map(Math.abs) })).outputs.probabilities!.dims).toEqual([1, 10]);
  const error = await expectCode(runtime.load({ url: `${elsewhere}/model.onnx?token=secret` }), 'origin-not-allowed');
  expect(error.details).toEqual({ origin: elsewhere });
  await expectCode(runtime.load('digits', { manifest: `${elsewhere}/manifest.json` }), 'origin-not-allowed');
  await digits.dispose();
});

test('a manifest on an allowed origin cannot point at a model elsewhere', async () => {
  await expectCode(runtime.load('digits', { manifest: await manifestFor(`${elsewhere}/digits.onnx`) }), 'origin-not-allowed');
  const ok = await runtime.load('digits', { manifest: await manifestFor(new URL(MODELS.digits, location.href).href) });
  expect(ok.version).toBe('1.0.0');
  await ok.dispose();
});

test('without allowedOrigins any origin is tried (and here fails to fetch)', async () => {
  const open = createRuntime({ backends: ['wasm'], retries: 0 });
  await expectCode(open.load({ url: `${elsewhere}/model.onnx` }), 'model-fetch-failed');
  await open.dispose();
});

test('allowedOrigins entries must be origins', () => {
  for (const bad of ['models.example.com', 'https://models.example.com/path', 'null', 42, 'data:,x']) {
    expect(() => createRuntime({ allowedOrigins: [bad as string] })).toThrowError(expect.objectContaining({ code: 'options-invalid' }));
  }
  expect(() => createRuntime({ allowedOrigins: 'https://a.example' as never })).toThrowError(expect.objectContaining({ code: 'options-invalid' }));
  expect(createRuntime({ allowedOrigins: ['https://a.example/'] }).options.allowedOrigins).toEqual(['https://a.example']);
});
