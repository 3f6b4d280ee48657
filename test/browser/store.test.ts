// Model delivery against a real IndexedDB and a test server that fails on purpose (test/server/faulty.ts).
import { expect, test } from 'vitest';
import { expectCode, seeded } from './helpers.js';
import { manifest, publish, recorder, requests, served, storeRuntime, uniqueKey, until } from './store-helpers.js';
import { chunkEntries, put } from './store-idb.js';

const pixels = () => seeded(784, 5).map(Math.abs);

test('the second load is served from IndexedDB with zero model requests', async () => {
  const key = uniqueKey('warm');
  const first = storeRuntime(key);
  const src = await served(key, 'digits');
  const { events, onProgress } = recorder();
  const cold = await first.load(src, { onProgress });
  expect([cold.source, cold.cached]).toEqual(['network', true]);
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['download', 'verify', 'cached', 'ready']));
  const expected = (await cold.run({ pixels: pixels() })).outputs.probabilities!.data;
  await first.dispose();

  const second = storeRuntime(key); // a new worker, as after a reload
  const warm = await second.load(src);
  expect(warm.source).toBe('cache');
  expect((await warm.run({ pixels: pixels() })).outputs.probabilities!.data).toEqual(expected);
  expect(await requests(key)).toHaveLength(1);
  const [listed] = await second.storage.list();
  expect(listed).toMatchObject({ id: 'digits', bytes: src.size, sha256: src.sha256, complete: true });
  await second.dispose();
});

test('corrupted bytes in the store are detected, evicted and fetched again', async () => {
  const key = uniqueKey('corrupt');
  const runtime = storeRuntime(key);
  const src = await served(key, 'forecast');
  await (await runtime.load(src)).dispose();
  await corruptFirstChunk(`test-${key}`);
  const { events, onProgress } = recorder();
  const healed = await runtime.load(src, { onProgress });
  expect(events.some((e) => e.type === 'warning' && e.code === 'cache-corrupt')).toBe(true);
  expect(healed.source).toBe('network');
  expect(await requests(key)).toHaveLength(2);
  expect((await runtime.load(src)).source).toBe('cache');
  await runtime.dispose();
});

test('a truncated answer is completed with a Range request', async () => {
  const key = uniqueKey('truncated');
  const runtime = storeRuntime(key);
  const model = await runtime.load(await served(key, 'digits', 'truncate=300000'));
  expect(model.cached).toBe(true);
  const log = await requests(key);
  expect(log.map((l) => l.status)).toEqual([200, 206]);
  expect(log[1]!.range).toBe('bytes=300000-');
  await runtime.dispose();
});

test('a connection dropped mid-file resumes with Range from the bytes that arrived', async () => {
  const key = uniqueKey('dropped');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits', 'drop=500000&delay=5');
  const model = await runtime.load(src);
  expect(model.cached).toBe(true);
  const log = await requests(key);
  expect(log.map((l) => l.status)).toEqual([200, 206]);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(log[1]!.range!)![1]);
  expect(resumedAt).toBeGreaterThan(0);
  expect(resumedAt).toBeLessThanOrEqual(log[0]!.sent);
  expect(log[1]!.sent).toBe(src.size - resumedAt);
  await runtime.dispose();
});

test('a server that ignores Range gets a full download, and the result still verifies', async () => {
  const key = uniqueKey('norange');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits', 'delay=30');
  const controller = new AbortController();
  const partial = runtime.load(src, {
    signal: controller.signal,
    onProgress: (e) => void (e.type === 'download' && e.loaded > 200_000 && controller.abort()),
  });
  await expectCode(partial, 'aborted');
  await until(async () => (await runtime.storage.list())[0]?.stored);
  const model = await runtime.load({ ...src, url: src.url.replace('delay=30', 'range=0') });
  expect(model.cached).toBe(true);
  const last = (await requests(key)).at(-1)!;
  expect(last.range).toMatch(/^bytes=\d+-$/); // asked to resume...
  expect([last.status, last.sent]).toEqual([200, src.size]); // ...got the whole file, and used it
  await runtime.dispose();
});

test('404 fails at once, 500s are retried, and endless 500s fail with the status', async () => {
  const key = uniqueKey('status');
  const runtime = storeRuntime(key);
  const missing = await expectCode(runtime.load(await served(key, 'digits', 'status=404')), 'model-fetch-failed');
  expect(missing.details).toMatchObject({ status: 404, model: 'digits' });
  expect(await requests(key)).toHaveLength(1);
  expect((await runtime.load(await served(`${key}-b`, 'forecast', 'fail=2'))).cached).toBe(true);
  expect((await requests(`${key}-b`)).map((l) => l.status)).toEqual([500, 500, 200]);
  await runtime.storage.clear();
  const broken = await expectCode(runtime.load(await served(`${key}-c`, 'forecast', 'status=500')), 'model-fetch-failed');
  expect(broken.details).toMatchObject({ status: 500 });
  expect(await requests(`${key}-c`)).toHaveLength(4); // the first try and 3 retries
  await runtime.dispose();
});

test('a wrong sha256 is integrity-mismatch, and nothing is cached or run', async () => {
  const key = uniqueKey('sha');
  const runtime = storeRuntime(key);
  const src = await served(key, 'forecast', 'corrupt=1');
  await expectCode(runtime.load(src), 'integrity-mismatch');
  const wrong = { ...(await served(key, 'forecast')), sha256: 'ab'.repeat(32) };
  await expectCode(runtime.load(wrong), 'integrity-mismatch');
  expect(await runtime.storage.list()).toEqual([]);
  await runtime.dispose();
});

