import { PIECE_BYTES, pieceSha256, sha256Hex } from './integrity.js';
import { chunkLength } from './record.js';
import type { ChunkDigests, ModelStore, StoredModel } from './store.js';

/** Where a checked read spent its time (milliseconds). */
export interface ReadTimings {
  /** Reading the stored bytes: record lookup excluded. */
  readMs: number;
  /** Checking them, after the read. */
  verifyMs: number;
}

export interface CheckedRead {
  /** The stored bytes, concatenated. */
  bytes: Uint8Array;
  /** The digests of the bytes' chunks: the record's own, or computed now for a record that had none. */
  digests: ChunkDigests;
  /** Whether some chunks are stored as typed arrays, as older versions stored them. */
  typedChunks: boolean;
  timings: ReadTimings;
}

/** Stored bytes that do not match their digests. */
export class IntegrityFailure extends Error {
  override readonly name = 'IntegrityFailure';
}

/**
 * Reads a record's bytes and checks them before anyone sees them.
 *
 * - The record has digests: every piece of every chunk must match its own. A complete record's digests were taken
 *   from bytes that matched the file's sha256 as a whole when they were downloaded (see writer.ts). The pieces are
 *   hashed concurrently and each is small, which is what makes this quicker than hashing the whole file: WebCrypto
 *   copies what it hashes, and small copies reuse memory where a whole-file copy maps fresh memory (see PIECE_BYTES).
 * - It has none (an older version wrote it): a complete record must match its sha256 as a whole; the digests
 *   computed on the way are returned so the caller can add them to the record. A partial record is returned
 *   unchecked, with its digests: the download it belongs to checks the whole file before completing it.
 *
 * Throws IntegrityFailure on a mismatch, and what `store.readBytes` throws for a missing or mis-sized chunk.
 */
export async function readChecked(store: ModelStore, meta: StoredModel, now: () => number = () => performance.now()): Promise<CheckedRead> {
  const start = now();
  const { bytes, typed } = await store.readBytes(meta);
  const read = now();
  const expected = meta.digests;
  const pieceBytes = expected?.pieceBytes ?? PIECE_BYTES;
  const chunk = (i: number) => bytes.subarray(i * meta.chunkSize, i * meta.chunkSize + chunkLength(meta, i));
  const [sha256, whole] = await Promise.all([
    Promise.all(Array.from({ length: meta.chunks }, (_, i) => pieceSha256(chunk(i), pieceBytes))),
    !expected && meta.complete ? sha256Hex(bytes) : undefined,
  ]);
  if (expected) {
    sha256.forEach((pieces, i) => pieces.forEach((sum, j) => {
      if (sum !== expected.sha256[i]![j]) {
        throw new IntegrityFailure(`model ${meta.id}@${meta.version}: chunk ${i} piece ${j} has sha256 ${sum}; its record says ${expected.sha256[i]![j]}`);
      }
    }));
  } else if (whole !== undefined && whole !== meta.sha256) {
    throw new IntegrityFailure(`model ${meta.id}@${meta.version} has sha256 ${whole}; expected ${meta.sha256}`);
  }
  return { bytes, digests: { pieceBytes, sha256 }, typedChunks: typed, timings: { readMs: read - start, verifyMs: now() - read } };
}
