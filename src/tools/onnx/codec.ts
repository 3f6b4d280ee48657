// A schema-driven protobuf codec for the ONNX messages (schema.ts). Decoding gives plain objects with every field
// filled in (types.ts); encoding writes fields in field-number order, as protobuf writers do, so a model decoded and
// encoded again comes back byte for byte when its writer was canonical.
//
// What a decoded message remembers (in a WeakMap, so the objects stay plain):
// - which scalar fields were absent: they are written only once they hold something other than the default, while
//   a field that was present is written even when it holds the default (proto2 presence);
// - fields the schema does not know, or that came with an unexpected wire type: written back verbatim, in place;
// - repeated numbers that came unpacked: written unpacked again (new arrays are written packed).
// Objects that were neither decoded nor made by createMessage() are written like protobufjs writes plain objects:
// every field that is not null or undefined (repeated ones when non-empty).
import { SCHEMA, type FieldRow, type MessageName, type Scalar } from './schema.js';
import type { Messages } from './types.js';
import { Counter, I32, I64, int64Parts, invalid, LEN, Reader, utf8Length, VARINT, varintSize, Writer, type Int64, type Sink } from './wire.js';

/** Nesting limit, as protobuf's C++ parser has by default (100); ONNX graphs nest 3 messages per subgraph level. */
export const MAX_DEPTH = 100;

type Msg = Record<string, unknown>;

interface Field {
  no: number;
  key: string;
  kind: Scalar | undefined;
  message: MessageName | undefined;
  repeated: boolean;
  /** Repeated numbers, which may come packed (one length-delimited run) or one tagged value each. */
  packable: boolean;
  oneof: string | undefined;
  wire: number;
  tag: number;
  bit: number;
}

interface Type {
  fields: Field[];
  byNumber: (Field | undefined)[];
  byKey: Map<string, Field>;
  /** Bits of the scalar (non-repeated, non-message) fields. */
  scalars: number;
  oneofs: string[];
}

interface Unknown {
  no: number;
  /** The whole field as it came: tag, length and value. */
  bytes: Uint8Array;
}

interface Meta {
  type: Type;
  absent: number;
  unpacked: number;
  unknown: Unknown[] | undefined;
}

const WIRE: Record<Scalar, number> = { string: LEN, bytes: LEN, int32: VARINT, int64: VARINT, uint64: VARINT, float: I32, double: I64 };
const READ: Record<Scalar, (r: Reader) => unknown> = {
  string: (r) => r.string(), bytes: (r) => r.bytes(), int32: (r) => r.int32(), int64: (r) => r.int64(),
  uint64: (r) => r.uint64(), float: (r) => r.float(), double: (r) => r.double(),
};
const EMPTY = new Uint8Array(0);
const DEFAULTS: Record<Scalar, unknown> = { string: '', bytes: EMPTY, int32: 0, int64: 0, uint64: 0, float: 0, double: 0 };

const TYPES = new Map<MessageName, Type>();
const META = new WeakMap<object, Meta>();

function typeOf(name: MessageName): Type {
  let type = TYPES.get(name);
  if (type) return type;
  const rows = [...(SCHEMA[name] as readonly FieldRow[])].sort((a, b) => a[0] - b[0]);
  if (rows.length > 31) throw new Error(`${name}: more fields than the 31 the presence bitmasks hold`);
  const fields = rows.map(([no, key, kind, flag], i): Field => {
    const message = kind in WIRE ? undefined : (kind as MessageName);
    const scalar = message ? undefined : (kind as Scalar);
    const repeated = flag === 'repeated';
    const wire = scalar ? WIRE[scalar] : LEN;
    return {
      no, key, kind: scalar, message, repeated, packable: repeated && wire !== LEN, oneof: flag?.startsWith('oneof:') ? flag.slice(6) : undefined,
      wire, tag: ((no << 3) | wire) >>> 0, bit: 1 << i,
    };
  });
  const byNumber: (Field | undefined)[] = [];
  for (const f of fields) byNumber[f.no] = f;
  const scalars = fields.reduce((bits, f) => (f.kind && !f.repeated ? bits | f.bit : bits), 0);
  const oneofs = [...new Set(fields.flatMap((f) => (f.oneof ? [f.oneof] : [])))];
  type = { fields, byNumber, byKey: new Map(fields.map((f) => [f.key, f])), scalars, oneofs };
  TYPES.set(name, type);
  return type;
}

