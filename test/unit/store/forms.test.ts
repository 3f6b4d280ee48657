import { expect, test } from 'vitest';
import { autoForms, chooseFile, type ManifestModel } from '../../../src/store/manifest.js';
import { codeOf } from '../code-of.js';

const sha = (c: string) => c.repeat(64);
const entry: ManifestModel = {
  id: 'm', version: '1.0.0', file: 'm.onnx', bytes: 100, sha256: sha('a'),
  variants: [
    { precision: 'int8', mode: 'dynamic', backends: ['wasm'], file: 'm.d.onnx', bytes: 30, sha256: sha('b'), gates: { quality: { passed: true } } },
    { precision: 'int8', mode: 'weights', backends: ['webgpu', 'wasm'], file: 'm.w.onnx', bytes: 29, sha256: sha('c'), recommended: true, gates: { quality: { passed: true }, size: { passed: true } } },
    { precision: 'int8', mode: 'nbits', file: 'm.n.onnx', bytes: 20, sha256: sha('d'), gates: { quality: { passed: false } } },
  ],
};

test('precision auto compares the int8 forms made for the backend whose gates passed', () => {
  expect(autoForms(entry, 'wasm')).toEqual(['int8-dynamic', 'int8-weights']);
  expect(autoForms(entry, 'webgpu')).toEqual(['int8-weights']);
  // No gated form for a backend: fp32.
  expect(autoForms({ ...entry, variants: [entry.variants![2]!] }, 'wasm')).toEqual(['fp32']);
  expect(autoForms({ ...entry, variants: undefined }, 'wasm')).toEqual(['fp32']);
});

test('a form named by mode picks that file, and an unknown one is model-unknown', () => {
  const base = 'https://example.com/models/manifest.json';
  expect(chooseFile(entry, base, 'int8-dynamic', 'wasm')).toMatchObject({ version: '1.0.0+int8-dynamic', url: 'https://example.com/models/m.d.onnx', sha256: sha('b') });
  expect(chooseFile(entry, base, 'fp32', 'wasm').sha256).toBe(sha('a'));
  expect(codeOf(() => chooseFile(entry, base, 'int8-float8', 'wasm'))).toBe('model-unknown');
});
