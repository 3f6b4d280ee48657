/// <reference types="node" />
// Loads a model in onnxruntime-web (WASM, in Node) to prove the file is usable before the CLI writes it.
import { EdgeInferError } from '../errors.js';

/** Throws `quantize-failed` unless onnxruntime-web creates a session with the same input and output names. */
export async function verifyLoads(bytes: Uint8Array, expected: { inputs: string[]; outputs: string[] }): Promise<void> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EdgeInferError('quantize-failed', `onnxruntime-web could not load the quantized model: ${reason}`, {}, { cause: error });
  }
  const same = (a: readonly string[], b: readonly string[]) => a.join('\n') === b.join('\n');
  const inputs = [...session.inputNames];
  const outputs = [...session.outputNames];
  await session.release();
  if (!same(inputs, expected.inputs) || !same(outputs, expected.outputs)) {
    throw new EdgeInferError('quantize-failed', `the quantized model reports inputs [${inputs.join(', ')}] and outputs ` +
      `[${outputs.join(', ')}]; expected [${expected.inputs.join(', ')}] and [${expected.outputs.join(', ')}]`);
  }
}
