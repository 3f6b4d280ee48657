// A model that does almost nothing (y = 2x + 1 on [batch, 4]): benchmarks use it to see per-call overhead alone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, initializer, node, valueInfo } from '../lib/onnx.mjs';

export function buildTiny(dir) {
  const bytes = encodeModel({
    name: 'tiny',
    doc: 'y = 2x + 1; a per-call overhead probe for benchmarks',
    nodes: [node('Mul', ['x', 'two'], ['doubled']), node('Add', ['doubled', 'one'], ['y'])],
    initializers: [initializer('two', [1], new Float32Array([2])), initializer('one', [1], new Float32Array([1]))],
    inputs: [valueInfo('x', 'float32', ['batch', 4])],
    outputs: [valueInfo('y', 'float32', ['batch', 4])],
  });
  writeFileSync(join(dir, 'model.onnx'), bytes);
  return bytes;
}
