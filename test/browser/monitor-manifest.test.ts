// A profile named by the manifest: verified like weights and cached beside the model; a missing or wrong one leaves
// the model running unmonitored, with a warning, rather than failing the app's load.
import { expect, test } from 'vitest';
import { buildProfile } from '../../src/monitor/profile.js';
import { seeded } from './helpers.js';
import { manifest, publish, recorder, storeRuntime, uniqueKey } from './store-helpers.js';

async function digitsProfileFile(): Promise<{ file: string; bytes: number; sha256: string }> {
  const key = uniqueKey('profile-source');
  const runtime = storeRuntime(key);
  const model = await runtime.load({ url: '/models/digits/model.onnx', id: 'digits' });
  const pixels = seeded(400 * 784, 3).map(Math.abs);
  const { outputs } = await model.run({ pixels: { data: pixels, dims: [400, 784] } });
  const profile = buildProfile({
    inputs: model.inputs, outputs: model.outputs, sha256: model.sha256, calibrationWindows: 100,
    rows: { inputs: { pixels: { dtype: 'float32', dims: [400, 784], data: pixels } }, outputs: outputs as never },
  });
  await runtime.dispose();
  const bytes = new TextEncoder().encode(JSON.stringify(profile));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return { file: URL.createObjectURL(new Blob([bytes])), bytes: bytes.length, sha256 };
}

async function digitsWith(key: string, profile?: { file: string; bytes: number; sha256: string }) {
  const digits = (await manifest()).models.find((m) => m.id === 'digits')!;
  const { profile: _bundled, variants: _int8, ...entry } = digits as typeof digits & { profile?: unknown; variants?: unknown };
  return publish(key, [{ ...entry, file: `/models/${digits.file}`, ...(profile ? { profile } : {}) } as never]);
}

test('a manifest profile is verified, used and cached beside the model; a wrong or missing one leaves the model unmonitored', async () => {
  const good = await digitsProfileFile();
  const key = uniqueKey('monitor-manifest');
  const runtime = storeRuntime(key, { manifest: await digitsWith(key, good) });
  const monitored = await runtime.load('digits', { monitor: { windowSize: 50 } });
  expect(monitored.monitor.report()).toMatchObject({ status: 'warming-up', windowSize: 50 });
  expect((await runtime.storage.list()).map((m) => m.id).sort()).toEqual(['digits', 'digits.profile']);
  for (let i = 0; i < 50; i++) await monitored.run({ pixels: seeded(784, 100 + i).map(Math.abs) });
  await new Promise((r) => setTimeout(r, 50));
  expect(monitored.monitor.report().windows).toBe(1);
  await runtime.dispose();

  for (const [name, profile] of [['wrong sha256', { ...good, sha256: 'ab'.repeat(32) }], ['no profile', undefined]] as const) {
    const k = uniqueKey('monitor-manifest-bad');
    const bad = storeRuntime(k, { manifest: await digitsWith(k, profile) });
    const { events, onProgress } = recorder();
    const model = await bad.load('digits', { monitor: {}, onProgress });
    const report = model.monitor.report();
    expect(report.status, name).toBe('off');
    expect(report.reason, name).toMatch(profile ? /integrity|sha-?256/i : /names no profile/);
    expect(events.filter((e) => e.type === 'warning' && e.code === 'monitor-off'), name).toHaveLength(1);
    expect((await model.run({ pixels: seeded(784, 1).map(Math.abs) })).predictionId, name).toBeUndefined(); // runs, unmonitored
    await bad.dispose();
  }
}, 120_000);
