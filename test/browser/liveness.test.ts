// Workers that stop without an error event, and runs that take too long: nothing may stay pending.
import { expect, test } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { crashableRuntime, expectCode, MODELS, seeded, vadFeeds, vadProbe } from './helpers.js';

function withFixtureWorker(workerTimeoutMs: number | false) {
  return crashableRuntime({ workerTimeoutMs });
}

const stops: [string, (worker: Worker) => void][] = [
  ['terminated from outside', (w) => w.terminate()],
  ['closed by itself', (w) => w.postMessage({ close: true })],
  ['stuck in a long task', (w) => w.postMessage({ hang: 3000 })],
];

for (const [how, stop] of stops) {
  test(`a worker ${how} fails pending runs with worker-crashed within the liveness timeout, and the runtime recovers`, async () => {
    const { runtime, workers } = withFixtureWorker(2000);
    const vad = await runtime.load({ url: MODELS.vad });
    stop(workers[0]!);
    const started = performance.now();
    const pending = Array.from({ length: 20 }, (_, i) => vad.run(vadFeeds(seeded(512, i))));
    for (const s of await Promise.allSettled(pending)) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'worker-crashed' });
    }
    expect(performance.now() - started).toBeLessThan(6000);
    await expectCode(vad.run(vadFeeds(seeded(512, 1))), 'worker-crashed');
    // Warmed inside the load, which a new worker gets longer for: a first run can take seconds on a busy machine.
    const again = await runtime.load({ url: MODELS.vad }, { warmup: true, probeFeeds: vadProbe() });
    expect(workers).toHaveLength(2);
    expect((await again.run(vadFeeds(seeded(512, 1)))).outputs.output!.dims).toEqual([1, 1]);
    await runtime.dispose();
  });
}

test('without the liveness check a terminated worker leaves runs pending (what the check prevents)', async () => {
  const { runtime, workers } = withFixtureWorker(false);
  const digits = await runtime.load({ url: MODELS.digits });
  workers[0]!.terminate();
  const run = digits.run({ pixels: seeded(784, 1) }, { cache: false });
  const outcome = await Promise.race([run.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 800))]);
  expect(outcome).toBe('pending');
  await runtime.dispose(); // rejects it
  await expectCode(run, 'runtime-disposed');
});

test('run({ timeoutMs }) rejects with timeout when the worker is busy, and later runs still work', async () => {
  const { runtime, workers } = withFixtureWorker(false);
  const digits = await runtime.load({ url: MODELS.digits });
  const pixels = seeded(784, 2).map(Math.abs);
  const expected = (await digits.run({ pixels }, { cache: false })).outputs.probabilities!.data;
  workers[0]!.postMessage({ hang: 600 });
  const error = await expectCode(digits.run({ pixels }, { cache: false, timeoutMs: 100 }), 'timeout');
  expect(error.details).toMatchObject({ model: digits.id, timeoutMs: 100 });
  expect((await digits.run({ pixels }, { cache: false, timeoutMs: 5000 })).outputs.probabilities!.data).toEqual(expected);
  await expectCode(digits.run({ pixels }, { timeoutMs: -1 }), 'options-invalid');
  await runtime.dispose();
});

test('workerTimeoutMs is validated', () => {
  for (const bad of [0, -1, Number.NaN, '1000', true]) {
    expect(() => createRuntime({ workerTimeoutMs: bad as never })).toThrowError(expect.objectContaining({ code: 'options-invalid' }));
  }
});
