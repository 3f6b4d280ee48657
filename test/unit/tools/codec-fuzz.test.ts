// Fuzzing the ONNX codec: real model bytes with random edits either decode or fail as model-invalid (never another
// error, a hang or a crash), and random valid messages of every shape the schema allows survive a round trip.
// `npm run fuzz` (FUZZ_RUNS=2000) runs many more cases; FUZZ_SEED replays another sequence.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { inspect, quantize } from '../../../src/tools/index.js';
import { decodeMessage, encodeMessage } from '../../../src/tools/onnx/codec.js';
import { decodeModel, encodeModel } from '../../../src/tools/onnx/proto.js';
import { SCHEMA, type MessageName, type Scalar } from '../../../src/tools/onnx/schema.js';
import type { Messages } from '../../../src/tools/onnx/types.js';
import * as g from './graphs.js';

const runs = Number(process.env.FUZZ_RUNS);
const seed = Number(process.env.FUZZ_SEED);
const params = (defaultRuns: number) => ({
  numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns,
  seed: Number.isSafeInteger(seed) ? seed : 20_261_201,
});
const timeout = Math.max(20_000, params(300).numRuns * 40);

const read = (path: string) => new Uint8Array(readFileSync(path));
const MODELS = [
  read('models/tiny/model.onnx'),
  read('models/forecast/model.onnx'),
  read('models/forecast/model.int8-dynamic.onnx'),
  read('test/browser/fixtures/row-sum.onnx'),
  read('test/browser/fixtures/external-data.onnx'),
  g.ifModel(),
  g.loopModel(),
  g.gemmModel(),
];

// Byte sequences that break parsers: overlong varints, huge lengths, bad wire types, deep nesting starts.
const NASTY = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0x3a, 0xf0, 0xff, 0xff, 0xff, 0x0f],
  [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x0b], [0x0c], [0x0e], [0x0f], [0x00],
  [0x32, 0x02, 0x0a, 0x00],
];

// Edits that keep the length mostly keep the framing intact, so more cases get past the parser into the model.
const edit = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('nasty' as const), at: fc.nat(), bytes: fc.constantFrom(...NASTY.map((b) => Uint8Array.from(b))) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Uint8Array, edits: Edit[]): Uint8Array {
  let b = base;
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    const head = b.subarray(0, at);
    const tail = b.subarray(at);
    const join = (...parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) (out.set(p, o), (o += p.length));
      return out;
    };
    if (e.op === 'set' || e.op === 'flip') {
      if (at === b.length) continue;
      b = b.slice();
      b[at] = e.op === 'set' ? e.value : (b[at] as number) ^ (1 << e.bit);
    } else if (e.op === 'insert' || e.op === 'nasty') b = join(head, e.bytes, tail);
    else if (e.op === 'delete') b = join(head, tail.subarray(e.n));
    else if (e.op === 'duplicate') b = join(head, tail.subarray(0, e.n), tail);
    else b = head;
  }
  return b;
}

function expectModelInvalid(error: unknown): void {
  if (!(error instanceof EdgeInferError) || error.code !== 'model-invalid') throw error;
}

test('real models with random edits decode (and re-encode stably) or fail as model-invalid', { timeout }, () => {
  const cases = fc.record({ base: fc.constantFrom(...MODELS), edits: fc.array(edit, { minLength: 1, maxLength: 4 }) });
  fc.assert(
    fc.property(cases, ({ base, edits }) => {
      const input = mutate(base, edits);
      let model;
      try {
        model = decodeModel(input).model;
      } catch (error) {
        expectModelInvalid(error);
        return;
      }
      const once = encodeModel(model);
      const twice = encodeModel(decodeModel(once).model);
      expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
      try {
        inspect(input);
      } catch (error) {
        expectModelInvalid(error);
      }
      try {
        quantize(input, { minElements: 16 });
      } catch (error) {
        if (!(error instanceof EdgeInferError)) throw error;
      }
    }),
    params(300),
  );
});

// Random messages of any schema type: every field may be present or not, scalars take extreme values.
const SCALARS: Record<Scalar, fc.Arbitrary<unknown>> = {
  string: fc.string({ unit: 'grapheme', maxLength: 6 }),
  bytes: fc.uint8Array({ maxLength: 6 }),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  int64: fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) })),
  uint64: fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n })),
  float: fc.float(),
  double: fc.double(),
};
const arbitraries = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

function messageArb(name: MessageName, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const memo = arbitraries.get(`${name}@${depth}`);
  if (memo) return memo;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [, key, kind, flag] of SCHEMA[name] as readonly (readonly [number, string, string, string?])[]) {
    const scalar = SCALARS[kind as Scalar];
    if (!scalar && depth >= 3) continue;
    const one = scalar ?? messageArb(kind as MessageName, depth + 1);
    fields[key] = flag === 'repeated' ? fc.array(one, { maxLength: 3 }) : one;
  }
  const arb = fc.record(fields, { requiredKeys: [] });
  arbitraries.set(`${name}@${depth}`, arb);
  return arb;
}

test('random valid messages of every type decode to what was encoded and encode back to the same bytes', { timeout }, () => {
  const names: (keyof Messages)[] = ['ModelProto', 'GraphProto', 'NodeProto', 'AttributeProto', 'TensorProto', 'TypeProto', 'FunctionProto'];
  const cases = fc.constantFrom(...names).chain((name) => messageArb(name, 0).map((message) => ({ name, message })));
  fc.assert(
    fc.property(cases, ({ name, message }) => {
      const bytes = encodeMessage(name, message as never);
      const decoded = decodeMessage(name, bytes);
      expect(decoded.unknownFields).toBe(0);
      expect(decoded.message).toMatchObject(message);
      expect(Buffer.from(encodeMessage(name, decoded.message)).equals(Buffer.from(bytes))).toBe(true);
    }),
    params(200),
  );
});
