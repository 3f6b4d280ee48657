import { expect, test } from 'vitest';
import { parseNpy, writeNpy } from '../../../src/monitor/npy.js';
import { codeOf } from '../code-of.js';

/** A .npy file with a hand-written header (version `major`), padded like numpy does. */
function npy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + encoded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, encoded.length, true); else view.setUint32(8, encoded.length, true);
  out.set(encoded, prefix);
  out.set(data, prefix + encoded.length);
  return out;
}

const floats = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

test('float32 and int64 tensors survive a round trip', () => {
  const f = { dtype: 'float32' as const, dims: [2, 3], data: Float32Array.from([1, -2.5, 0, 3, 4e-8, Infinity]) };
  const bytes = writeNpy(f);
  expect(bytes.subarray(1, 6)).toEqual(new TextEncoder().encode('NUMPY'));
  expect((bytes.length - f.data.byteLength) % 64).toBe(0); // data starts on a 64-byte boundary, as numpy writes it
  expect(parseNpy(bytes)).toEqual(f);
  const i = { dtype: 'int64' as const, dims: [4], data: BigInt64Array.from([0n, -1n, 16000n, 2n ** 62n]) };
  expect(parseNpy(writeNpy(i))).toEqual(i);
  const empty = { dtype: 'float32' as const, dims: [0, 784], data: new Float32Array(0) };
  expect(parseNpy(writeNpy(empty))).toEqual(empty);
});

test('reads what numpy writes: versions 2 and 3, a 1-d shape, an unaligned buffer', () => {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  for (const major of [1, 2, 3]) expect(parseNpy(npy(header, floats([1, 2, 3]), major)).data).toEqual(Float32Array.from([1, 2, 3]));
  const file = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", floats([5, 6]));
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  expect(parseNpy(shifted.subarray(1))).toEqual({ dtype: 'float32', dims: [1, 2], data: Float32Array.from([5, 6]) });
});

test('rejects what it cannot read, with input-invalid', () => {
  const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  expect(codeOf(() => parseNpy(npy(ok, floats([1, 2]))))).toBeUndefined();
  const cases: [string, Uint8Array][] = [
    ['bad magic', new TextEncoder().encode('PK\u0003\u0004 not a numpy file')],
    ['too short', new Uint8Array([0x93, 0x4e])],
    ['version 4', npy(ok, floats([1, 2]), 4)],
    ['big-endian', npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", floats([1, 2]))],
    ['float64', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", floats([1, 2]))],
    ['int32', npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", floats([1, 2]))],
    ['fortran order', npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", floats([1, 2]))],
    ['data too short', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats([1, 2]))],
    ['data too long', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats([1, 2]))],
    ['0-d array', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", floats([1]))],
    ['no shape', npy("{'descr': '<f4', 'fortran_order': False, }", floats([1]))],
    ['negative dim', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", floats([1]))],
    ['header longer than file', (() => { const b = npy(ok, floats([1, 2])); new DataView(b.buffer).setUint16(8, 60000, true); return b; })()],
  ];
  for (const [name, bytes] of cases) expect([name, codeOf(() => parseNpy(bytes))]).toEqual([name, 'input-invalid']);
  expect(codeOf(() => parseNpy([1, 2, 3] as unknown as Uint8Array))).toBe('input-invalid');
});

test('writeNpy rejects tensors it cannot write', () => {
  expect(codeOf(() => writeNpy({ dtype: 'float32', dims: [], data: new Float32Array(1) }))).toBe('input-invalid');
  expect(codeOf(() => writeNpy({ dtype: 'float32', dims: [3], data: new Float32Array(2) }))).toBe('input-invalid');
  expect(codeOf(() => writeNpy({ dtype: 'int64', dims: [2], data: new Float32Array(2) }))).toBe('input-invalid');
});
