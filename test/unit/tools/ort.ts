// onnxruntime-web in Node (its WASM backend, one thread) for running original and quantized test models.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type Feeds = Record<string, ort.Tensor>;

export async function runModel(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

export async function signatureOf(bytes: Uint8Array): Promise<{ inputs: string[]; outputs: string[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const result = { inputs: [...session.inputNames], outputs: [...session.outputNames] };
  await session.release();
  return result;
}

export const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
export const bool = (value: boolean) => new ort.Tensor('bool', Uint8Array.of(value ? 1 : 0), []);

/** Largest absolute difference, relative to the largest absolute reference value. */
export function relativeMaxError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}
