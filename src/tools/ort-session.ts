// onnxruntime-web's WASM backend in Node, one thread, quiet: how the tools run a model.
import { EdgeInferError, type ErrorCode } from '../errors.js';

/** A session on `bytes`; a model onnxruntime-web cannot load fails with `code` and `what` before its reason. */
export async function openSession(bytes: Uint8Array, code: ErrorCode, what: string) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  try {
    return { ort, session: await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] }) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EdgeInferError(code, `onnxruntime-web could not load ${what}: ${reason}`, {}, { cause: error });
  }
}
