// Protobuf wire format: a bounds-checked reader and an exact-size writer. No Node APIs, so it also runs in a
// browser worker. Every read checks the end first: bad input fails with `model-invalid`, never reads past the end
// and never allocates more than the bytes it was given.
import { EdgeInferError } from '../../errors.js';

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** int64/uint64 values: a number when it is a safe integer, else a bigint. */
export type Int64 = number | bigint;

const TWO_32 = 4294967296;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

export function invalid(reason: string): EdgeInferError {
  return new EdgeInferError('model-invalid', `not a readable ONNX model: ${reason}`);
}

export class Reader {
  pos: number;
  /** The last varint read, as two unsigned 32-bit halves. */
  lo = 0;
  hi = 0;
  private view: DataView | undefined;

  constructor(readonly buf: Uint8Array, pos: number, public end: number) {
    this.pos = pos;
  }

  private byte(): number {
    if (this.pos >= this.end) throw invalid(`it ends inside a value at byte ${this.pos}; the file is truncated or not ONNX`);
    return this.buf[this.pos++] as number;
  }

  /** Reads a varint into lo/hi. More than 10 bytes is an error, as in every protobuf implementation. */
  varint(): void {
    let b = this.byte();
    if (b < 128) {
      this.lo = b;
      this.hi = 0;
      return;
    }
    let lo = b & 127;
    for (let shift = 7; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 127) << shift;
      if (b < 128) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    b = this.byte();
    lo |= (b & 127) << 28;
    let hi = (b & 127) >>> 4;
    for (let shift = 3; b >= 128; shift += 7) {
      if (shift > 31) throw invalid(`a varint at byte ${this.pos} is longer than 10 bytes`);
      b = this.byte();
      hi |= (b & 127) << shift;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A length or a tag: must fit 32 bits. */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) throw invalid(`a length or field tag at byte ${this.pos} is larger than 2^32`);
    return this.lo;
  }

  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  int64(): Int64 {
    this.varint();
    return toInt64(this.lo, this.hi);
  }

  uint64(): Int64 {
    this.varint();
    return this.hi < 0x200000 ? this.hi * TWO_32 + this.lo : (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  float(): number {
    const at = this.skip(4);
    return this.dataView().getFloat32(at, true);
  }

  double(): number {
    const at = this.skip(8);
    return this.dataView().getFloat64(at, true);
  }

  /** The end offset of a length-delimited value starting here, checked against the end of its container. */
  length(): number {
    const n = this.uint32();
    if (n > this.end - this.pos) {
      throw invalid(`a field at byte ${this.pos} declares ${n} bytes but only ${this.end - this.pos} remain; the file is truncated or not ONNX`);
    }
    return this.pos + n;
  }

  /** A view of the next length-delimited value (no copy). */
  bytes(): Uint8Array {
    const end = this.length();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  string(): string {
    return utf8(this.bytes());
  }

  /** Skips n bytes and returns where they began. */
  skip(n: number): number {
    if (n > this.end - this.pos) throw invalid(`it ends inside a value at byte ${this.pos}; the file is truncated or not ONNX`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Skips a field's value by wire type. Groups (3, 4) are not used by ONNX; 6 and 7 do not exist. */
  skipValue(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === I64) this.skip(8);
    else if (wireType === LEN) this.pos = this.length();
    else if (wireType === I32) this.skip(4);
    else throw invalid(`wire type ${wireType} at byte ${this.pos} (expected 0, 1, 2 or 5)`);
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }
}

export function toInt64(lo: number, hi: number): Int64 {
  if (hi < 0x200000) return hi * TWO_32 + lo; // below 2^53
  if (hi > 0xffe00000 || (hi === 0xffe00000 && lo !== 0)) return (hi - TWO_32) * TWO_32 + lo; // above -2^53
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

function utf8(bytes: Uint8Array): string {
  if (bytes.length < 32) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 127) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return decoder.decode(bytes);
}

/** UTF-8 byte length of a string, as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

export function varintSize(lo: number, hi = 0): number {
  if (hi === 0) return lo < 0x80 ? 1 : lo < 0x4000 ? 2 : lo < 0x200000 ? 3 : lo < 0x10000000 ? 4 : 5;
  return hi < 0x8 ? 5 : hi < 0x400 ? 6 : hi < 0x20000 ? 7 : hi < 0x1000000 ? 8 : hi < 0x80000000 ? 9 : 10;
}

/** Splits an int64/uint64 (number or bigint) into unsigned 32-bit halves, two's complement. */
export function int64Parts(value: Int64, out: { lo: number; hi: number }): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`int64 field: ${value} is not a safe integer (use a bigint)`);
    out.lo = value >>> 0;
    out.hi = Math.floor(value / TWO_32) >>> 0;
  } else if (typeof value === 'bigint') {
    const v = BigInt.asUintN(64, value);
    out.lo = Number(v & 0xffffffffn);
    out.hi = Number(v >> 32n);
  } else throw new TypeError(`int64 field: expected a number or bigint, got ${typeof value}`);
}

/** Writes into a buffer of known size (the encoder measures first). */
export class Writer {
  pos = 0;
  readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  varint(lo: number, hi = 0): void {
    const buf = this.buf;
    while (hi !== 0) {
      buf[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[this.pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  float(v: number): void {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A string whose UTF-8 length the caller measured. */
  string(s: string, length: number): void {
    if (length === s.length) {
      for (let i = 0; i < length; i++) this.buf[this.pos + i] = s.charCodeAt(i);
    } else encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
  }
}

/** Counts bytes instead of writing them: the first of the encoder's two passes. */
export class Counter {
  pos = 0;
  varint(lo: number, hi = 0): void {
    this.pos += varintSize(lo, hi);
  }
  float(): void {
    this.pos += 4;
  }
  double(): void {
    this.pos += 8;
  }
  raw(bytes: Uint8Array): void {
    this.pos += bytes.length;
  }
  string(_s: string, length: number): void {
    this.pos += length;
  }
}

export type Sink = Counter | Writer;
