// The chunk writer's storage-failure logic, over an in-memory stand-in for the IndexedDB store (the real store is
// exercised in Chromium by test/browser/store.test.ts and quota.test.ts).
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { PIECE_BYTES } from '../../../src/store/integrity.js';
import type { ModelFile } from '../../../src/store/manifest.js';
import { sameRecord } from '../../../src/store/record.js';
import { RecordChanged, type ModelStore, type StoredModel } from '../../../src/store/store.js';
import { ChunkWriter } from '../../../src/store/writer.js';
import type { LoadEvent } from '../../../src/rpc/protocol.js';

class MemoryStore {
  metas = new Map<string, StoredModel>();
  chunks = new Map<string, Uint8Array>();
  failures = 0; // how many upcoming writes throw QuotaExceededError
  async get(id: string, version: string) {
    return this.metas.get(`${id}@${version}`);
  }
  async put(meta: StoredModel) {
    this.failIfFull();
    this.metas.set(`${meta.id}@${meta.version}`, { ...meta });
  }
  async update(meta: StoredModel, next: StoredModel, extra?: [IDBValidKey, Uint8Array]) {
    const current = this.metas.get(`${meta.id}@${meta.version}`);
    if (!current || !sameRecord(current, meta)) throw new RecordChanged('gone');
    this.failIfFull();
    if (extra) this.chunks.set(`${meta.sha256}/${(extra[0] as unknown[])[2]}`, extra[1]);
    this.metas.set(`${meta.id}@${meta.version}`, { ...next });
  }
  async appendChunk(meta: StoredModel, chunk: Uint8Array, pieces: string[]) {
    const { digests, ...rest } = meta;
    const next: StoredModel = { ...rest, chunks: meta.chunks + 1, stored: meta.stored + chunk.byteLength };
    if (digests?.sha256.length === meta.chunks) next.digests = { pieceBytes: digests.pieceBytes, sha256: [...digests.sha256, pieces] };
    await this.update(meta, next, [['chunk', meta.sha256, meta.chunks], chunk]);
    delete meta.digests;
    Object.assign(meta, next);
  }
  async readBytes(meta: StoredModel) {
    const out = new Uint8Array(meta.stored);
    for (let i = 0; i < meta.chunks; i++) {
      const chunk = this.chunks.get(`${meta.sha256}/${i}`);
      if (!chunk) throw new Error(`chunk ${i} missing`);
      out.set(chunk, i * meta.chunkSize);
    }
    return { bytes: out, typed: false };
  }
  async replace(meta: StoredModel, next: StoredModel) {
    await this.update(meta, next);
  }
  async read(meta: StoredModel) {
    return new Uint8Array(meta.stored);
  }
  async delete(meta: StoredModel) {
    this.metas.delete(`${meta.id}@${meta.version}`);
  }
  private failIfFull() {
    if (this.failures > 0) {
      this.failures--;
      throw new DOMException('quota', 'QuotaExceededError');
    }
  }
}

const file: ModelFile = { id: 'm', version: '1', url: '/m.onnx', sha256: 'f'.repeat(64), bytes: 300 };
const bytes = new Uint8Array(300).map((_, i) => i);

async function writeAll(store: MemoryStore, makeRoom: (need: number, key: string, full?: boolean) => Promise<boolean>) {
  const events: LoadEvent[] = [];
  const writer = await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, makeRoom, (e) => events.push(e));
  await writer.push(bytes, 300);
  await writer.flush(bytes, 300);
  await writer.complete(2);
  return { writer, events };
}

test('a write that hits the quota makes room and is retried once', async () => {
  const store = new MemoryStore();
  const calls: [number, boolean | undefined][] = [];
  const { writer, events } = await writeAll(store, async (need, _key, full) => {
    calls.push([need, full]);
    if (full) store.failures = 0; // eviction freed space
    else store.failures = 1; // the next write (the first chunk) hits the quota
    return true;
  });
  expect(events).toEqual([]);
  expect(writer.isPersisting).toBe(true);
  expect(calls).toEqual([[300, undefined], [300, true]]);
  expect(store.metas.get('m@1')).toMatchObject({ complete: true, stored: 300, chunks: 3 });
});

