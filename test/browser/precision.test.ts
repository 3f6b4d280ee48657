// Choosing between a manifest model's fp32 file and its int8 variants, per backend.
import { expect, test } from 'vitest';
import { expectCode, seeded } from './helpers.js';
import { manifest, publish, storeRuntime, uniqueKey } from './store-helpers.js';

const pixels = () => seeded(784 * 4, 9).map(Math.abs);

/** The bundled manifest's digits entry, served under `key`, optionally recommending its int8 variants. */
async function digitsManifest(key: string, recommend: boolean) {
  const digits = (await manifest()).models.find((m) => m.id === 'digits') as unknown as {
    file: string;
    variants: { file: string; recommended: boolean }[];
  };
  const at = (file: string) => `/models/${file}`;
  const entry = { ...digits, file: at(digits.file), variants: digits.variants.map((v) => ({ ...v, file: at(v.file), recommended: recommend })) };
  return publish(key, [entry as never]);
}

test.each([
  ['wasm', 'int8', '1.0.0+int8-dynamic'],
  ['webgpu', 'int8', '1.0.0+int8-weights'],
  ['wasm', 'fp32', '1.0.0'],
  ['wasm', 'auto', '1.0.0'],
] as const)('on %s, precision %s loads %s', async (backend, precision, version) => {
  const key = uniqueKey('precision');
  const runtime = storeRuntime(key, { manifest: await digitsManifest(key, false), backends: [backend] });
  const model = await runtime.load('digits', { precision });
  expect([model.backend, model.version]).toEqual([backend, version]);
  const fp32 = await runtime.load('digits', { precision: 'fp32' });
  const a = (await model.run({ pixels: pixels() })).outputs.probabilities!.data as Float32Array;
  const b = (await fp32.run({ pixels: pixels() })).outputs.probabilities!.data as Float32Array;
  for (let row = 0; row < 4; row++) {
    const top = (p: Float32Array) => p.subarray(row * 10, row * 10 + 10).reduce((best, v, i, all) => (v > all[best]! ? i : best), 0);
    expect(top(a)).toBe(top(b)); // same decision as fp32 on these inputs
  }
  if (precision === 'int8') expect(model.bytes).toBeLessThan(fp32.bytes * 0.3);
  await runtime.dispose();
});

test('auto takes the int8 variant the manifest recommends for the backend in use', async () => {
  const key = uniqueKey('auto');
  const runtime = storeRuntime(key, { manifest: await digitsManifest(key, true) });
  expect((await runtime.load('digits')).version).toBe('1.0.0+int8-dynamic');
  expect((await runtime.load('digits', { backend: 'webgpu' })).version).toBe('1.0.0+int8-weights');
  expect((await runtime.storage.list()).map((m) => m.version).sort()).toEqual(['1.0.0+int8-dynamic', '1.0.0+int8-weights']);
  await expectCode(runtime.load('digits', { precision: 'int4' as never }), 'options-invalid');
  await runtime.dispose();
});
