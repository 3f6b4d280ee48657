// The int8 variants in models/manifest.json load through the SDK in Chromium with the fp32 signature and stay
// inside the quality gates on each backend. The VAD's quality is judged on WASM (WebGPU computes even its fp32
// graph wrongly on SwiftShader; see docs/architecture.md).
import { afterAll, describe, expect, test } from 'vitest';
import { createRuntime, type Model } from '../../src/index.js';
import { digitsTestSet, forecastTestSet, json, speech } from './data.js';

interface Variant {
  mode: string;
  file: string;
}
interface Manifest {
  models: { id: string; file: string; variants?: Variant[] }[];
}

const manifest = await json<Manifest>('/models/manifest.json');
const variantsOf = (id: string) => manifest.models.find((m) => m.id === id)?.variants ?? [];
const url = (file: string) => `/models/${file}`;

async function digitsAccuracy(model: Model): Promise<number> {
  const { pixels, labels } = await digitsTestSet();
  let correct = 0;
  for (let start = 0; start < labels.length; start += 64) {
    const rows = Math.min(64, labels.length - start);
    const p = (await model.run({ pixels: { data: pixels.slice(start * 784, (start + rows) * 784), dims: [rows, 784] } })).outputs.probabilities!.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      const row = p.subarray(r * 10, r * 10 + 10);
      if (row.indexOf(Math.max(...row)) === labels[start + r]) correct++;
    }
  }
  return correct / labels.length;
}

async function forecastMae(model: Model): Promise<number> {
  const { histories, targets, n } = await forecastTestSet();
  const y = (await model.run({ history: { data: histories, dims: [n, 36] } })).outputs.forecast!.data as Float32Array;
  return y.reduce((sum, v, i) => sum + Math.abs(v - targets[i]!), 0) / y.length;
}

describe.each(['wasm', 'webgpu'] as const)('int8 variants on %s', (backend) => {
  const runtime = createRuntime({ backends: [backend] });
  afterAll(() => runtime.dispose());
  const load = (file: string) => runtime.load({ url: url(file), id: file });

  test.each(variantsOf('digits'))('digits $mode: fp32 signature, accuracy within 0.5 points of fp32', async (v) => {
    const fp32 = await load('digits/model.onnx');
    const int8 = await load(v.file);
    expect(int8.backend).toBe(backend);
    expect({ inputs: int8.inputs, outputs: int8.outputs }).toEqual({ inputs: fp32.inputs, outputs: fp32.outputs });
    const [a, b] = [await digitsAccuracy(fp32), await digitsAccuracy(int8)];
    expect((a - b) * 100).toBeLessThanOrEqual(0.5);
    await Promise.all([fp32.dispose(), int8.dispose()]);
  });

  test.each(variantsOf('forecast'))('forecast $mode: fp32 signature, MAE within 2% of fp32', async (v) => {
    const fp32 = await load('forecast/model.onnx');
    const int8 = await load(v.file);
    expect({ inputs: int8.inputs, outputs: int8.outputs }).toEqual({ inputs: fp32.inputs, outputs: fp32.outputs });
    expect(await forecastMae(int8)).toBeLessThanOrEqual(1.02 * (await forecastMae(fp32)));
    await Promise.all([fp32.dispose(), int8.dispose()]);
  });

  test.each(variantsOf('vad'))('vad $mode: fp32 signature; on WASM, decisions agree with fp32 on 99% of frames', async (v) => {
    const int8 = await load(v.file);
    expect(int8.inputs.map((i) => [i.name, i.dtype])).toEqual([['input', 'float32'], ['state', 'float32'], ['sr', 'int64']]);
    expect(int8.outputs.map((o) => o.name)).toEqual(['output', 'stateN']);
    const ref = await json<{ probabilities: number[]; threshold: number }>('/models/vad/reference.json');
    const samples = await speech();
    const frames = backend === 'wasm' ? ref.probabilities.length : 4;
    let state = new Float32Array(256);
    let same = 0;
    for (let f = 0; f < frames; f++) {
      const input = new Float32Array(576);
      if (f > 0) input.set(samples.subarray(f * 512 - 64, f * 512));
      input.set(samples.subarray(f * 512, f * 512 + 512), 64);
      const out = await int8.run({ input: { data: input, dims: [1, 576] }, state: { data: state, dims: [2, 1, 128] }, sr: { data: BigInt64Array.of(16000n), dims: [] } });
      state = Float32Array.from(out.outputs.stateN!.data as Float32Array);
      if (((out.outputs.output!.data[0] as number) >= ref.threshold) === (ref.probabilities[f]! >= ref.threshold)) same++;
    }
    if (backend === 'wasm') expect(same / frames).toBeGreaterThanOrEqual(0.99);
    await int8.dispose();
  });
});
