// The hand-written ONNX protobuf codec (src/tools/onnx/codec.ts): byte-exact round trips of every bundled model,
// unknown fields kept in place, int64 beyond 2^53, proto2 presence, and malformed input failing as model-invalid.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { inspect, quantize } from '../../../src/tools/index.js';
import { createMessage, decodeMessage, encodeMessage, MAX_DEPTH } from '../../../src/tools/onnx/codec.js';
import { decodeModel, encodeModel, setField, toNumber } from '../../../src/tools/onnx/proto.js';
import { codeOf } from '../code-of.js';
import * as g from './graphs.js';

const read = (path: string) => new Uint8Array(readFileSync(path));
const onnxFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.onnx')).map((f) => join(dir, f)).sort();
const BUNDLED = [...onnxFiles('models'), ...onnxFiles('test/browser/fixtures')];

// Protobuf by hand: a tag, a varint, a length-delimited field.
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 127n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  return [...out, Number(v)];
};
const tag = (no: number, wire: number) => varint(no * 8 + wire);
const len = (no: number, body: ArrayLike<number>) => [...tag(no, 2), ...varint(body.length), ...Array.from(body)];
const str = (no: number, s: string) => len(no, new TextEncoder().encode(s));
const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());

test('every bundled model decodes and encodes back to the same bytes', () => {
  expect(BUNDLED.length).toBeGreaterThanOrEqual(15);
  for (const file of BUNDLED) {
    const original = read(file);
    const { model, unknownFields } = decodeModel(original);
    expect(unknownFields, file).toBe(0);
    expect(Buffer.from(encodeModel(model)).equals(original), file).toBe(true);
  }
});

test('repeated numbers keep the form they came in; packing "packed" (what quantize writes) packs them all', () => {
  const vad = read('models/vad/model.onnx'); // written by C++ protobuf: dims and ints unpacked, *_data packed
  const { model } = decodeModel(vad);
  const packed = encodeModel(model, { packing: 'packed' });
  expect(packed.length).not.toBe(vad.length);
  expect(Buffer.from(encodeModel(model)).equals(vad)).toBe(true);
  // Same content either way.
  const again = decodeModel(packed).model;
  expect(Buffer.from(encodeModel(again, { packing: 'packed' })).equals(packed)).toBe(true);
  const dims = (m: typeof model) => m.graph.node.flatMap((n) => n.attribute.flatMap((a) => a.t?.dims ?? []));
  expect(dims(again)).toEqual(dims(model));
});

