// Seeded random damage to the store's IndexedDB records between loads. After every round: the load gives outputs
// bit-exact to a run of the same bytes (or fails with a documented code), every record left is one the SDK could
// have written, a complete record hashes to its sha256 (and its chunks to their digests), no chunk is left without a
// record, and the storage API works.
import { expect, test } from 'vitest';
import { EdgeInferError, ERROR_CODES } from '../../src/errors.js';
import { sha256Hex } from '../../src/store/integrity.js';
import type { StoredModel } from '../../src/store/store.js';
import { seeded } from './helpers.js';
import { bytesOf, deleteDatabase, entries, isChunk, isMeta, put, remove, type Entry } from './store-idb.js';
import { served, storeRuntime, uniqueKey } from './store-helpers.js';
import { mulberry32 } from '../../src/random.js';

const SEED = 20261;
const ROUNDS = 30;

/** Seeded picks of damage. */
function random(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}

type Rng = ReturnType<typeof random>;
type Damage = (db: string, all: Entry[], rng: Rng) => Promise<string>;

const chunksOf = (all: Entry[]) => all.filter(([k]) => isChunk(k));
/** A random chunk and its bytes. */
async function pickChunk(all: Entry[], rng: Rng): Promise<[IDBValidKey, Uint8Array<ArrayBuffer>]> {
  const [k, v] = rng.pick(chunksOf(all));
  return [k, await bytesOf(v)];
}
/** Damaged bytes go back as a Blob, as the SDK writes chunks, or as a typed array, as older versions did. */
const stored = (bytes: Uint8Array<ArrayBuffer>, rng: Rng) => (rng.int(2) ? new Blob([bytes]) : bytes);
const metaOf = (all: Entry[]) => all.find(([k]) => isMeta(k)) as [IDBValidKey, StoredModel] | undefined;
const JUNK: unknown[] = [null, 0, 'meta', [], {}, { id: 'digits' }, { complete: true, chunks: -1 }, new Uint8Array(4)];

const damages: Record<string, Damage> = {
  async deleteChunk(db, all, rng) {
    const [k] = rng.pick(chunksOf(all));
    await remove(db, k);
    return `chunk ${String(k)}`;
  },
  async flipByte(db, all, rng) {
    const [k, bytes] = await pickChunk(all, rng);
    const at = rng.int(bytes.length);
    bytes[at] = bytes[at]! ^ (1 + rng.int(255));
    await put(db, k, stored(bytes, rng));
    return `chunk ${String(k)} byte ${at}`;
  },
  async truncateChunk(db, all, rng) {
    const [k, bytes] = await pickChunk(all, rng);
    await put(db, k, stored(bytes.slice(0, rng.int(bytes.length)), rng));
    return `chunk ${String(k)}`;
  },
  async growChunk(db, all, rng) {
    const [k, bytes] = await pickChunk(all, rng);
    const longer = new Uint8Array(bytes.length + 1 + rng.int(1000));
    longer.set(bytes);
    await put(db, k, stored(longer, rng));
    return `chunk ${String(k)}`;
  },
  async legacyChunk(db, all, rng) {
    // The same bytes as a typed array, as older versions stored chunks: still read, still checked.
    const [k, bytes] = await pickChunk(all, rng);
    await put(db, k, bytes);
    return `chunk ${String(k)}`;
  },
  async junkMeta(db, all, rng) {
    const own = metaOf(all);
    const key = own && rng.int(2) ? own[0] : ['meta', `junk${rng.int(3)}`, '1'];
    const value = rng.pick(JUNK);
    await put(db, key, value);
    return `${String(key)} = ${JSON.stringify(value)}`;
  },
  async wrongSize(db, all, rng) {
    const [k, m] = metaOf(all)!;
    const stored = rng.pick([0, 1, m.stored - 1, m.stored + 1, m.stored * 2, 2 ** 40]);
    const lie = { ...m, stored, bytes: stored, chunks: rng.int(2) ? Math.ceil(stored / m.chunkSize) : m.chunks };
    await put(db, k, lie);
    return `stored ${lie.stored}, chunks ${lie.chunks}`;
  },
  async wrongChunks(db, all, rng) {
    const [k, m] = metaOf(all)!;
    const chunks = rng.pick([0, 1, m.chunks - 1, m.chunks + 1, 1e9, -1, 0.5]);
    await put(db, k, { ...m, chunks });
    return `chunks ${chunks}`;
  },
  async partial(db, all, rng) {
    // An interrupted download: the next load resumes from what is left, so other damage hits the resume path.
    const [k, m] = metaOf(all)!;
    const chunks = rng.int(m.chunks);
    await put(db, k, { ...m, complete: false, chunks, stored: chunks * m.chunkSize });
    for (let i = chunks; i < m.chunks; i++) await remove(db, ['chunk', m.sha256, i]);
    return `${chunks} chunks left`;
  },
  async rewriteDigest(db, all, rng) {
    const [k, m] = metaOf(all)!;
    const pieces = m.digests?.sha256;
    if (!Array.isArray(pieces) || pieces.length === 0 || !Array.isArray(pieces[0])) return 'no digests';
    const at = rng.int(pieces.length);
    const value = rng.pick(['ab'.repeat(32), pieces[(at + 1) % pieces.length]![0]!, 'not hex', 7]);
    await put(db, k, { ...m, digests: { ...m.digests, sha256: pieces.map((p, i) => (i === at ? [value, ...p.slice(1)] : p)) } });
    return `digest ${at} = ${String(value).slice(0, 8)}`;
  },
  async dropDigests(db, all) {
    // A record as an older version wrote it: checked as a whole, then given digests again.
    const [k, m] = metaOf(all)!;
    const { digests: _, ...legacy } = m;
    await put(db, k, legacy);
    return '';
  },
  async deleteDatabase(db) {
    await deleteDatabase(db);
    return '';
  },
};