function blank(type: Type): Msg {
  const msg: Msg = {};
  for (const f of type.fields) msg[f.key] = f.repeated ? [] : f.kind ? DEFAULTS[f.kind] : null;
  for (const group of type.oneofs) msg[group] = undefined;
  return msg;
}

export interface DecodeResult<T> {
  message: T;
  /** Fields the schema does not know (or with an unexpected wire type), each kept to be written back verbatim. */
  unknownFields: number;
}

/** Decodes one message; malformed bytes throw EdgeInferError `model-invalid`. */
export function decodeMessage<M extends keyof Messages>(name: M, bytes: Uint8Array): DecodeResult<Messages[M]> {
  const reader = new Reader(bytes, 0, bytes.length);
  const counter = { unknown: 0 };
  const message = readMessage(reader, typeOf(name), bytes.length, 1, counter) as unknown as Messages[M];
  return { message, unknownFields: counter.unknown };
}

function readMessage(r: Reader, type: Type, end: number, depth: number, counter: { unknown: number }): Msg {
  if (depth > MAX_DEPTH) throw invalid(`messages nest deeper than ${MAX_DEPTH} levels (subgraphs inside subgraphs?)`);
  const outer = r.end;
  r.end = end;
  const msg = blank(type);
  let absent = type.scalars;
  let unpacked = 0;
  let unknown: Unknown[] | undefined;
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no === 0) throw invalid(`field number 0 at byte ${start}; the file is not ONNX`);
    const f = type.byNumber[no];
    if (f && wire === f.wire) {
      let value: unknown;
      if (f.message) {
        const stop = r.length();
        value = readMessage(r, typeOf(f.message), stop, depth + 1, counter);
      } else value = READ[f.kind as Scalar](r);
      if (f.repeated) {
        (msg[f.key] as unknown[]).push(value);
        if (f.packable) unpacked |= f.bit;
      } else {
        msg[f.key] = value;
        absent &= ~f.bit;
        if (f.oneof) msg[f.oneof] = f.key;
      }
      continue;
    }
    if (f?.packable && wire === LEN) {
      const stop = r.length();
      const values = msg[f.key] as unknown[];
      const read = READ[f.kind as Scalar];
      r.end = stop;
      while (r.pos < stop) values.push(read(r));
      r.end = end;
      continue;
    }
    r.skipValue(wire);
    (unknown ??= []).push({ no, bytes: r.buf.subarray(start, r.pos) });
    counter.unknown++;
  }
  r.end = outer;
  if (absent !== 0 || unpacked !== 0 || unknown) META.set(msg, { type, absent, unpacked, unknown });
  return msg;
}

/** A new message: every field filled in; fields given in `fields` are written even when they hold the default. */
export function createMessage<M extends keyof Messages>(name: M, fields: Partial<Messages[M]> = {}): Messages[M] {
  const type = typeOf(name);
  const msg = blank(type);
  let absent = type.scalars;
  for (const [key, value] of Object.entries(fields)) {
    const f = type.byKey.get(key);
    if (!f || value === undefined) continue;
    msg[key] = value;
    absent &= ~f.bit;
    if (f.oneof && value !== null) msg[f.oneof] = key;
  }
  if (absent !== 0) META.set(msg, { type, absent, unpacked: 0, unknown: undefined });
  return msg as unknown as Messages[M];
}

/** Sets a field and marks it present, so it is written even when the value is the default ('' or 0). */
export function setField<T extends object, K extends keyof T & string>(message: T, key: K, value: T[K]): void {
  message[key] = value;
  const meta = META.get(message);
  const f = meta?.type.byKey.get(key);
  if (meta && f) meta.absent &= ~f.bit;
}

export interface EncodeOptions {
  /**
   * `as-read`: repeated numbers keep the form they were decoded in (new ones are packed); `packed`: all packed.
   * @defaultValue `'as-read'`
   */
  packing?: 'as-read' | 'packed';
}

