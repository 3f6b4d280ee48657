// The lab's timing loop with stand-in models: alternation, stop rules, a failing model among working ones.
import { expect, test } from 'vitest';
import { measure } from '../../../demo/lab/cells.js';
import { EdgeInferError, type Model } from '../../../src/index.js';

const calls: string[] = [];
function fake(name: string, ms = 0, failAt = Infinity): Model {
  let n = 0;
  return {
    async run() {
      calls.push(name);
      if (++n >= failAt) throw new EdgeInferError('inference-failed', `${name} failed`);
      if (ms) await new Promise((r) => setTimeout(r, ms));
      return { outputs: { y: { dtype: 'float32', dims: [1], data: Float32Array.of(n) } } };
    },
  } as unknown as Model;
}
const feeds = {};

test('first runs one by one, then rounds of one run each, the order turning each round, until every median settles or maxRuns', async () => {
  calls.length = 0;
  const results = await measure([{ model: fake('a'), feeds }, { model: fake('b'), feeds }, { model: fake('c'), feeds }], { minRuns: 4, maxRuns: 6, budgetMs: 60_000 }, () => false);
  expect(calls.slice(0, 12).join('')).toBe('abc' + 'abc' + 'bca' + 'cab');
  for (const r of results) {
    if (!('timings' in r)) throw new Error('expected timings');
    expect(r.timings.length).toBeGreaterThanOrEqual(4);
    expect(r.timings.length).toBeLessThanOrEqual(6);
    expect(r.outputs.y!.data).toEqual(Float32Array.of(1)); // the first run's outputs
  }
});

test('the budget is per model and ends the rounds, after at least one timed run each', async () => {
  calls.length = 0;
  const t0 = Date.now();
  const results = await measure([{ model: fake('a', 30), feeds }, { model: fake('b', 30), feeds }], { minRuns: 100, maxRuns: 100, budgetMs: 50 }, () => false);
  expect(Date.now() - t0).toBeLessThan(1000);
  for (const r of results) expect('timings' in r && r.timings.length).toBeGreaterThanOrEqual(1);
});

test('stop() ends the rounds once every model has one timed run; a failing model gets its error and the rest go on', async () => {
  calls.length = 0;
  const stopped = await measure([{ model: fake('a'), feeds }, { model: fake('b'), feeds }], { minRuns: 50, maxRuns: 50, budgetMs: 60_000 }, () => true);
  expect(stopped.map((r) => 'timings' in r && r.timings.length)).toEqual([1, 1]);

  const mixed = await measure([{ model: fake('ok'), feeds }, { model: fake('bad', 0, 3), feeds }], { minRuns: 5, maxRuns: 8, budgetMs: 60_000 }, () => false);
  expect('timings' in mixed[0]! && mixed[0].timings.length).toBeGreaterThanOrEqual(5);
  expect(mixed[1]).toEqual({ error: { code: 'inference-failed', message: 'bad failed' } });
});
