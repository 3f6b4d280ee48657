// Workers killed at random points: every call settles with the right answer or a documented code, and the runtime
// always recovers to bit-exact results.
import { expect, test } from 'vitest';
import { EdgeInferError, type Model } from '../../src/index.js';
import { crashableRuntime, MODELS, seeded } from './helpers.js';

const ROUNDS = 4;

test(`${ROUNDS} rounds of runs and loads with the worker crashed, closed or terminated at random moments`, async () => {
  const { runtime, workers } = crashableRuntime({ workerTimeoutMs: 3000, cache: false });
  const inputs = Array.from({ length: 8 }, (_, i) => seeded(784, 500 + i).map(Math.abs));
  let model: Model = await runtime.load({ url: MODELS.digits });
  const expected = await Promise.all(inputs.map(async (pixels) => (await model.run({ pixels })).outputs.probabilities!.data));
  let random = 12345;
  const next = () => (random = (random * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const kills: ((w: Worker) => void)[] = [(w) => w.terminate(), (w) => w.postMessage({ close: true }), (w) => w.postMessage({ crash: true })];
  let failed = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const calls = Array.from({ length: 60 }, (_, i) => model.run({ pixels: inputs[i % inputs.length]! }).then((r) => ({ i, r })));
    const worker = workers.at(-1)!;
    // Round 0 kills in the same task, before the runs reach the worker: at least one kill lands mid-flight.
    if (round > 0) await new Promise((r) => setTimeout(r, next() * 5));
    kills[Math.floor(next() * kills.length)]!(worker);
    const settled = await Promise.allSettled(calls);
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        expect(s.value.r.outputs.probabilities!.data).toEqual(expected[s.value.i % inputs.length]);
      } else {
        failed++;
        expect(s.reason).toBeInstanceOf(EdgeInferError);
        expect((s.reason as EdgeInferError).code).toBe('worker-crashed');
      }
    }
    model = await runtime.load({ url: MODELS.digits }); // a new worker
    const again = await Promise.all(inputs.map((pixels) => model.run({ pixels })));
    again.forEach((r, i) => expect(r.outputs.probabilities!.data).toEqual(expected[i]));
  }
  expect(failed).toBeGreaterThan(0); // the kills did land mid-flight
  expect(workers).toHaveLength(ROUNDS + 1);
  await runtime.dispose();
}, 180_000);
