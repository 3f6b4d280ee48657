// Which IndexedDB records the store trusts: anything else is treated as damage and removed.
import { expect, test } from 'vitest';
import { chunkLength, fitsFile, parseRecord, pieceCount } from '../../../src/store/record.js';
import type { StoredModel } from '../../../src/store/store.js';

const sha256 = 'ab'.repeat(32);
const good: StoredModel = {
  id: 'm', version: '1', sha256, bytes: 250_000, chunkSize: 65536, chunks: 4, stored: 250_000, complete: true, lastUsed: 5, url: '/m.onnx',
};
const key = ['meta', 'm', '1'];

test('a record the writer could have written is accepted, with only its own fields', () => {
  expect(parseRecord(key, { ...good, extra: 'x' })).toEqual(good);
  const partial = { ...good, complete: false, chunks: 2, stored: 131072 };
  expect(parseRecord(key, partial)).toEqual(partial);
  expect(parseRecord(key, { ...partial, bytes: 0 })).toEqual({ ...partial, bytes: 0 }); // size not known yet
});

test('junk values and wrong field types are rejected', () => {
  for (const junk of [null, undefined, 0, 'meta', [], {}, new Uint8Array(4)]) expect(parseRecord(key, junk)).toBeUndefined();
  const wrong: Partial<Record<keyof StoredModel, unknown>>[] = [
    { id: 5 }, { version: null }, { url: 1 }, { sha256: 'AB'.repeat(32) }, { sha256: 'ab' }, { complete: 'yes' },
    { lastUsed: NaN }, { bytes: '250000' }, { stored: -1 }, { chunks: 0.5 }, { chunkSize: 0 }, { chunkSize: Infinity },
  ];
  for (const change of wrong) expect(parseRecord(key, { ...good, ...change }), JSON.stringify(change)).toBeUndefined();
});

test('a record under a key that is not its own is rejected', () => {
  expect(parseRecord(['meta', 'm', '2'], good)).toBeUndefined();
  expect(parseRecord(['meta', 'other', '1'], good)).toBeUndefined();
  expect(parseRecord('meta', good)).toBeUndefined();
});

test('chunk counts and sizes must agree, so a read never walks more chunks than the size accounts for', () => {
  expect(parseRecord(key, { ...good, chunks: 1e9 })).toBeUndefined();
  expect(parseRecord(key, { ...good, chunks: 3 })).toBeUndefined();
  expect(parseRecord(key, { ...good, stored: 1, bytes: 1 })).toBeUndefined(); // 1 byte is 1 chunk, not 4
  expect(parseRecord(key, { ...good, bytes: 300_000 })).toBeUndefined(); // complete but short
  expect(parseRecord(key, { ...good, complete: false, bytes: 100_000 })).toBeUndefined(); // more stored than the file has
  expect(parseRecord(key, { ...good, stored: 0, bytes: 0, chunks: 0 })).toBeUndefined(); // complete and empty
});

test('chunk lengths: whole chunks, then the tail', () => {
  expect([0, 1, 2, 3].map((i) => chunkLength(good, i))).toEqual([65536, 65536, 65536, 250_000 - 3 * 65536]);
  expect(chunkLength({ stored: 131072, chunkSize: 65536 }, 1)).toBe(65536);
});

test('a record fits a file with the same sha256 and, when the file size is known, the same size', () => {
  expect(fitsFile(good, { sha256 })).toBe(true);
  expect(fitsFile(good, { sha256, bytes: 250_000 })).toBe(true);
  expect(fitsFile(good, { sha256, bytes: 250_001 })).toBe(false);
  expect(fitsFile(good, { sha256: 'cd'.repeat(32), bytes: 250_000 })).toBe(false);
  const partial = { ...good, complete: false, chunks: 2, stored: 131072 };
  expect(fitsFile(partial, { sha256, bytes: 250_000 })).toBe(true);
  expect(fitsFile(partial, { sha256, bytes: 200_000 })).toBe(false);
  expect(fitsFile({ ...partial, bytes: 0 }, { sha256, bytes: 250_000 })).toBe(false); // written without a known size
});

test('piece digests are kept when they have one list per chunk and one lower-case sha256 per piece, and dropped otherwise', () => {
  const h = (b: string) => b.repeat(32);
  // 4 chunks of 65536, 65536, 65536 and 53392 bytes, in pieces of 32768: 2, 2, 2 and 2 pieces.
  const digests = { pieceBytes: 32768, sha256: [[h('01'), h('02')], [h('03'), h('04')], [h('05'), h('06')], [h('07'), h('08')]] };
  expect(parseRecord(key, { ...good, digests })).toEqual({ ...good, digests });
  const partial = { ...good, complete: false, chunks: 2, stored: 131072 };
  expect(parseRecord(key, { ...partial, digests: { ...digests, sha256: digests.sha256.slice(0, 2) } })).toEqual({ ...partial, digests: { ...digests, sha256: digests.sha256.slice(0, 2) } });
  // Dropped, not trusted: the record stays usable and its bytes are checked against the whole file's sha256.
  const wrong = [
    { ...digests, sha256: digests.sha256.slice(0, 3) }, { ...digests, sha256: [...digests.sha256, [h('09')]] },
    { ...digests, pieceBytes: 65536 }, { ...digests, pieceBytes: 0 }, { ...digests, pieceBytes: 1.5 }, { sha256: digests.sha256 },
    { ...digests, sha256: [...digests.sha256.slice(0, 3), [h('07'), 'AB'.repeat(32)]] }, { ...digests, sha256: [...digests.sha256.slice(0, 3), [h('07')]] },
    { ...digests, sha256: [...digests.sha256.slice(0, 3), h('07')] }, [h('01')], 'x', null,
  ];
  for (const value of wrong) expect(parseRecord(key, { ...good, digests: value }), JSON.stringify(value)).toEqual(good);
});

test('piece counts: whole pieces, then a shorter one, per chunk', () => {
  expect([0, 1, 2, 3].map((i) => pieceCount(good, i, 30000))).toEqual([3, 3, 3, 2]);
  expect(pieceCount(good, 3, 1 << 20)).toBe(1);
});
