// Non-cryptographic 64-bit hash of a model's input tensors: two independent 32-bit lanes (a Murmur3 round and an
// xxHash32 round) over each tensor's dtype, dims and bytes. Collisions cannot return wrong outputs: the cache also
// compares the stored inputs before it answers.
import type { Tensor, TypedArray } from '../tensor.js';

export interface InputHash {
  /** Low and high 32 bits, unsigned. */
  readonly lo: number;
  readonly hi: number;
}

const DTYPE_CODES: Record<string, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13,
};

export function hashTensors(tensors: readonly Tensor[]): InputHash {
  const header: number[] = [];
  for (const t of tensors) header.push(DTYPE_CODES[t.dtype] ?? 0, t.dims.length, ...t.dims, t.data.byteLength);
  let a = 0x2545f491;
  let b = 0x9e3779b9;
  // Header words, then each tensor's bytes as 32-bit words where aligned (the hot loop), then any tail bytes.
  for (let n = 0; n <= tensors.length; n++) {
    let words: ArrayLike<number>;
    let tail: Uint8Array | undefined;
    if (n === 0) words = header;
    else {
      const data = tensors[n - 1]!.data;
      // Unaligned bytes are copied so that equal contents hash alike wherever they sit.
      const bytes = data.byteOffset % 4 === 0 ? bytesOf(data) : bytesOf(data).slice();
      const count = bytes.byteLength >>> 2;
      words = new Int32Array(bytes.buffer, bytes.byteOffset, count);
      tail = bytes.subarray(count * 4);
    }
    for (let i = 0; i < words.length; i++) {
      const k = words[i]!;
      a ^= Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
      a = (Math.imul(rotl(a, 13), 5) + 0xe6546b64) | 0;
      b = Math.imul(rotl((b + Math.imul(k, 0x85ebca77)) | 0, 13), 0x9e3779b1);
    }
    if (tail) {
      for (let i = 0; i < tail.length; i++) {
        const k = tail[i]!;
        a ^= Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
        a = (Math.imul(rotl(a, 13), 5) + 0xe6546b64) | 0;
        b = Math.imul(rotl((b + Math.imul(k, 0x85ebca77)) | 0, 13), 0x9e3779b1);
      }
    }
  }
  return { lo: fmix(a ^ b) >>> 0, hi: fmix((b + Math.imul(a, 0x27d4eb2f)) | 0) >>> 0 };
}

/** Exact equality of dtype, dims and bytes: what a cache hit must prove. */
export function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.dims.length !== b.dims.length || a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.dims.length; i++) if (a.dims[i] !== b.dims[i]) return false;
  const x = a.data;
  const y = b.data;
  if (x.byteOffset % 4 === 0 && y.byteOffset % 4 === 0 && x.byteLength % 4 === 0) {
    const p = new Int32Array(x.buffer, x.byteOffset, x.byteLength >>> 2);
    const q = new Int32Array(y.buffer, y.byteOffset, y.byteLength >>> 2);
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
    return true;
  }
  const p = bytesOf(x);
  const q = bytesOf(y);
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}

/** A 32-bit hash of a string (used once per model namespace). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix(h) >>> 0;
}

export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
