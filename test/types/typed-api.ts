// Compile-time checks of the public API: `npm run typecheck` fails if a line marked @ts-expect-error compiles.
import { createRuntime, type Model, type RunResult } from '../../src/index.js';

const runtime = createRuntime();

export async function typedDigits(): Promise<void> {
  const digits = await runtime.load<{ pixels: 'float32' }, { probabilities: 'float32'; logits: 'float32' }>('digits');
  const result = await digits.run({ pixels: new Float32Array(784) });
  const probabilities: Float32Array = result.outputs.probabilities.data;
  void probabilities;
  await digits.run({ pixels: { data: new Float32Array(784), dims: [1, 784] } });

  // @ts-expect-error a misspelled input name
  await digits.run({ pixel: new Float32Array(784) });
  // @ts-expect-error the wrong typed array
  await digits.run({ pixels: new Float64Array(784) });
  // @ts-expect-error an input the model does not have
  await digits.run({ pixels: new Float32Array(784), extra: new Float32Array(1) });
  // @ts-expect-error a missing input
  await digits.run({});
  // @ts-expect-error a misspelled output name
  void result.outputs.probability;
  // @ts-expect-error float32 data is not an Int32Array
  const wrong: Int32Array = result.outputs.logits.data;
  void wrong;
}

export async function untyped(): Promise<void> {
  const model = await runtime.load({ url: '/model.onnx' });
  const result: RunResult = await model.run({ x: new Int32Array(4) });
  void result.outputs.anything?.data;
  // @ts-expect-error a plain array is not a tensor
  await model.run({ x: [1, 2, 3] });
  // @ts-expect-error a string is not a tensor
  await model.run({ x: 'hello' });
  // @ts-expect-error dims must be numbers
  await model.run({ x: { data: new Float32Array(4), dims: ['4'] } });
}

export async function vad(): Promise<void> {
  type VadIn = { input: 'float32'; state: 'float32'; sr: 'int64' };
  const model: Model<VadIn, { output: 'float32'; stateN: 'float32' }> = await runtime.load('vad', { backend: 'wasm' });
  await model.run({ input: new Float32Array(576), state: new Float32Array(256), sr: { data: new BigInt64Array([16000n]), dims: [] } });
  // @ts-expect-error int64 inputs take a BigInt64Array
  await model.run({ input: new Float32Array(576), state: new Float32Array(256), sr: new Int32Array([16000]) });
  // @ts-expect-error a dtype that does not exist
  await runtime.load<{ x: 'float33' }>('x');
}

export async function backendChoice(): Promise<void> {
  createRuntime({ backends: 'auto', backendProbe: { budgetMs: 100, softwareGpu: true } });
  createRuntime({ backends: ['webnn', 'wasm'] });
  // @ts-expect-error 'auto' or a list, nothing else
  createRuntime({ backends: 'fastest' });
  // @ts-expect-error not a backend
  createRuntime({ backends: ['webgl'] });
  const model = await runtime.load('digits', { warmup: true, probeFeeds: { sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) } } });
  const how: 'auto' | 'listed' | 'forced' = model.backendChoice.mode;
  void how;
  // @ts-expect-error probe feeds carry their dtype
  await runtime.load('vad', { probeFeeds: { sr: { dims: [], data: BigInt64Array.of(16000n) } } });
}