test('when the retry fails too, persisting stops with a quota warning and the partial copy is dropped', async () => {
  const store = new MemoryStore();
  const { writer, events } = await writeAll(store, async () => {
    store.failures = 1; // before the first write, and again before its retry
    return true;
  });
  expect(writer.isPersisting).toBe(false);
  expect(events).toEqual([expect.objectContaining({ type: 'warning', code: 'quota-exceeded' })]);
  expect(store.metas.size).toBe(0);
});

test('when nothing can be evicted the download never starts persisting', async () => {
  const store = new MemoryStore();
  const { writer, events } = await writeAll(store, async () => false);
  expect(writer.isPersisting).toBe(false);
  expect(events.map((e) => e.type === 'warning' && e.code)).toEqual(['quota-exceeded']);
  expect(store.chunks.size).toBe(0);
});

test('other storage errors stop persisting with storage-failed', async () => {
  const store = new MemoryStore();
  store.put = async () => {
    throw new DOMException('disk gone', 'UnknownError');
  };
  const { writer, events } = await writeAll(store, async () => true);
  expect(writer.isPersisting).toBe(false);
  expect(events.map((e) => e.type === 'warning' && e.code)).toEqual(['storage-failed']);
});

test('a record removed under the writer (a clear, an eviction) is left removed: the writer stops quietly', async () => {
  const store = new MemoryStore();
  const events: LoadEvent[] = [];
  const writer = await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, async () => true, (e) => events.push(e));
  await writer.push(bytes, 150);
  store.metas.clear();
  store.chunks.clear();
  await writer.push(bytes, 300);
  await writer.flush(bytes, 300);
  await writer.complete(2);
  expect(writer.isPersisting).toBe(false);
  expect([store.metas.size, store.chunks.size, events]).toEqual([0, 0, []]);
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const chunkDigests = (size: number) => ({
  pieceBytes: PIECE_BYTES, // chunks of 100 bytes: one piece each
  sha256: Array.from({ length: Math.ceil(size / 100) }, (_, i) => [sha(bytes.subarray(i * 100, Math.min(size, (i + 1) * 100)))]),
});

test('every chunk is stored with the digests of its pieces, in the same write as the record that counts it', async () => {
  const store = new MemoryStore();
  await writeAll(store, async () => true);
  expect(store.metas.get('m@1')).toMatchObject({ complete: true, chunks: 3, digests: chunkDigests(300) });
});

test('a resumed download checks the stored chunks against their digests; a damaged copy is dropped and fetched afresh', async () => {
  const store = new MemoryStore();
  const first = await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, async () => true, () => undefined);
  await first.push(bytes, 200); // interrupted after two chunks
  const resume = async () => (await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, async () => true, () => undefined)).readStored();
  expect(await resume()).toEqual(bytes.subarray(0, 200));
  const stored = store.chunks.get(`${file.sha256}/1`)!;
  stored[5] = stored[5]! ^ 1;
  expect(await resume()).toEqual(new Uint8Array(0));
  expect(store.metas.get('m@1')).toMatchObject({ chunks: 0, stored: 0, digests: { pieceBytes: PIECE_BYTES, sha256: [] } });
});

test('a partial copy an older version wrote (no digests) is resumed, and the completed record has every digest', async () => {
  const store = new MemoryStore();
  const first = await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, async () => true, () => undefined);
  await first.push(bytes, 200);
  delete store.metas.get('m@1')!.digests; // as an older version left it
  const writer = await ChunkWriter.open(store as unknown as ModelStore, file, 100, 1, async () => true, () => undefined);
  expect(await writer.readStored()).toEqual(bytes.subarray(0, 200));
  await writer.flush(bytes, 300);
  await writer.complete(2);
  expect(store.metas.get('m@1')).toMatchObject({ complete: true, chunks: 3, digests: chunkDigests(300) });
});
