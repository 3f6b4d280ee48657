// NumPy .npy files, the form reference data usually comes in (np.save). Only what a reference needs: little-endian
// float32 and int64, C order, at least one axis (the first axis is the samples).
import { EdgeInferError, shown } from '../errors.js';

export interface NpyTensor {
  readonly dtype: 'float32' | 'int64';
  readonly dims: number[];
  readonly data: Float32Array | BigInt64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const DESCR = { '<f4': 'float32', '<i8': 'int64' } as const;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function invalid(what: string): never {
  throw new EdgeInferError('input-invalid', `npy: ${what}`);
}

/** Reads a .npy file (format versions 1, 2 and 3). The data is copied into arrays of its own. */
export function parseNpy(bytes: Uint8Array): NpyTensor {
  if (!(bytes instanceof Uint8Array)) invalid(`expected the file's bytes as a Uint8Array, got ${shown(bytes)}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) invalid('expected the magic string \\x93NUMPY at the start; this is not a .npy file');
  const major = bytes[6] as number;
  if (major < 1 || major > 3) invalid(`expected format version 1, 2 or 3, got ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) invalid('the header length is cut off');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes + headerLength;
  if (start > bytes.length) invalid(`the header claims ${headerLength} bytes but the file has ${bytes.length - 8 - lengthBytes} after the length`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, start));

  const descr = field(header, 'descr', /^['"]([^'"]*)['"]/)?.[1];
  if (descr === undefined) invalid(`expected a 'descr' entry in the header, got ${shown(header.trim())}`);
  if (!(descr in DESCR)) {
    const hint = descr.startsWith('>') ? ' (big-endian data: save it little-endian, e.g. arr.astype("<f4"))' : '';
    invalid(`expected dtype '<f4' (float32) or '<i8' (int64), got ${shown(descr)}${hint}`);
  }
  const dtype = DESCR[descr as keyof typeof DESCR];
  const fortran = field(header, 'fortran_order', /^(True|False)/)?.[1];
  if (fortran === undefined) invalid(`expected a 'fortran_order' entry of True or False in the header, got ${shown(header.trim())}`);
  if (fortran === 'True') invalid('expected C order (fortran_order: False), got Fortran order: save np.ascontiguousarray(arr)');
  const shape = field(header, 'shape', /^\(([^)]*)\)/)?.[1];
  if (shape === undefined) invalid(`expected a 'shape' tuple in the header, got ${shown(header.trim())}`);
  const parts = shape.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) invalid('expected at least one axis (samples first), got a 0-d array');
  const dims = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : invalid(`expected non-negative integer dims, got ${shown(s)} in shape (${shape})`)));

  const itemBytes = dtype === 'float32' ? 4 : 8;
  const count = dims.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - start;
  if (count * itemBytes !== dataBytes) {
    invalid(`shape (${dims.join(', ')}) needs ${count * itemBytes} bytes of ${descr} data, got ${dataBytes}`);
  }
  // A copy: the caller's buffer may be unaligned for the element size, and the result should not alias it.
  const copy = bytes.slice(start).buffer;
  if (!LITTLE_ENDIAN) swapBytes(new Uint8Array(copy), itemBytes);
  const data = dtype === 'float32' ? new Float32Array(copy) : new BigInt64Array(copy);
  return { dtype, dims, data };
}

/** Writes a tensor as a version 1 .npy file (version 2 if the header would not fit), C order, little-endian. */
export function writeNpy(tensor: { readonly dtype: 'float32' | 'int64'; readonly dims: readonly number[]; readonly data: Float32Array | BigInt64Array }): Uint8Array {
  const { dtype, dims, data } = tensor;
  const descr = dtype === 'float32' ? '<f4' : dtype === 'int64' ? '<i8' : invalid(`expected dtype float32 or int64, got ${shown(dtype)}`);
  const expectedArray = dtype === 'float32' ? data instanceof Float32Array : data instanceof BigInt64Array;
  if (!expectedArray) invalid(`expected ${dtype === 'float32' ? 'a Float32Array' : 'a BigInt64Array'} for dtype ${dtype}, got ${shown(data)}`);
  if (dims.length === 0) invalid('expected at least one axis (samples first), got dims []');
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) invalid(`dims [${dims.join(', ')}] need ${count} values, got ${data.length}`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const major = dict.length + 11 > 65535 ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  // numpy pads the header with spaces and ends it with a newline so the data starts on a 64-byte boundary.
  dict = dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + dict.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, dict.length, true); else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefix + dict.length);
  if (!LITTLE_ENDIAN) swapBytes(out.subarray(prefix + dict.length), data.BYTES_PER_ELEMENT);
  return out;
}

/** The text after `'key':` in a header dict, matched against `value`. */
function field(header: string, key: string, value: RegExp): RegExpMatchArray | undefined {
  const at = header.search(new RegExp(`['"]${key}['"]\\s*:`));
  if (at < 0) return undefined;
  const rest = header.slice(at).replace(/^['"][^'"]*['"]\s*:\s*/, '');
  return rest.match(value) ?? undefined;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
