import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { readSignature } from '../../src/worker/onnx-signature.js';

const vad = new Uint8Array(readFileSync('models/vad/model.onnx'));

test('reads the Silero VAD signature, telling the scalar sr from free dims', () => {
  const { inputs, outputs } = readSignature(vad);
  expect(inputs).toEqual([
    { name: 'input', dtype: 'float32', dims: ['?', '?'] },
    { name: 'state', dtype: 'float32', dims: [2, '?', 128] },
    { name: 'sr', dtype: 'int64', dims: [] },
  ]);
  expect(outputs.map((o) => o.name)).toEqual(['output', 'stateN']);
});

test('reads symbolic dims by name', () => {
  const { inputs, outputs } = readSignature(new Uint8Array(readFileSync('models/digits/model.onnx')));
  expect(inputs).toEqual([{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }]);
  expect(outputs[0]).toEqual({ name: 'probabilities', dtype: 'float32', dims: ['batch', 10] });
});

test('rejects bytes that are not an ONNX model', () => {
  expect(() => readSignature(new TextEncoder().encode('<!doctype html><html></html>'))).toThrow();
  expect(() => readSignature(vad.subarray(0, vad.length >> 1))).toThrow(/truncated/);
  expect(() => readSignature(new Uint8Array())).toThrow();
});
