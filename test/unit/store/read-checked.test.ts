// Checked reads of stored chunks, over an in-memory stand-in for ModelStore.readBytes (the real store is exercised
// in Chromium by test/browser/store-digests.test.ts).
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { PIECE_BYTES } from '../../../src/store/integrity.js';
import { IntegrityFailure, readChecked } from '../../../src/store/read-checked.js';
import type { ModelStore, StoredModel } from '../../../src/store/store.js';

const CHUNK = 100;
const PIECE = 40; // chunks of 100 bytes in pieces of 40, 40 and 20; the last chunk (50 bytes) in 40 and 10
const file = new Uint8Array(350).map((_, i) => (i * 7) % 251);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const piecesOf = (bytes: Uint8Array, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, j) => sha(bytes.subarray(j * size, (j + 1) * size)));
const chunksOf = (bytes: Uint8Array) => [0, 1, 2, 3].map((i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
const digests = { pieceBytes: PIECE, sha256: chunksOf(file).map((c) => piecesOf(c, PIECE)) };
const record: StoredModel = {
  id: 'm', version: '1', sha256: sha(file), bytes: 350, chunkSize: CHUNK, chunks: 4, stored: 350, complete: true, lastUsed: 1, url: '/m.onnx',
};

const storeOf = (bytes: Uint8Array, typed = false) => ({ readBytes: async () => ({ bytes: bytes.slice(), typed }) }) as unknown as ModelStore;
const damaged = (at: number) => file.map((b, i) => (i === at ? b ^ 1 : b));

test('with digests, every piece of every chunk is checked, and the bytes come back whole', async () => {
  const read = await readChecked(storeOf(file), { ...record, digests });
  expect(read.bytes).toEqual(file);
  expect(read.digests).toEqual(digests);
  expect(read.typedChunks).toBe(false);
  expect(read.timings.readMs).toBeGreaterThanOrEqual(0);
  expect(read.timings.verifyMs).toBeGreaterThanOrEqual(0);
  expect((await readChecked(storeOf(file, true), { ...record, digests })).typedChunks).toBe(true);
});

test('a damaged byte anywhere fails its piece', async () => {
  for (const at of [0, 39, 40, 99, 100, 250, 349]) {
    await expect(readChecked(storeOf(damaged(at)), { ...record, digests }), `byte ${at}`).rejects.toBeInstanceOf(IntegrityFailure);
  }
});

test('chunks in the wrong place, or digests that are not the chunk\'s, fail too', async () => {
  const swapped = new Uint8Array(350);
  swapped.set(file.subarray(100, 200), 0);
  swapped.set(file.subarray(0, 100), 100);
  swapped.set(file.subarray(200), 200);
  await expect(readChecked(storeOf(swapped), { ...record, digests })).rejects.toBeInstanceOf(IntegrityFailure);
  const lying = { ...digests, sha256: digests.sha256.map((p, i) => (i === 3 ? [p[0]!, sha(new Uint8Array(10))] : p)) };
  await expect(readChecked(storeOf(file), { ...record, digests: lying })).rejects.toBeInstanceOf(IntegrityFailure);
});

test('a failed read is passed on', async () => {
  const store = { readBytes: async () => Promise.reject(new Error('chunk 2 is missing')) } as unknown as ModelStore;
  await expect(readChecked(store, { ...record, digests })).rejects.toThrow('chunk 2 is missing');
});

test('without digests (an older record) the whole file is checked, and digests come back to upgrade it', async () => {
  const read = await readChecked(storeOf(file), record);
  expect(read.bytes).toEqual(file);
  expect(read.digests).toEqual({ pieceBytes: PIECE_BYTES, sha256: chunksOf(file).map((c) => [sha(c)]) });
  await expect(readChecked(storeOf(damaged(300)), record)).rejects.toBeInstanceOf(IntegrityFailure);
  await expect(readChecked(storeOf(file), { ...record, sha256: 'ab'.repeat(32) })).rejects.toBeInstanceOf(IntegrityFailure);
});

test('a partial record without digests comes back with its digests, unchecked: its download checks the whole file', async () => {
  const partial = { ...record, complete: false, chunks: 2, stored: 200 };
  const read = await readChecked(storeOf(file.slice(0, 200)), partial);
  expect(read.bytes).toEqual(file.slice(0, 200));
  expect(read.digests.sha256).toEqual(chunksOf(file).slice(0, 2).map((c) => [sha(c)]));
  const partialDigests = { ...digests, sha256: digests.sha256.slice(0, 2) };
  await expect(readChecked(storeOf(damaged(150).slice(0, 200)), { ...partial, digests: partialDigests })).rejects.toBeInstanceOf(IntegrityFailure);
});
