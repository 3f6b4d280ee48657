/** Lower-case hex SHA-256 of `bytes` (WebCrypto; available in workers on secure origins and localhost). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/**
 * Bytes per hashed piece of a chunk. WebCrypto copies what it hashes, and in Chromium a copy of about 1 MiB or more
 * lands in freshly mapped memory, whose first touch can cost more than the hash: on the 2-core Firecracker VMs the
 * benches ran on, ~40 ms per 13 MB (≈3 µs per 4 KiB page) against ~8 ms of hashing. Smaller copies reuse memory.
 */
export const PIECE_BYTES = 256 * 1024;

/** SHA-256 (hex) of each `pieceBytes` piece of `bytes`, the last one shorter, all hashed concurrently. */
export function pieceSha256(bytes: Uint8Array, pieceBytes: number): Promise<string[]> {
  const pieces: Promise<string>[] = [];
  for (let at = 0; at < bytes.byteLength; at += pieceBytes) pieces.push(sha256Hex(bytes.subarray(at, at + pieceBytes)));
  return Promise.all(pieces);
}
