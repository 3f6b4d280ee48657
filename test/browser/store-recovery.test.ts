// The store recovering from what other code, other tabs and failing disks do to its IndexedDB database.
import { expect, test } from 'vitest';
import { expectCode } from './helpers.js';
import { createBrokenDatabase, deleteDatabase, entries, isChunk, isMeta, put, upgradeDatabase } from './store-idb.js';
import { recorder, served, storeRuntime, uniqueKey } from './store-helpers.js';

const warnings = (events: { type: string; code?: string }[]) => events.filter((e) => e.type === 'warning').map((e) => e.code);

test('a database deleted or upgraded from elsewhere is reopened on the next use', async () => {
  const key = uniqueKey('reopen');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits');
  await runtime.load(src);
  await deleteDatabase(`test-${key}`);
  const { events, onProgress } = recorder();
  const again = await runtime.load(src, { onProgress });
  expect([again.source, again.cached, warnings(events)]).toEqual(['network', true, []]);
  expect((await runtime.storage.list()).map((m) => m.complete)).toEqual([true]);

  await upgradeDatabase(`test-${key}`); // the worker's connection gets versionchange and must let go
  expect((await runtime.load(src)).source).toBe('cache');
  expect((await runtime.storage.usage()).bytes).toBe(src.size);
  await runtime.storage.clear();
  expect(await runtime.storage.list()).toEqual([]);
  await runtime.dispose();
});

test('junk meta records are skipped and removed, and caching carries on', async () => {
  const key = uniqueKey('junk');
  const db = `test-${key}`;
  const runtime = storeRuntime(key);
  const forecast = await served(key, 'forecast');
  await runtime.load(forecast);
  const [[, record]] = (await entries(db)).filter(([k]) => isMeta(k)) as [[IDBValidKey, Record<string, unknown>]];
  await put(db, ['meta', 'null', '1'], null);
  await put(db, ['meta', 'typed', '1'], { ...record, id: 'typed', version: '1', stored: '28202', complete: 'yes' });
  await put(db, ['meta', 'moved', '1'], { ...record }); // a record under a key that is not its own
  await put(db, ['chunk', 'f'.repeat(64), 0], new Uint8Array(10)); // a chunk no record owns

  expect((await runtime.storage.list()).map((m) => m.id)).toEqual([forecast.id]);
  expect((await runtime.storage.usage()).bytes).toBe(forecast.size);
  const digits = await runtime.load(await served(key, 'digits')); // plans eviction over every record
  expect(digits.cached).toBe(true);
  const left = (await entries(db)).map(([k]) => k);
  expect(left.filter(isMeta).map((k) => k[1]).sort()).toEqual(['digits', 'forecast']);
  expect(left.filter(isChunk).every((k) => k[1] !== 'f'.repeat(64))).toBe(true);
  await runtime.dispose();
});

test('storage.clear() during a download does not bring the record back', async () => {
  const key = uniqueKey('clear-mid');
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits', 'delay=40'); // ~2 s: the clear lands mid-download
  let cleared: Promise<void> | undefined;
  const model = await runtime.load(src, {
    onProgress: (e) => void (e.type === 'download' && e.loaded > 100_000 && (cleared ??= runtime.storage.clear())),
  });
  await cleared;
  expect([model.source, model.cached]).toEqual(['network', false]);
  expect(await runtime.storage.list()).toEqual([]);
  expect((await entries(`test-${key}`)).filter(([k]) => isChunk(k))).toEqual([]);
  const { events, onProgress } = recorder();
  const next = await runtime.load({ ...src, url: src.url.replace('?delay=40', '') }, { onProgress });
  expect([next.source, next.cached, warnings(events)]).toEqual(['network', true, []]);
  await runtime.dispose();
});

test('records that claim sizes or chunk counts the file cannot have are evicted at once', async () => {
  const key = uniqueKey('claims');
  const db = `test-${key}`;
  const runtime = storeRuntime(key);
  const src = await served(key, 'digits');
  await runtime.load(src);
  const meta = async () => (await entries(db)).find(([k]) => isMeta(k)) as [IDBValidKey, Record<string, unknown>];
  const lies = [{ chunks: 1e9 }, { chunks: 1e9, stored: 1e9 * 65536, bytes: 1e9 * 65536 }, { stored: 65536, bytes: 65536, chunks: 1 }];
  for (const lie of lies) {
    const [k, record] = await meta();
    await put(db, k, { ...record, ...lie });
    const started = performance.now();
    const again = await runtime.load(src);
    expect(performance.now() - started).toBeLessThan(10_000); // it took ~54 s when reads trusted the chunk count
    expect([again.source, again.cached]).toEqual(['network', true]);
    expect((await meta())[1]).toMatchObject({ complete: true, stored: src.size, chunks: Math.ceil(src.size / 65536) });
  }
  expect((await runtime.load(src)).source).toBe('cache');
  await runtime.dispose();
}, 60_000);

test('storage API failures are storage-failed, and loads still run from memory', async () => {
  const key = uniqueKey('broken');
  await createBrokenDatabase(`test-${key}`);
  const runtime = storeRuntime(key);
  await expectCode(runtime.storage.list(), 'storage-failed');
  await expectCode(runtime.storage.usage(), 'storage-failed');
  await expectCode(runtime.storage.delete('digits'), 'storage-failed');
  await expectCode(runtime.storage.clear(), 'storage-failed');
  const { events, onProgress } = recorder();
  const model = await runtime.load(await served(key, 'forecast'), { onProgress });
  expect([model.source, model.cached]).toEqual(['network', false]);
  expect(warnings(events)).toContain('storage-failed');
  await runtime.dispose();
});
