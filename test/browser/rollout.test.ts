// Manifest rollouts: the bucket picks the version, sticky across reloads and offline; `version` pins; a variant
// that cannot be downloaded, verified or loaded falls back to stable at once, with the reason.
import { get } from 'idb-keyval';
import { expect, test } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { bucketOf } from '../../src/store/rollout.js';
import { manifest, publish, recorder, storeRuntime, uniqueKey } from './store-helpers.js';

const SALT = 'test-salt';
/** A unit id whose bucket for model `model` is in [lo, hi). */
const unitIn = (lo: number, hi: number) => {
  for (let i = 0; ; i++) {
    const b = bucketOf(SALT, 'model', `unit-${i}`);
    if (b >= lo && b < hi) return `unit-${i}`;
  }
};
const inVariant = unitIn(0, 0.5);
const inStable = unitIn(0.5, 1);

/**
 * Model `model`: stable 1.0.0 is the forecast model (input `history`), variant 2.0.0 the digits model (input
 * `pixels`), at weight 0.5; `variant` overrides the variant's entry (a broken file).
 */
async function rollout(key: string, variant: Record<string, unknown> = {}) {
  const entries = (await manifest()).models;
  const strip = ({ variants: _, ...e }: (typeof entries)[number] & { variants?: unknown }) => ({ ...e, file: `/__test/file/${key}/${e.file}` });
  const stable = { ...strip(entries.find((m) => m.id === 'forecast')!), id: 'model', version: '1.0.0' };
  const next = { ...strip(entries.find((m) => m.id === 'digits')!), id: 'model', version: '2.0.0', ...variant };
  const rules = { rollout: { stable: '1.0.0', variants: [{ version: '2.0.0', weight: 0.5 }], salt: SALT } };
  return publish(key, [{ ...stable, ...rules }, next] as never);
}
const offline = (key: string) => fetch(`/__test/manifest/${key}`, { method: 'PUT', body: '' }); // now 404s

test('unitId chooses the arm deterministically; version pins', async () => {
  const key = uniqueKey('rollout-unit');
  const runtime = storeRuntime(key, { manifest: await rollout(key) });
  const v = await runtime.load('model', { unitId: inVariant });
  expect([v.version, v.inputs[0]!.name]).toEqual(['2.0.0', 'pixels']);
  expect(v.assignment).toEqual({ version: '2.0.0', arm: 'variant' });
  const s = await runtime.load('model', { unitId: inStable });
  expect([s.version, s.inputs[0]!.name]).toEqual(['1.0.0', 'history']);
  expect(s.assignment).toEqual({ version: '1.0.0', arm: 'stable' });
  const pinned = await runtime.load('model', { unitId: inVariant, version: '1.0.0' });
  expect(pinned.assignment).toEqual({ version: '1.0.0', arm: 'pinned' });
  expect(pinned.inputs[0]!.name).toBe('history');
  const url = await runtime.load({ url: '/models/digits/model.onnx' });
  expect(url.assignment).toBeUndefined();
  await runtime.dispose();
}, 60_000);

test('the background refresh after a cached load keeps the variant (it does not swap it for stable)', async () => {
  const key = uniqueKey('rollout-refresh');
  const runtime = storeRuntime(key, { manifest: await rollout(key) });
  expect((await runtime.load('model', { unitId: inVariant })).source).toBe('network');
  const again = await runtime.load('model', { unitId: inVariant }); // from the cache: starts a manifest check
  expect([again.version, again.source, again.assignment?.arm]).toEqual(['2.0.0', 'cache', 'variant']);
  await new Promise((r) => setTimeout(r, 1500)); // ample for a check that would fetch the small stable model
  expect((await runtime.storage.list()).map((m) => [m.version, m.complete])).toEqual([['2.0.0', true]]);
  await runtime.dispose();
}, 60_000);

test('an old manifest gives arm stable', async () => {
  const key = uniqueKey('rollout-old');
  const digits = (await manifest()).models.find((m) => m.id === 'digits')!;
  const { variants: _, ...entry } = digits as typeof digits & { variants?: unknown };
  const runtime = storeRuntime(key, { manifest: await publish(key, [{ ...entry, file: `/models/${digits.file}` }]) });
  expect((await runtime.load('digits')).assignment).toEqual({ version: digits.version, arm: 'stable' });
  await runtime.dispose();
}, 60_000);