test('an aborted download keeps its chunks and the next load resumes from them', async () => {
  const key = uniqueKey('abort');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits', 'delay=30');
  const controller = new AbortController();
  const aborted = runtime.load(src, {
    signal: controller.signal,
    onProgress: (e) => {
      if (e.type === 'download' && e.loaded > 200_000) controller.abort();
    },
  });
  await expectCode(aborted, 'aborted');
  const [partial] = await until(async () => {
    const list = await runtime.storage.list();
    return list.length > 0 && list[0]!.stored > 0 && list;
  });
  expect(partial).toMatchObject({ complete: false });
  expect(partial!.stored % 65536).toBe(0);
  const model = await runtime.load({ ...src, url: src.url.replace('delay=30', '') });
  expect(model.cached).toBe(true);
  const log = await requests(key);
  expect(log.at(-1)!.range).toBe(`bytes=${partial!.stored}-`);
  expect(log.at(-1)!.sent).toBe(src.size - partial!.stored);
  await runtime.dispose();
});

test('two concurrent loads of one model share one download', async () => {
  const key = uniqueKey('shared');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits', 'delay=2');
  const [a, b] = await Promise.all([runtime.load(src), runtime.load(src)]);
  expect([a.source, b.source]).toEqual(['network', 'network']);
  expect(await requests(key)).toHaveLength(1);
  await runtime.dispose();
});

test('a small storage limit evicts the least recently used models, whole', async () => {
  const key = uniqueKey('lru');
  const sizes = Object.fromEntries((await manifest()).models.map((m) => [m.id, m.bytes]));
  const runtime = storeRuntime(key, { storage: { maxBytes: sizes.digits! + sizes.forecast! - 1 } });
  await (await runtime.load(await served(key, 'forecast'))).dispose();
  await (await runtime.load(await served(key, 'digits'))).dispose(); // needs forecast's room
  expect((await runtime.storage.list()).map((m) => m.id)).toEqual(['digits']);
  const usage = await runtime.storage.usage();
  expect(usage.bytes).toBe(sizes.digits);
  expect(usage.limit).toBe(sizes.digits! + sizes.forecast! - 1);
  await runtime.dispose();
});

test('storage.delete and storage.clear remove cached models', async () => {
  const key = uniqueKey('delete');
  const runtime = storeRuntime(key);
  await runtime.load(await served(key, 'forecast'));
  await runtime.load(await served(key, 'digits'));
  expect(await runtime.storage.delete('forecast')).toBe(1);
  expect((await runtime.storage.list()).map((m) => m.id)).toEqual(['digits']);
  await runtime.storage.clear();
  expect(await runtime.storage.list()).toEqual([]);
  await expectCode(runtime.storage.delete(''), 'options-invalid');
  await runtime.dispose();
});

test('a new version downloads while the old one keeps serving, which is removed once the new one is ready', async () => {
  const key = uniqueKey('upgrade');
  const entries = (await manifest()).models;
  const v1 = { ...entries.find((m) => m.id === 'forecast')!, id: 'model', version: '1.0.0' };
  const v2 = { ...entries.find((m) => m.id === 'digits')!, id: 'model', version: '2.0.0' };
  // Only the fp32 files: this test is about versions, not int8 variants.
  const at = ({ variants: _, ...e }: typeof v1 & { variants?: unknown }) => ({ ...e, file: `/__test/file/${key}/${e.file}` });
  const url = await publish(key, [at(v1)]);
  const runtime = storeRuntime(key, { manifest: url });
  const first = await runtime.load('model');
  expect([first.version, first.source]).toEqual(['1.0.0', 'network']);

  await publish(key, [at(v2)]);
  const second = await runtime.load('model');
  expect([second.version, second.source]).toEqual(['1.0.0', 'cache']); // the old version keeps serving
  expect(second.inputs[0]!.name).toBe('history');
  await until(async () => {
    const list = await runtime.storage.list();
    return list.length === 1 && list[0]!.version === '2.0.0' && list[0]!.complete;
  });
  const third = await runtime.load('model');
  expect([third.version, third.source]).toEqual(['2.0.0', 'cache']);
  expect(third.inputs[0]!.name).toBe('pixels');

  await expectCode(runtime.load('model', { version: '1.0.0' }), 'model-unknown'); // gone, and not in the manifest
  const pinned = await runtime.load('model', { version: '2.0.0' });
  expect(pinned.version).toBe('2.0.0');
  await expectCode(runtime.load('nope'), 'model-unknown');
  await runtime.dispose();
});

test('bad manifests and bad load options fail clearly', async () => {
  const key = uniqueKey('manifest');
  const runtime = storeRuntime(key);
  await expectCode(runtime.load('digits'), 'options-invalid'); // no manifest anywhere
  const bad = await publish(key, [{ id: 'x', version: '1', file: 'x.onnx', bytes: -1, sha256: 'nope' }]);
  await expectCode(runtime.load('x', { manifest: bad }), 'manifest-invalid');
  await expectCode(runtime.load({ url: '/x.onnx', sha256: 'XYZ' }), 'options-invalid');
  await expectCode(runtime.load({ url: '/x.onnx' }, { signal: 'stop' as never }), 'options-invalid');
  const controller = new AbortController();
  controller.abort();
  await expectCode(runtime.load('digits', { manifest: bad, signal: controller.signal }), 'aborted');
  await runtime.dispose();
});

/** Flips a byte of the first stored chunk straight in IndexedDB, as disk corruption would. */
async function corruptFirstChunk(dbName: string): Promise<void> {
  const [[key, bytes]] = (await chunkEntries(dbName)).filter(([k]) => (k as unknown[])[2] === 0) as [[IDBValidKey, Uint8Array<ArrayBuffer>]];
  bytes[100] = bytes[100]! ^ 0xff;
  await put(dbName, key, new Blob([bytes]));
}
