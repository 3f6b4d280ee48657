// Piece digests: a warm load checks each stored chunk, piece by piece, against the digests recorded when it was
// written; records written by older versions (no digests, typed-array chunks) are checked as a whole file, then
// brought up to date.
import { expect, test } from 'vitest';
import { PIECE_BYTES, sha256Hex } from '../../src/store/integrity.js';
import type { StoredModel } from '../../src/store/store.js';
import { seeded } from './helpers.js';
import { chunkEntries, entries, isChunk, isMeta, put } from './store-idb.js';
import { recorder, requests, served, storeRuntime, uniqueKey, until } from './store-helpers.js';

const pixels = () => seeded(784, 5).map(Math.abs);
type Chunk = [IDBValidKey, Uint8Array<ArrayBuffer>];

async function stored(db: string): Promise<{ key: IDBValidKey; meta: StoredModel; chunks: Chunk[] }> {
  const [key, meta] = (await entries(db)).find(([k]) => isMeta(k)) as [IDBValidKey, StoredModel];
  const chunks = (await chunkEntries(db)).sort(([a], [b]) => (a as number[])[2]! - (b as number[])[2]!);
  return { key, meta, chunks };
}

/** What the digests of `chunks` must be, in pieces of `pieceBytes`. */
async function digestsOf(chunks: Chunk[], pieceBytes: number) {
  const pieces = (bytes: Uint8Array) => Array.from({ length: Math.ceil(bytes.length / pieceBytes) }, (_, j) => sha256Hex(bytes.subarray(j * pieceBytes, (j + 1) * pieceBytes)));
  return { pieceBytes, sha256: await Promise.all(chunks.map(([, bytes]) => Promise.all(pieces(bytes)))) };
}
const upToDate = async ({ meta, chunks }: { meta: StoredModel; chunks: Chunk[] }) => expect(meta.digests).toEqual(await digestsOf(chunks, PIECE_BYTES));
const corrupt = (events: { type: string; code?: string }[]) => events.some((e) => e.type === 'warning' && e.code === 'cache-corrupt');

/** A runtime that has cached `digits` (815 KB: 13 chunks of 64 KiB, or 1 chunk of 4 pieces), and what its first run gave. */
async function cachedDigits(name: string, chunkBytes = 65536) {
  const key = uniqueKey(name);
  const db = `test-${key}`;
  const runtime = storeRuntime(key, { storage: { chunkBytes } });
  const src = await served(key, 'digits');
  const model = await runtime.load(src);
  const expected = (await model.run({ pixels: pixels() })).outputs.probabilities!.data;
  await model.dispose();
  return { key, db, runtime, src, expected };
}

test('a download records the digests of every chunk\'s pieces, and they match the stored chunks, stored as Blobs', async () => {
  for (const chunkBytes of [65536, 1 << 20]) {
    const { db, runtime, src } = await cachedDigits('digests', chunkBytes);
    const now = await stored(db);
    expect(now.meta.chunks).toBe(Math.ceil(src.size / chunkBytes));
    expect(now.meta.digests!.sha256.flat()).toHaveLength(Math.ceil(src.size / Math.min(chunkBytes, PIECE_BYTES)));
    await upToDate(now);
    expect((await entries(db)).filter(([k]) => isChunk(k)).every(([, v]) => v instanceof Blob)).toBe(true);
    await runtime.dispose();
  }
});

test('a damaged chunk fails its digest: the copy is evicted, fetched again, and the model runs right', async () => {
  const { key, db, runtime, src, expected } = await cachedDigits('chunk-damage', 1 << 20);
  const { chunks } = await stored(db);
  const [chunkKey, bytes] = chunks[0]!;
  bytes[PIECE_BYTES * 2 + 1234] = bytes[PIECE_BYTES * 2 + 1234]! ^ 0x01; // in the third piece
  await put(db, chunkKey, new Blob([bytes]));

  const { events, onProgress } = recorder();
  const healed = await runtime.load(src, { onProgress });
  expect(corrupt(events)).toBe(true);
  expect([healed.source, healed.cached]).toEqual(['network', true]);
  expect((await healed.run({ pixels: pixels() })).outputs.probabilities!.data).toEqual(expected);
  expect(await requests(key)).toHaveLength(2);
  await upToDate(await stored(db));
  expect((await runtime.load(src)).source).toBe('cache');
  await runtime.dispose();
});

test('chunks in the wrong place, or a digest rewritten, fail the check too', async () => {
  const { key, db, runtime, src } = await cachedDigits('chunk-moved');
  const { chunks } = await stored(db);
  await put(db, chunks[0]![0], new Blob([chunks[1]![1]])); // two whole chunks swapped: right lengths, wrong places
  await put(db, chunks[1]![0], new Blob([chunks[0]![1]]));
  const first = recorder();
  expect((await runtime.load(src, { onProgress: first.onProgress })).source).toBe('network');
  expect(corrupt(first.events)).toBe(true);

  const { key: metaKey, meta } = await stored(db);
  const sha256 = meta.digests!.sha256.map((pieces, i) => (i === 2 ? ['ab'.repeat(32)] : pieces));
  await put(db, metaKey, { ...meta, digests: { ...meta.digests, sha256 } });
  const second = recorder();
  expect((await runtime.load(src, { onProgress: second.onProgress })).source).toBe('network');
  expect(corrupt(second.events)).toBe(true);
  expect(await requests(key)).toHaveLength(3);
  await runtime.dispose();
});

test('a record an older version wrote (no digests, typed-array chunks) loads from the cache, checked whole, and is brought up to date', async () => {
  const { key, db, runtime, src, expected } = await cachedDigits('legacy');
  const { key: metaKey, meta, chunks } = await stored(db);
  const { digests: _, ...legacy } = meta;
  await put(db, metaKey, legacy);
  for (const [k, bytes] of chunks) await put(db, k, bytes);

  const { events, onProgress } = recorder();
  const warm = await runtime.load(src, { onProgress });
  expect([warm.source, corrupt(events)]).toEqual(['cache', false]);
  expect((await warm.run({ pixels: pixels() })).outputs.probabilities!.data).toEqual(expected);
  await upToDate(await until(async () => {
    const now = await stored(db);
    return now.meta.digests && now;
  }));
  expect((await entries(db)).filter(([k]) => isChunk(k)).every(([, v]) => v instanceof Blob)).toBe(true);
  expect((await runtime.load(src)).source).toBe('cache');
  expect(await requests(key)).toHaveLength(1);
  await runtime.dispose();
});

test('a damaged chunk of a record without digests is caught by the whole-file check', async () => {
  const { key, db, runtime, src } = await cachedDigits('legacy-damage');
  const { key: metaKey, meta, chunks } = await stored(db);
  const { digests: _, ...legacy } = meta;
  await put(db, metaKey, legacy);
  const [chunkKey, bytes] = chunks.at(-1)!;
  bytes[0] = bytes[0]! ^ 0x80;
  await put(db, chunkKey, bytes); // as an older version stored chunks: a typed array

  const { events, onProgress } = recorder();
  const healed = await runtime.load(src, { onProgress });
  expect([healed.source, corrupt(events)]).toEqual(['network', true]);
  expect(await requests(key)).toHaveLength(2);
  await upToDate(await stored(db));
  await runtime.dispose();
});
