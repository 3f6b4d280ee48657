// A pool of two workers: replicated models answer from both, a worker killed mid-load or mid-run fails only its own
// calls and is replaced with its models, and models with state in their worker stay on one.
import { expect, test } from 'vitest';
import { createRuntime, EdgeInferError, type Model } from '../../src/index.js';
import { crashableRuntime, MODELS, seeded, until } from './helpers.js';

const inputs = Array.from({ length: 8 }, (_, i) => seeded(784, 900 + i).map(Math.abs));

async function expected(): Promise<Float32Array[]> {
  const runtime = createRuntime({ backends: ['wasm'], cache: false });
  const model = await runtime.load({ url: MODELS.digits });
  const out = [];
  for (const pixels of inputs) out.push((await model.run({ pixels })).outputs.probabilities!.data as Float32Array);
  await runtime.dispose();
  return out;
}

test('a model on two workers: runs answer from both, a worker killed mid-run fails only its calls, and it comes back', async () => {
  const want = await expected();
  const { runtime, workers } = crashableRuntime({ workers: 2, cache: false, batching: false, workerTimeoutMs: 1500 });
  const model = await runtime.load({ url: MODELS.digits });
  expect(workers).toHaveLength(2);
  expect(model.workers).toBe(2);

  const round = () => Array.from({ length: 40 }, (_, i) => model.run({ pixels: inputs[i % 8]! }).then((r) => ({ i, r })));
  const settle = async (calls: ReturnType<typeof round>) => {
    let failed = 0;
    for (const s of await Promise.allSettled(calls)) {
      if (s.status === 'fulfilled') expect(s.value.r.outputs.probabilities!.data).toEqual(want[s.value.i % 8]);
      else {
        failed++;
        expect(s.reason).toBeInstanceOf(EdgeInferError);
        expect((s.reason as EdgeInferError).code).toBe('worker-crashed');
      }
    }
    return failed;
  };

  const calls = round();
  workers[1]!.terminate(); // before it reads the runs it was given: they fail once the liveness check notices
  const failed = await settle(calls);
  expect(failed).toBeGreaterThan(0);
  expect(failed).toBeLessThan(40); // the first worker's calls went through

  // Replaced: a third worker holds the model again.
  await until(async () => model.workers, (n) => n === 2, 20_000);
  expect(workers).toHaveLength(3);
  expect(model.workers).toBe(2);
  expect(await settle(round())).toBe(0);

  // The first worker dies now: its calls fail, the replacement answers the rest.
  const more = round();
  workers[0]!.terminate();
  const lost = await settle(more);
  expect(lost).toBeLessThan(40);
  await until(async () => model.workers, (n) => n === 2, 20_000);
  expect(await settle(round())).toBe(0);
  await runtime.dispose();
}, 120_000);

test('a worker killed while it loads the model fails only that load: load() resolves, the model runs, and the worker is replaced', async () => {
  const want = await expected();
  const { runtime, workers } = crashableRuntime({ workers: 2, cache: false, workerTimeoutMs: 3000 });
  const warnings: string[] = [];
  const loading = runtime.load({ url: MODELS.digits }, { onProgress: (e) => e.type === 'warning' && warnings.push(e.code) });
  await until(async () => workers.length, (n) => n === 2, 20_000); // the second worker starts once the first has loaded
  workers[1]!.postMessage({ crash: true });
  const model: Model = await loading;
  const runs = await Promise.all(inputs.map((pixels) => model.run({ pixels })));
  runs.forEach((r, i) => expect(r.outputs.probabilities!.data).toEqual(want[i]));
  await until(async () => model.workers, (n) => n === 2, 20_000);
  expect(model.workers).toBe(2);
  expect(workers).toHaveLength(3);
  expect(warnings).toEqual([]); // the load was tried again on the new worker
  await runtime.dispose();
}, 120_000);

test('a monitored model stays on the first worker; ensembles and streams work on a pool', async () => {
  const runtime = createRuntime({ workers: 2, manifest: '/models/manifest.json', backends: ['wasm'], cache: false, storage: { dbName: `test-pool-${Date.now()}` } });
  const digits = await runtime.load('digits', { precision: 'fp32' });
  const watched = await runtime.load('digits', { precision: 'fp32', monitor: { windowSize: 50 } });
  expect(digits.workers).toBe(2);
  expect(watched.monitor.report().status).not.toBe('off');
  expect(watched.workers).toBe(1);

  const pixels = inputs[0]!;
  const alone = await digits.run({ pixels });
  const composed = await runtime.ensemble([digits, watched], { combine: 'mean' }).run({ pixels });
  expect(composed.outputs.probabilities!.data).toEqual(alone.outputs.probabilities!.data);

  // A stream keeps its state in one worker: the same answers as on a runtime with one worker.
  const pcm = seeded(16000, 3, 0.2);
  const scores = async (model: Model) => {
    const stream = await model.stream({ sampleRate: 16000 });
    const chunks = [await stream.push(pcm.subarray(0, 7000)), await stream.push(pcm.subarray(7000))];
    await stream.close();
    return chunks.flatMap((c) => c.frames.map((f) => (f.prediction as { score: number }).score));
  };
  const vad = await runtime.load('vad');
  expect(vad.workers).toBe(2);
  const single = createRuntime({ manifest: '/models/manifest.json', backends: ['wasm'], storage: { dbName: `test-pool-${Date.now()}` } });
  const want = await scores(await single.load('vad'));
  expect(want.length).toBeGreaterThan(20);
  expect(await scores(vad)).toEqual(want);
  await single.dispose();
  await runtime.dispose();
}, 120_000);

test('workers is checked: an integer from 1 to 16 or auto', () => {
  for (const workers of [0, 17, 1.5, '2']) {
    expect(() => createRuntime({ workers: workers as never })).toThrow(EdgeInferError);
  }
  expect(createRuntime({ workers: 'auto' }).options.workers).toBeGreaterThanOrEqual(1);
});

test('the warm-up runs once in each worker that holds the model', async () => {
  const original = Worker.prototype.postMessage;
  const runs: Worker[] = [];
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: never[]) {
    if (Array.isArray(message)) runs.push(this); // runs travel as arrays, comlink's calls as objects
    return original.call(this, message, ...rest);
  } as typeof original;
  const runtime = createRuntime({ workers: 2, backends: ['wasm'], cache: false });
  try {
    const model = await runtime.load({ url: MODELS.digits }, { warmup: true });
    expect(model.workers).toBe(2);
    expect(runs).toHaveLength(2);
    expect(new Set(runs).size).toBe(2);
  } finally {
    Worker.prototype.postMessage = original;
    await runtime.dispose();
  }
});
