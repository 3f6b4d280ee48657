/// <reference types="node" />
// Loads a model in onnxruntime-web (WASM, in Node) to prove the file is usable before the CLI writes it.
import { EdgeInferError } from '../errors.js';
import { openSession } from './ort-session.js';

/** Throws `quantize-failed` unless onnxruntime-web creates a session with the same input and output names. */
export async function verifyLoads(bytes: Uint8Array, expected: { inputs: string[]; outputs: string[] }): Promise<void> {
  const { session } = await openSession(bytes, 'quantize-failed', 'the quantized model');
  const same = (a: readonly string[], b: readonly string[]) => a.join('\n') === b.join('\n');
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  await session.release();
  if (!same(inputs, expected.inputs) || !same(outputs, expected.outputs)) {
    throw new EdgeInferError('quantize-failed', `the quantized model reports inputs [${inputs.join(', ')}] and outputs ` +
      `[${outputs.join(', ')}]; expected [${expected.inputs.join(', ')}] and [${expected.outputs.join(', ')}]`);
  }
}