/** Encodes one message (and its nested messages) into a new buffer of exactly its size. */
export function encodeMessage<M extends keyof Messages>(name: M, message: Messages[M], options: EncodeOptions = {}): Uint8Array {
  const type = typeOf(name);
  const counter = new Counter();
  const sizes = new Map<object, number>();
  const packAll = options.packing === 'packed';
  emit(message as unknown as Msg, type, counter, sizes, packAll);
  const writer = new Writer(counter.pos);
  emit(message as unknown as Msg, type, writer, sizes, packAll);
  if (writer.pos !== writer.buf.length) throw new Error(`encoder size mismatch: measured ${writer.buf.length}, wrote ${writer.pos}`);
  return writer.buf;
}

const parts = { lo: 0, hi: 0 };

/** Emits a message's fields in number order; the Counter pass records nested sizes that the Writer pass reads. */
function emit(msg: Msg, type: Type, out: Sink, sizes: Map<object, number>, packAll: boolean): void {
  if (typeof msg !== 'object' || msg === null) throw new TypeError(`expected a message object, got ${msg === null ? 'null' : typeof msg}`);
  const meta = META.get(msg);
  const unknown = meta?.unknown;
  let u = 0;
  for (const f of type.fields) {
    if (unknown) while (u < unknown.length && (unknown[u] as Unknown).no < f.no) out.raw((unknown[u++] as Unknown).bytes);
    const value = msg[f.key];
    if (value === undefined || value === null) continue;
    if (f.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${f.key}: expected an array`);
      if (value.length === 0) continue;
      if (f.packable && (packAll || !meta || (meta.unpacked & f.bit) === 0)) {
        out.varint(f.no * 8 + LEN);
        nested(value, out, sizes, () => {
          for (const v of value) scalar(f.kind as Scalar, v, out);
        });
      } else for (const v of value) one(f, v, out, sizes, packAll);
    } else if (f.message || !meta || (meta.absent & f.bit) === 0 || !isDefault(f.kind as Scalar, value)) {
      one(f, value, out, sizes, packAll);
    }
  }
  if (unknown) while (u < unknown.length) out.raw((unknown[u++] as Unknown).bytes);
}

function one(f: Field, value: unknown, out: Sink, sizes: Map<object, number>, packAll: boolean): void {
  out.varint(f.tag);
  if (f.message) {
    const type = typeOf(f.message);
    nested(value as object, out, sizes, () => emit(value as Msg, type, out, sizes, packAll));
  } else scalar(f.kind as Scalar, value, out);
}

/** A length-delimited run: measured in the Counter pass, its length written first in the Writer pass. */
function nested(key: object, out: Sink, sizes: Map<object, number>, body: () => void): void {
  if (out instanceof Counter) {
    const start = out.pos;
    body();
    const size = out.pos - start;
    sizes.set(key, size);
    out.pos += varintSize(size);
  } else {
    out.varint(sizes.get(key) as number);
    body();
  }
}

function scalar(kind: Scalar, v: unknown, out: Sink): void {
  switch (kind) {
    case 'string': {
      if (typeof v !== 'string') throw new TypeError(`expected a string, got ${typeof v}`);
      const n = utf8Length(v);
      out.varint(n);
      out.string(v, n);
      return;
    }
    case 'bytes':
      if (!(v instanceof Uint8Array)) throw new TypeError(`expected a Uint8Array, got ${typeof v}`);
      out.varint(v.length);
      out.raw(v);
      return;
    case 'int32':
      if (!Number.isInteger(v)) throw new TypeError(`int32 field: expected an integer, got ${String(v)}`);
      out.varint((v as number) >>> 0, (v as number) < 0 ? 0xffffffff : 0);
      return;
    case 'float':
    case 'double':
      if (typeof v !== 'number') throw new TypeError(`${kind} field: expected a number, got ${typeof v}`);
      if (kind === 'float') out.float(v);
      else out.double(v);
      return;
    default:
      int64Parts(v as Int64, parts);
      out.varint(parts.lo, parts.hi);
  }
}

function isDefault(kind: Scalar, v: unknown): boolean {
  if (kind === 'bytes') return (v as Uint8Array).length === 0;
  if (kind === 'float' || kind === 'double') return Object.is(v, 0);
  return v === DEFAULTS[kind] || v === 0n;
}
