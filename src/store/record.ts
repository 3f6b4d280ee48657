import { isSha256Hex } from './integrity.js';
import type { ModelFile } from './manifest.js';
import type { ChunkDigests, StoredModel } from './store.js';

/** Chunks that hold `stored` bytes: whole chunks, then a shorter tail if any. */
export function chunkCount(stored: number, chunkSize: number): number {
  return Math.ceil(stored / chunkSize);
}

/** The length chunk `index` of a record must have; any other length means the chunk is damaged. */
export function chunkLength(meta: Pick<StoredModel, 'stored' | 'chunkSize'>, index: number): number {
  return Math.min(meta.chunkSize, meta.stored - index * meta.chunkSize);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The record under `key`, if it is one this code could have written; otherwise undefined. IndexedDB holds whatever
 * anyone put there (other code on the origin, older releases, a failing disk), so every record is checked as it is
 * read: one bad record must not break listing, eviction or loads, nor make a read walk a billion chunk keys.
 */
export function parseRecord(key: IDBValidKey, value: unknown): StoredModel | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<keyof StoredModel, unknown>;
  if (typeof m.id !== 'string' || typeof m.version !== 'string' || typeof m.url !== 'string') return undefined;
  if (!Array.isArray(key) || key.length !== 3 || key[0] !== 'meta' || key[1] !== m.id || key[2] !== m.version) return undefined;
  if (!isSha256Hex(m.sha256) || typeof m.complete !== 'boolean' || !Number.isFinite(m.lastUsed)) return undefined;
  if (!isCount(m.bytes) || !isCount(m.chunkSize) || !isCount(m.chunks) || !isCount(m.stored) || m.chunkSize === 0) return undefined;
  if (m.chunks !== chunkCount(m.stored, m.chunkSize)) return undefined;
  if (m.bytes > 0 && m.stored > m.bytes) return undefined; // bytes is 0 while the size is unknown
  if (m.complete && (m.stored === 0 || m.stored !== m.bytes)) return undefined;
  const { id, version, url, sha256, complete, lastUsed, bytes, chunkSize, chunks, stored } = m as StoredModel;
  const record: StoredModel = { id, version, sha256, bytes, chunkSize, chunks, stored, complete, lastUsed, url };
  // Digests that do not fit the record are dropped, not trusted: the whole file is checked instead.
  const digests = parseDigests(m.digests, record);
  if (digests) record.digests = digests;
  return record;
}

/** Pieces chunk `index` is hashed in. */
export function pieceCount(meta: Pick<StoredModel, 'stored' | 'chunkSize'>, index: number, pieceBytes: number): number {
  return Math.ceil(chunkLength(meta, index) / pieceBytes);
}

/** Piece digests with one list per chunk of the record and one lower-case SHA-256 per piece, or undefined. */
function parseDigests(value: unknown, meta: StoredModel): ChunkDigests | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { pieceBytes, sha256 } = value as Record<keyof ChunkDigests, unknown>;
  if (!isCount(pieceBytes) || pieceBytes === 0 || !Array.isArray(sha256) || sha256.length !== meta.chunks) return undefined;
  const fits = sha256.every((pieces: unknown, i) => Array.isArray(pieces) && pieces.length === pieceCount(meta, i, pieceBytes) && pieces.every(isSha256Hex));
  return fits ? { pieceBytes, sha256: (sha256 as string[][]).map((pieces) => [...pieces]) } : undefined;
}

/**
 * Whether a (readable) record can hold `file` or part of it: same content and, when the file's size is known, the
 * same size, so a record can never make a read or a resume go past the end of the file.
 */
export function fitsFile(meta: StoredModel, file: Pick<ModelFile, 'sha256' | 'bytes'>): boolean {
  return meta.sha256 === file.sha256 && (file.bytes === undefined || meta.bytes === file.bytes);
}

/** Whether the stored record is still the one a writer last wrote: nothing cleared, evicted or replaced it. */
export function sameRecord(a: StoredModel, b: StoredModel): boolean {
  return a.sha256 === b.sha256 && a.chunkSize === b.chunkSize && a.chunks === b.chunks && a.stored === b.stored && a.complete === b.complete;
}