test('the store survives random damage to its records between loads', async () => {
  const key = uniqueKey('chaos');
  const db = `test-${key}`;
  const rng = random(SEED);
  const runtime = storeRuntime(key, { cache: false });
  const src = await served(key, 'digits');
  const feeds = { pixels: seeded(784, 7).map(Math.abs) };
  const file = new Uint8Array(await (await fetch('/models/digits/model.onnx')).arrayBuffer());
  const reference = await runtime.load({ bytes: file, id: 'reference' });
  const expected = (await reference.run(feeds)).outputs.probabilities!.data;
  await reference.dispose();
  await runtime.load(src);

  const failures: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const done: string[] = [];
    for (let n = 1 + rng.int(2); n > 0; n--) {
      const all = await entries(db);
      const usable = Object.keys(damages).filter((d) => d === 'deleteDatabase' || d === 'junkMeta' || (metaOf(all) && chunksOf(all).length > 0));
      const name = rng.pick(usable);
      done.push(`${name}(${await damages[name]!(db, all, rng)})`);
    }
    const where = `seed ${SEED} round ${round}: ${done.join(', ')}`;
    try {
      const model = await runtime.load(src);
      expect((await model.run(feeds)).outputs.probabilities!.data, where).toEqual(expected);
      expect(model.cached, where).toBe(true);
      await model.dispose();
    } catch (error) {
      const code = error instanceof EdgeInferError ? error.code : undefined;
      if (!code || !(ERROR_CODES as readonly string[]).includes(code)) throw error;
      failures.push(`${where}: ${code}`);
    }
    const listed = await runtime.storage.list();
    expect((await runtime.storage.usage()).bytes, where).toBe(listed.reduce((sum, m) => sum + m.stored, 0));
    await checkStored(db, where);
  }
  // Damage to the store alone never keeps a model from loading while the network works.
  expect(failures).toEqual([]);
  await runtime.dispose();
}, 90_000);

/** Every record is well-formed, a complete one hashes to its sha256, and every chunk belongs to a record. */
async function checkStored(db: string, where: string): Promise<void> {
  const all = await entries(db);
  const records = all.filter(([k]) => isMeta(k));
  for (const [k, v] of records) expect(wellFormed(k, v), `${where}: malformed record ${JSON.stringify(v)}`).toBe(true);
  const chunks = new Map(await Promise.all(chunksOf(all).map(async ([k, v]) => [JSON.stringify(k), await bytesOf(v)] as const)));
  for (const [, meta] of records as [IDBValidKey, StoredModel][]) {
    const keys = Array.from({ length: meta.chunks }, (_, i) => JSON.stringify(['chunk', meta.sha256, i]));
    const parts = keys.map((k) => chunks.get(k));
    keys.forEach((k) => chunks.delete(k));
    if (!meta.complete) continue;
    expect(parts.every(Boolean), `${where}: chunks missing`).toBe(true);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p!.length, 0));
    parts.reduce((offset, p) => (bytes.set(p!, offset), offset + p!.length), 0);
    expect(bytes.length, `${where}: stored size`).toBe(meta.stored);
    expect(await sha256Hex(bytes), `${where}: a complete record does not hash to its sha256`).toBe(meta.sha256);
    if (meta.digests !== undefined) {
      const size = meta.digests.pieceBytes;
      const pieces = (p: Uint8Array) => Promise.all(Array.from({ length: Math.ceil(p.length / size) }, (_, j) => sha256Hex(p.subarray(j * size, (j + 1) * size))));
      const digests = await Promise.all(parts.map((p) => pieces(p!)));
      expect(meta.digests.sha256, `${where}: a complete record's digests do not match its chunks`).toEqual(digests);
    }
  }
  expect([...chunks.keys()], `${where}: chunks without a record`).toEqual([]);
}

/** A record the SDK could have written: checked here independently of the SDK's own validation. */
function wellFormed(key: IDBValidKey, v: unknown): boolean {
  const m = v as StoredModel;
  const counts = [m?.bytes, m?.chunkSize, m?.chunks, m?.stored].every((n) => Number.isSafeInteger(n) && n >= 0);
  return typeof m === 'object' && m !== null && counts && m.chunkSize > 0 && JSON.stringify(key) === JSON.stringify(['meta', m.id, m.version]) &&
    /^[0-9a-f]{64}$/.test(m.sha256) && typeof m.complete === 'boolean' && m.chunks === Math.ceil(m.stored / m.chunkSize) &&
    (!m.complete || m.stored === m.bytes) &&
    (m.digests === undefined || digestsFit(m));
}

function digestsFit(m: StoredModel): boolean {
  const { pieceBytes, sha256 } = m.digests!;
  return Number.isSafeInteger(pieceBytes) && pieceBytes > 0 && Array.isArray(sha256) && sha256.length === m.chunks &&
    sha256.every((pieces, i) => pieces.length === Math.ceil(Math.min(m.chunkSize, m.stored - i * m.chunkSize) / pieceBytes) &&
      pieces.every((d) => /^[0-9a-f]{64}$/.test(d)));
}
