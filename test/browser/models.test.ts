// The bundled models run through the SDK on both backends and agree with references computed outside the SDK
// (each training script's own forward pass; for the VAD, onnxruntime-web run directly in Node).
import * as ort from 'onnxruntime-web/webgpu';
import { afterAll, describe, expect, test } from 'vitest';
import { createRuntime, type Backend } from '../../src/index.js';
import { digitsTestSet, float32, forecastTestSet, json, speech, type RefTensor } from './data.js';
import { maxAbsDiff, MODELS } from './helpers.js';

interface Reference {
  tolerance: number;
  labels?: number[];
  inputs: Record<string, RefTensor>;
  outputs: Record<string, RefTensor>;
}
interface VadReference {
  frameSamples: number;
  contextSamples: number;
  threshold: number;
  probabilities: number[];
  labels: number[];
  scored: boolean[];
}

// WASM reproduces the float32 reference to 1e-4. SwiftShader's WebGPU accumulates in another order, so it gets a
// looser bound; decisions (top-1, speech/silence) are checked separately.
const TOLERANCE: Record<Backend, number> = { wasm: 1e-4, webgpu: 1e-3, webnn: 1e-3 };

describe.each(['wasm', 'webgpu'] as const)('bundled models on %s', (backend) => {
  const runtime = createRuntime({ backends: [backend] });
  afterAll(() => runtime.dispose());

  test('digits: matches the training forward pass and keeps ≥ 95% held-out accuracy', async () => {
    const model = await runtime.load({ url: MODELS.digits, id: 'digits' });
    expect(model.backend).toBe(backend);
    expect(model.fallbackReason).toBeUndefined();
    expect(model.inputs).toEqual([{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }]);
    const ref = await json<Reference>('/models/digits/reference.json');
    const result = await model.run({ pixels: float32(ref.inputs.pixels!) });
    expect(result.outputs.probabilities!.dims).toEqual([32, 10]);
    expect(maxAbsDiff(result.outputs.probabilities!.data as Float32Array, float32(ref.outputs.probabilities!))).toBeLessThan(TOLERANCE[backend]);

    const { pixels, labels } = await digitsTestSet();
    const probabilities = (await model.run({ pixels })).outputs.probabilities!.data as Float32Array;
    let correct = 0;
    labels.forEach((label, i) => {
      const row = probabilities.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    expect(correct / labels.length).toBeGreaterThanOrEqual(0.95);
    await model.dispose();
  });

  test('forecast: matches the training forward pass and beats seasonal-naive on the held-out tail', async () => {
    const model = await runtime.load({ url: MODELS.forecast, id: 'forecast' });
    const ref = await json<Reference>('/models/forecast/reference.json');
    const result = await model.run({ history: float32(ref.inputs.history!) });
    expect(result.outputs.forecast!.dims).toEqual([16, 12]);
    // Values are ~400 ppm, so float32 rounding alone is ~3e-5.
    expect(maxAbsDiff(result.outputs.forecast!.data as Float32Array, float32(ref.outputs.forecast!))).toBeLessThan(TOLERANCE[backend] * 10);

    const { histories, targets, n } = await forecastTestSet();
    const forecast = (await model.run({ history: histories })).outputs.forecast!.data as Float32Array;
    let model_ = 0;
    let naive = 0;
    for (let w = 0; w < n; w++) {
      for (let h = 0; h < 12; h++) {
        const truth = targets[w * 12 + h]!;
        model_ += Math.abs(forecast[w * 12 + h]! - truth);
        naive += Math.abs(histories[w * 36 + 24 + h]! - truth); // the same month one year earlier
      }
    }
    expect(model_ / (n * 12)).toBeLessThan(naive / (n * 12));
    await model.dispose();
  });

  test('vad: runs frame by frame with state carried and tells speech from silence on the recorded clip', async () => {
    const model = await runtime.load({ url: MODELS.vad, id: 'vad' });
    const ref = await json<VadReference>('/models/vad/reference.json');
    // On the software WebGPU adapter a frame takes ~80 ms after ~15 s of set-up: there the first 40 frames (state
    // carried) show the pass-through; the whole clip's reference check runs on WASM.
    const frames = backend === 'webgpu' ? 40 : Infinity;
    const probabilities = await runClip(ref, async (feeds) => {
      const out = await model.run(feeds);
      return [out.outputs.output!.data[0] as number, out.outputs.stateN!.data as Float32Array];
    }, frames);
    expect(probabilities).toHaveLength(Math.min(frames, ref.probabilities.length));
    if (backend === 'webgpu') {
      // Known defect: onnxruntime-web's WebGPU EP (on SwiftShader here) computes this graph wrongly even for one
      // frame from a zero state, with ORT called directly too. What the SDK must guarantee is that it passes ORT's
      // WebGPU results through unchanged; the reference check runs on WASM.
      const session = await ort.InferenceSession.create(MODELS.vad, { executionProviders: ['webgpu'] });
      const direct = await runClip(ref, async (feeds) => {
        const tensors = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data, t.dims)]));
        const out = await session.run(tensors);
        return [out.output!.data[0] as number, out.stateN!.data as Float32Array];
      }, frames);
      expect(maxAbsDiff(probabilities, direct)).toBeLessThan(1e-6);
      await session.release();
    } else {
      expect(maxAbsDiff(probabilities, ref.probabilities)).toBeLessThan(TOLERANCE[backend]);
      expect(agreement(probabilities, ref)).toBeGreaterThanOrEqual(0.95);
    }
    await model.dispose();
  }, 120_000);
});

type VadFeeds = Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;

/** Runs the clip the way Silero's own runner does: 64 samples of context + each 512-sample frame, state carried. */
async function runClip(ref: VadReference, step: (feeds: VadFeeds) => Promise<[number, Float32Array]>, frames = Infinity): Promise<number[]> {
  const samples = await speech();
  const { frameSamples: frame, contextSamples: context } = ref;
  let state: Float32Array = new Float32Array(2 * 128);
  const probabilities: number[] = [];
  for (let start = 0; start + frame <= samples.length && probabilities.length < frames; start += frame) {
    const input = new Float32Array(context + frame);
    input.set(samples.subarray(Math.max(0, start - context), start), context - Math.min(context, start));
    input.set(samples.subarray(start, start + frame), context);
    const [p, next] = await step({
      input: { data: input, dims: [1, input.length] },
      state: { data: state, dims: [2, 1, 128] },
      sr: { data: new BigInt64Array([16000n]), dims: [] },
    });
    probabilities.push(p);
    state = next;
  }
  return probabilities;
}

/** Share of scored frames (those away from speech boundaries) where p ≥ threshold matches the ground truth. */
function agreement(probabilities: number[], ref: VadReference): number {
  let agree = 0;
  let scored = 0;
  probabilities.forEach((p, i) => {
    if (!ref.scored[i]) return;
    scored++;
    if (Number(p >= ref.threshold) === ref.labels[i]) agree++;
  });
  expect(scored).toBeGreaterThan(150);
  return agree / scored;
}
