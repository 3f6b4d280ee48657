import { expect } from 'vitest';
import { createRuntime, EdgeInferError, type ErrorCode, type Runtime, type RuntimeOptions } from '../../src/index.js';

export const MODELS = {
  digits: '/models/digits/model.onnx',
  forecast: '/models/forecast/model.onnx',
  vad: '/models/vad/model.onnx',
} as const;

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<EdgeInferError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with ${code}`).toBeInstanceOf(EdgeInferError);
  expect((error as EdgeInferError).code).toBe(code);
  return error as EdgeInferError;
}

export function vadFeeds(frame: Float32Array, state = new Float32Array(256)) {
  return {
    input: { data: frame, dims: [1, frame.length] },
    state: { data: state, dims: [2, 1, 128] },
    sr: { data: new BigInt64Array([16000n]), dims: [] },
  };
}

/** `vadFeeds` with dtypes, as `probeFeeds` takes them. */
export function vadProbe(frame = seeded(512, 1)) {
  const feeds = vadFeeds(frame);
  return {
    input: { dtype: 'float32' as const, ...feeds.input },
    state: { dtype: 'float32' as const, ...feeds.state },
    sr: { dtype: 'int64' as const, ...feeds.sr },
  };
}

export function seeded(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** A WASM runtime whose workers run the real entry behind a crash switch (fixtures/crash-switch.ts), listed in `workers`. */
export function crashableRuntime(options: RuntimeOptions = {}): { runtime: Runtime; workers: Worker[] } {
  const workers: Worker[] = [];
  const runtime = createRuntime({
    backends: ['wasm'],
    ...options,
    createWorker: () => {
      const worker = new Worker(new URL('./fixtures/crashing-worker.ts', import.meta.url), { type: 'module' });
      workers.push(worker);
      return worker;
    },
  });
  return { runtime, workers };
}

/** Reads until `done` says so or `ms` have passed, and returns the last value read. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