test('the install id is made once, kept in IndexedDB, and keeps the arm across reloads and offline', async () => {
  const key = uniqueKey('rollout-sticky');
  const url = await rollout(key);
  const first = storeRuntime(key, { manifest: url });
  const a = await first.load('model');
  await first.dispose();
  const id = await get<string>('id', openStore(`test-${key}-install`));
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  const expected = bucketOf(SALT, 'model', id!) < 0.5 ? '2.0.0' : '1.0.0';
  expect(a.assignment).toEqual({ version: expected, arm: expected === '2.0.0' ? 'variant' : 'stable' });

  // A reload: same database, same install id, same arm, from the cache.
  const second = storeRuntime(key, { manifest: url });
  const b = await second.load('model');
  expect([b.version, b.source]).toEqual([expected, 'cache']);
  expect(b.assignment).toEqual(a.assignment);
  await second.dispose();
  expect(await get<string>('id', openStore(`test-${key}-install`))).toBe(id);

  // Offline (the manifest 404s): the cached manifest keeps the arm, and still assigns other units by bucket.
  await offline(key);
  const third = storeRuntime(key, { manifest: url });
  const c = await third.load('model');
  expect([c.version, c.source]).toEqual([expected, 'cache']);
  expect(c.assignment).toEqual(a.assignment);
  const other = expected === '2.0.0' ? inStable : inVariant;
  const d = await third.load('model', { unitId: other });
  expect(d.version).toBe(expected === '2.0.0' ? '1.0.0' : '2.0.0');
  expect(d.assignment?.arm).toBe(expected === '2.0.0' ? 'stable' : 'variant');
  await third.dispose();
}, 90_000);

test.each<[string, (key: string, sha256: string) => Record<string, unknown>, RegExp]>([
  ['404s', (key) => ({ file: `/__test/file/${key}/digits/model.onnx?status=404` }), /^load-failed: model-fetch-failed: .*404/],
  ['has a wrong sha256', () => ({ sha256: 'ab'.repeat(32) }), /^load-failed: integrity-mismatch: /],
  ['is not a model onnxruntime can load', (_, sha256) => ({ file: new URL('./fixtures/unknown-op.onnx', import.meta.url).href, sha256, bytes: undefined }), /^load-failed: model-invalid: /],
])('a variant that %s falls back to stable with the reason', async (_, broken, reason) => {
  const key = uniqueKey('rollout-broken');
  const fixture = new Uint8Array(await (await fetch(new URL('./fixtures/unknown-op.onnx', import.meta.url))).arrayBuffer());
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', fixture));
  const sha256 = Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
  const variant = broken(key, sha256);
  if ('bytes' in variant) variant.bytes = fixture.byteLength;
  const runtime = storeRuntime(key, { manifest: await rollout(key, variant) });
  const { events, onProgress } = recorder();
  const model = await runtime.load('model', { unitId: inVariant, onProgress });
  expect([model.version, model.inputs[0]!.name]).toEqual(['1.0.0', 'history']);
  expect(model.assignment).toMatchObject({ version: '1.0.0', arm: 'rolled-back', from: '2.0.0' });
  expect(model.assignment!.reason).toMatch(reason);
  expect(events.filter((e) => e.type === 'warning' && e.code === 'rolled-back')).toHaveLength(1);
  expect((await model.run({ history: new Float32Array(model.inputs[0]!.dims!.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1)) })).outputs).toBeDefined();
  // A broken file is remembered (the next load goes straight to stable); a failed download is tried again.
  const again = recorder();
  const next = await runtime.load('model', { unitId: inVariant, onProgress: again.onProgress });
  const remembered = !reason.source.includes('fetch-failed');
  expect(next.assignment).toMatchObject({ version: '1.0.0', arm: 'rolled-back', from: '2.0.0' });
  expect(again.events.filter((e) => e.type === 'warning' && e.code === 'rolled-back')).toHaveLength(remembered ? 0 : 1);
  await runtime.dispose();
}, 60_000);

test('a malformed rollout loads nothing: manifest-invalid', async () => {
  const key = uniqueKey('rollout-bad');
  const entries = (await manifest()).models;
  const digits = { ...entries.find((m) => m.id === 'digits')!, file: '/models/digits/model.onnx' };
  const url = await publish(key, [{ ...digits, rollout: { stable: digits.version, variants: [{ version: '9.9.9', weight: 0.1 }] } } as never]);
  const runtime = storeRuntime(key, { manifest: url });
  await expect(runtime.load('digits')).rejects.toMatchObject({ code: 'manifest-invalid', message: expect.stringContaining('models[0].rollout.variants[0].version') });
  expect(await runtime.storage.list()).toEqual([]);
  await runtime.dispose();
}, 60_000);
