import { expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { fileOf, findModel, parseManifest } from '../../../src/store/manifest.js';
import manifest from '../../../models/manifest.json';

const url = 'https://app.example/models/manifest.json';

test('the bundled manifest parses and resolves files against its own URL', () => {
  const parsed = parseManifest(manifest, url);
  const digits = findModel(parsed, 'digits', url);
  expect(fileOf(digits, url)).toMatchObject({ id: 'digits', version: '1.0.0', url: 'https://app.example/models/digits/model.onnx' });
});

test.each<[string, unknown]>([
  ['not an object', 42],
  ['no models', {}],
  ['a missing version', { models: [{ id: 'a', file: 'a.onnx', bytes: 1, sha256: 'a'.repeat(64) }] }],
  ['a bad sha256', { models: [{ id: 'a', version: '1', file: 'a.onnx', bytes: 1, sha256: 'xyz' }] }],
  ['a zero size', { models: [{ id: 'a', version: '1', file: 'a.onnx', bytes: 0, sha256: 'a'.repeat(64) }] }],
  ['an impossible size', { models: [{ id: 'a', version: '1', file: 'a.onnx', bytes: Number.MAX_SAFE_INTEGER, sha256: 'a'.repeat(64) }] }],
  ['a file that is not a URL', { models: [{ id: 'a', version: '1', file: 'http://[::1', bytes: 1, sha256: 'a'.repeat(64) }] }],
  ['a javascript: file', { models: [{ id: 'a', version: '1', file: 'javascript:alert(1)', bytes: 1, sha256: 'a'.repeat(64) }] }],
  ...([
    ['variants that are not an array', { variants: 'int8' }],
    ['a null variant', { variants: [null] }],
    ['a variant without a file', { variants: [{ precision: 'int8', bytes: 1, sha256: 'a'.repeat(64) }] }],
    ['a variant with bad backends', { variants: [{ precision: 'int8', file: 'b.onnx', bytes: 1, sha256: 'a'.repeat(64), backends: 'wasm' }] }],
    ['a variant with an impossible size', { variants: [{ precision: 'int8', file: 'b.onnx', bytes: 2 ** 40, sha256: 'a'.repeat(64) }] }],
  ] as [string, object][]).map(([what, extra]): [string, unknown] => [what, { models: [{ id: 'a', version: '1', file: 'a.onnx', bytes: 1, sha256: 'a'.repeat(64), ...extra }] }]),
])('rejects %s with manifest-invalid', (_, value) => {
  expect(() => parseManifest(value, url)).toThrow(expect.objectContaining({ code: 'manifest-invalid' }));
});

test('an unknown id is model-unknown and lists what the manifest has', () => {
  try {
    findModel(parseManifest(manifest, url), 'nope', url);
    expect.unreachable();
  } catch (error) {
    expect((error as EdgeInferError).code).toBe('model-unknown');
    expect((error as Error).message).toContain('digits');
  }
});
