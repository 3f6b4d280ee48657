import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { readSignature } from '../../src/worker/onnx-signature.js';
import { DataType } from '../../src/tools/onnx/proto.js';
import { f32, graph, model, node } from './tools/graphs.js';

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

test('a string or bfloat16 input or output is model-invalid, naming it and the types that work', () => {
  const typed = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimValue: 1 }] } } } });
  const strings = model(graph('strings', [node('Identity', ['s'], ['t'])], [typed('s', DataType.STRING)], [typed('t', DataType.STRING)]));
  expect(() => readSignature(strings)).toThrow(expect.objectContaining({ code: 'model-invalid', message: expect.stringMatching(/^input "s" holds string tensors: edge-infer passes float32, .*bool.* tensors only$/) }));
  const bf16 = model(graph('bf16', [node('Cast', ['x'], ['y'], { to: DataType.BFLOAT16 })], [f32('x', [1])], [typed('y', DataType.BFLOAT16)]));
  expect(() => readSignature(bf16)).toThrow(expect.objectContaining({ code: 'model-invalid', message: expect.stringMatching(/^output "y" holds bfloat16 tensors/) }));
});