test('unknown fields, reserved ONNX fields and fields with an unexpected wire type are written back in place', () => {
  const tiny = decodeModel(read('models/tiny/model.onnx')).model;
  const tensor = (extra: number[]) =>
    bytes(len(1, [2]), tag(2, 0), [1], str(8, 'w'), len(9, [0, 0, 128, 63]), tag(14, 0), [0], extra, len(16, [...str(1, 'k'), ...str(2, 'v')]));
  const graph = bytes(
    len(1, encodeMessage('NodeProto', tiny.graph.node[0]!)),
    str(2, 'g'),
    str(3, 'old-style input'), // GraphProto.input before IR 3: reserved now
    len(5, tensor(str(15, 'unknown between 14 and 16'))),
    len(12, encodeMessage('ValueInfoProto', tiny.graph.output[0]!)),
    tag(99, 5), [1, 2, 3, 4], // fixed32
  );
  const model = bytes(tag(1, 0), [8], tag(2, 0), [7] /* producer_name as a varint */, len(7, graph), len(8, [...tag(2, 0), 17]),
    tag(30, 1), [1, 2, 3, 4, 5, 6, 7, 8]);
  const decoded = decodeModel(model);
  expect(decoded.unknownFields).toBe(5);
  expect(decoded.model.producerName).toBe('');
  expect(decoded.model.graph.initializer[0]?.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
  expect(encodeModel(decoded.model)).toEqual(model);
  expect(inspect(model).unknownFields).toBe(5);
  // Edits elsewhere keep them too.
  decoded.model.graph.name = 'renamed';
  expect(decodeModel(encodeModel(decoded.model)).unknownFields).toBe(5);
});

test('quantize copies unknown fields to its output and says so', () => {
  const plain = g.constantWeightModel();
  const withUnknown = Uint8Array.from([...plain, ...tag(1000, 2), ...varint(3), 1, 2, 3]);
  const { bytes: out, report } = quantize(withUnknown);
  expect(report.warnings.join()).toMatch(/1 protobuf field\(s\) .* copied to the output as they came/);
  expect(decodeModel(out).unknownFields).toBe(1);
  expect(Array.from(out.subarray(-6))).toEqual([...tag(1000, 2), 3, 1, 2, 3]);
});

test("int64: numbers while safe, bigints beyond 2^53, negatives as two's complement; toNumber reads both", () => {
  const big = 2n ** 60n + 1n;
  const t = createMessage('TensorProto', { dims: [3, -1, big, -big], int64Data: [-(2n ** 63n)], uint64Data: [2n ** 64n - 1n, 7] });
  const back = decodeMessage('TensorProto', encodeMessage('TensorProto', t)).message;
  expect(back.dims).toEqual([3, -1, big, -big]);
  expect(back.int64Data).toEqual([-(2n ** 63n)]);
  expect(back.uint64Data).toEqual([2n ** 64n - 1n, 7]);
  expect(encodeMessage('TensorProto', back)).toEqual(encodeMessage('TensorProto', t));
  expect(back.dims.map((d) => toNumber(d))).toEqual([3, -1, Number(big), -Number(big)]);
  const edge = [2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, -(2n ** 53n)];
  expect(decodeMessage('TensorProto', encodeMessage('TensorProto', createMessage('TensorProto', { dims: edge }))).message.dims).toEqual(edge);
  expect(() => encodeMessage('TensorProto', createMessage('TensorProto', { dims: [2 ** 60] }))).toThrow(TypeError);
});

test('presence: fields that came are written even when empty; absent ones only once they hold something', () => {
  const node = decodeMessage('NodeProto', bytes(str(1, 'x'), str(3, ''), str(4, 'Relu'))).message;
  expect(encodeMessage('NodeProto', node)).toEqual(bytes(str(1, 'x'), str(3, ''), str(4, 'Relu')));
  node.domain = ''; // still absent: the default
  node.docString = 'doc';
  expect(encodeMessage('NodeProto', node)).toEqual(bytes(str(1, 'x'), str(3, ''), str(4, 'Relu'), str(6, 'doc')));
  setField(node, 'domain', '');
  expect(encodeMessage('NodeProto', node)).toEqual(bytes(str(1, 'x'), str(3, ''), str(4, 'Relu'), str(6, 'doc'), str(7, '')));
  // createMessage: the fields given are present; plain objects write every field that is set.
  expect(encodeMessage('NodeProto', createMessage('NodeProto', { name: '' }))).toEqual(bytes(str(3, '')));
  expect(encodeMessage('OperatorSetIdProto', { domain: '', version: 0 })).toEqual(bytes(str(1, ''), tag(2, 0), [0]));
});

test('decoded messages are plain data with every field filled in and oneof members named', () => {
  const { model } = decodeModel(read('models/digits/model.onnx'));
  expect(Object.getPrototypeOf(model)).toBe(Object.prototype);
  expect(model.functions).toEqual([]);
  expect(model.domain).toBe('');
  const dims = model.graph.input[0]!.type!.tensorType!.shape!.dim;
  expect(dims.map((d) => d.value)).toEqual(['dimParam', 'dimValue']);
  expect(structuredClone(model.graph.input)).toEqual(model.graph.input);
});

test('truncation anywhere is model-invalid', () => {
  const tiny = read('models/tiny/model.onnx');
  for (let n = 0; n < tiny.length; n++) expect(codeOf(() => decodeModel(tiny.subarray(0, n))), `${n} bytes`).toBe('model-invalid');
});

test('bad wire types, lengths past the end, absurd varints and field 0 are model-invalid', () => {
  const tiny = Array.from(read('models/tiny/model.onnx'));
  const cases: Record<string, number[]> = {
    'wire type 7': [...tag(1, 7), 8, ...tiny],
    'group (wire type 3)': [...tiny, ...tag(40, 3)],
    'length past the end': [...tiny, ...tag(50, 2), ...varint(10)],
    'a 4 GiB graph': [...tag(7, 2), ...varint(0xfffffff0), ...tiny],
    'a length beyond 2^32': [...tag(7, 2), ...varint(2n ** 40n), 0],
    '11-byte varint': [...tag(1, 0), ...new Array<number>(10).fill(0xff), 1],
    'field number 0': [0, 0, ...tiny],
    'packed floats cut mid-value': [...len(7, len(5, len(4, [0, 0, 128]))), ...tiny],
  };
  for (const [name, input] of Object.entries(cases)) expect(codeOf(() => decodeModel(Uint8Array.from(input))), name).toBe('model-invalid');
});

test(`messages nested past ${MAX_DEPTH} levels are model-invalid, quickly and without overflowing the stack`, () => {
  const ifModel = (levels: number): Uint8Array => {
    let graph = bytes(str(2, 'leaf'), len(12, str(1, 'y')));
    for (let i = 0; i < levels; i++) {
      const attr = bytes(str(1, 'then_branch'), len(6, graph), tag(20, 0), [5]);
      const node = bytes(str(1, 'c'), str(2, 'y'), str(4, 'If'), len(5, attr));
      graph = bytes(len(1, node), len(12, str(1, 'y')));
    }
    return bytes(tag(1, 0), [8], len(7, graph), len(8, [...tag(2, 0), 17]));
  };
  expect(inspect(ifModel(30)).graphs).toBe(31); // 3 messages per level: 2 + 90 + 1 deep
  expect(codeOf(() => decodeModel(ifModel(40)))).toBe('model-invalid');
  // A TypeProto nested 2,000 messages deep (sequence of sequence of ...).
  let type: number[] = [];
  for (let i = 0; i < 1000; i++) type = len(4, len(1, type));
  const start = performance.now();
  expect(codeOf(() => decodeModel(bytes(len(7, len(11, len(2, type))))))).toBe('model-invalid');
  expect(performance.now() - start).toBeLessThan(1000);
});

/** Every source file reachable from `entry` through relative imports. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    const target = join(dirname(entry), m[1]!).replace(/\.js$/, '.ts');
    if (existsSync(target)) reachable(target, seen);
  }
  return seen;
}

test('the codec, quantize and inspect use no Node API and no protobuf library (they are to run in a browser worker)', () => {
  const files = new Set([...reachable('src/tools/quantize/quantize.ts'), ...reachable('src/tools/inspect.ts')]);
  expect(files).toContain('src/tools/onnx/codec.ts');
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    expect(source, file).not.toMatch(/from\s+['"](node:|fs|path|module|buffer|protobufjs|onnx-proto)/);
    expect(source, file).not.toMatch(/\bBuffer\.|\bprocess\.|types="node"/);
  }
});
