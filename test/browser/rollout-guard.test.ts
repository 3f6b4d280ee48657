// Guardrails and shadow runs on the device: a variant that returns NaN, runs many times slower or disagrees with
// stable is rolled back in its live handle (remembered across reloads, cleared by a new variant version); a shadow
// never changes what the caller gets.
import { expect, test } from 'vitest';
import type { Model, RollbackEvent } from '../../src/index.js';
import { publish, storeRuntime, uniqueKey, until } from './store-helpers.js';
import { sha256Hex } from '../../src/store/integrity.js';

const fixture = async (name: string) => {
  const url = new URL(`./fixtures/${name}.onnx`, import.meta.url).href;
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return { file: url, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
};

/** Model `scores`: stable 1.0.0 is y = x; `variant` (a fixture name) at `weight`, with the given rollout fields. */
async function scores(key: string, variant: string, rules: Record<string, unknown>, weight = 1, version = '2.0.0') {
  const stable = { id: 'scores', version: '1.0.0', ...(await fixture('scores')) };
  const next = { id: 'scores', version, ...(await fixture(variant)) };
  return publish(key, [{ ...stable, rollout: { stable: '1.0.0', variants: [{ version, weight }], ...rules } }, next] as never);
}

/** `n` runs of different rows (the output cache never answers them); the last result. */
async function runs(model: Model, n: number, start = 0) {
  let last;
  for (let i = start; i < start + n; i++) last = await model.run({ x: new Float32Array([i % 7, 3, (i * 5) % 11, 1]) });
  return last!;
}

const rolledBack = (model: Model) => new Promise<RollbackEvent>((resolve) => model.rollout.on('rollback', resolve));

test.each<[string, string, Record<string, unknown>, RegExp]>([
  ['returns NaN', 'scores-nan', { minRuns: 10, maxErrorRate: 0.2 }, /^100% failed over the last 10 runs, limit 20%$/],
  ['is many times slower', 'scores-slow', { minRuns: 10, maxP95Ms: 1.5 }, /^p95 [\d.]+ ms over the last 10 runs, limit 1.5 ms$/],
  ['disagrees with stable', 'scores-flipped', { minRuns: 10, minAgreement: 0.9, sampleRate: 1 }, /^agreed with stable on 0% of the last 10 compared runs, limit 90%$/],
])('a variant that %s is rolled back to stable in its live handle', async (_, variant, guardrails, detail) => {
  const key = uniqueKey('guard');
  const runtime = storeRuntime(key, { manifest: await scores(key, variant, { guardrails }) });
  const model = await runtime.load('scores');
  expect(model.assignment).toEqual({ version: '2.0.0', arm: 'variant' });
  const event = rolledBack(model);
  await until(async () => (await model.rollout.report()).second?.ready ?? true); // stable, where it runs beside
  await runs(model, 30);
  const got = await Promise.race([event, until<RollbackEvent>(async () => false, 30_000)]);
  const code = { 'scores-nan': 'max-error-rate', 'scores-slow': 'max-p95-ms', 'scores-flipped': 'min-agreement' }[variant];
  expect(got).toMatchObject({ from: '2.0.0', to: '1.0.0', code, applied: true });
  expect(got.detail).toMatch(detail);
  // Stable now serves the same handle: y = x.
  expect(model.version).toBe('1.0.0');
  expect(model.assignment).toMatchObject({ version: '1.0.0', arm: 'rolled-back', from: '2.0.0' });
  expect(model.assignment!.reason).toBe(`${code}: ${got.detail}`);
  expect(model.sha256).toBe((await fixture('scores')).sha256);
  expect(Array.from((await model.run({ x: new Float32Array([0.5, 2, -1, 4]) })).outputs.y!.data as Float32Array)).toEqual([0.5, 2, -1, 4]);
  await runtime.dispose();

  // Remembered: the next visit runs stable from the start, with the same reason.
  const reload = storeRuntime(key, { manifest: await scores(key, variant, { guardrails }) });
  const again = await reload.load('scores');
  expect([again.version, again.assignment?.arm, again.assignment?.from]).toEqual(['1.0.0', 'rolled-back', '2.0.0']);
  await reload.dispose();

  // Cleared by a new variant version: the device tries it, once its background check of the manifest fetched it
  // (the load itself is served from the cache, as any update is).
  const next = storeRuntime(key, { manifest: await scores(key, variant, { guardrails }, 1, '3.0.0') });
  expect((await next.load('scores')).version).toBe('1.0.0');
  await until(async () => (await next.storage.list()).some((m) => m.version === '3.0.0' && m.complete));
  expect((await next.load('scores')).assignment).toEqual({ version: '3.0.0', arm: 'variant' });
  await next.dispose();
}, 90_000);

test('a variant within its guardrails keeps serving, and report() says how it is doing', async () => {
  const key = uniqueKey('guard-ok');
  const guardrails = { minRuns: 10, maxErrorRate: 0.1, minAgreement: 0.9, sampleRate: 1 };
  // The slow variant computes what stable computes: it agrees, and no time limit is set.
  const runtime = storeRuntime(key, { manifest: await scores(key, 'scores-slow', { guardrails }) });
  const model = await runtime.load('scores', { warmup: true });
  let rollbacks = 0;
  model.rollout.on('rollback', () => rollbacks++);
  await until(async () => (await model.rollout.report()).second?.ready);
  await runs(model, 20);
  const report = await until(async () => {
    const r = await model.rollout.report();
    return (r.second?.runs ?? 0) >= 10 && r;
  });
  expect(report.assignment).toEqual({ version: '2.0.0', arm: 'variant' });
  expect(report.guard).toMatchObject({ limits: guardrails, failed: 0, errorRate: 0, agreement: 1 });
  expect(report.guard!.runs).toBe(20); // the app's runs: the warm-up before load() resolved is not counted
  expect(report.second).toMatchObject({ version: '1.0.0', role: 'reference', ready: true, errors: 0, maxAbsDiff: 0 });
  expect(rollbacks).toBe(0);
  expect(model.version).toBe('2.0.0');
  await runtime.dispose();
}, 60_000);

test('a shadow runs on a sample off the caller path: it never changes what the caller gets', async () => {
  const key = uniqueKey('shadow');
  // Everyone on stable (y = x), shadowing the flipped model (y = −x) on every run.
  const runtime = storeRuntime(key, { manifest: await scores(key, 'scores-flipped', { shadow: { version: '2.0.0', sampleRate: 1 } }, 0) });
  const model = await runtime.load('scores');
  expect(model.assignment).toEqual({ version: '1.0.0', arm: 'stable' });
  await until(async () => (await model.rollout.report()).second?.ready);
  for (let i = 0; i < 20; i++) {
    const x = new Float32Array([i, 1, 2, 3]);
    expect(Array.from((await model.run({ x })).outputs.y!.data as Float32Array)).toEqual(Array.from(x));
  }
  const report = await until(async () => {
    const r = await model.rollout.report();
    return (r.second?.runs ?? 0) + (r.second?.skipped ?? 0) >= 20 && r;
  });
  expect(report.second).toMatchObject({ version: '2.0.0', role: 'shadow', agreed: 0, errors: 0 });
  expect(report.second!.runs).toBeGreaterThan(0);
  expect(report.second!.maxAbsDiff).toBeGreaterThan(0);
  expect(report.guard).toBeUndefined();
  expect(model.version).toBe('1.0.0');
  await runtime.dispose();
}, 60_000);

test('a pinned version runs no shadow and no guardrails', async () => {
  const key = uniqueKey('shadow-pinned');
  const runtime = storeRuntime(key, { manifest: await scores(key, 'scores-nan', { shadow: { version: '2.0.0', sampleRate: 1 }, guardrails: { minRuns: 1, maxErrorRate: 0 } }) });
  const model = await runtime.load('scores', { version: '2.0.0' });
  await runs(model, 5);
  expect(await model.rollout.report()).toEqual({ assignment: { version: '2.0.0', arm: 'pinned' } });
  await runtime.dispose();
}, 60_000);
