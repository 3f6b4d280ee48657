// Reading and building TensorProtos. Values are always little-endian raw_data when written.
import { EdgeInferError } from '../../errors.js';
import { DataLocation, DataType, create, toNumber, type TensorProto } from './proto.js';

export const DTYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2 };

export function dimsOf(tensor: TensorProto): number[] {
  return tensor.dims.map((d) => toNumber(d));
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function isExternal(tensor: TensorProto): boolean {
  return tensor.dataLocation === DataLocation.EXTERNAL;
}

/** Bytes the tensor's values take (raw or typed fields); external data counts by its declared size. */
export function payloadBytes(tensor: TensorProto): number {
  if (tensor.rawData?.length) return tensor.rawData.length;
  return elementCount(dimsOf(tensor)) * (ELEMENT_BYTES[tensor.dataType] ?? 0);
}

/** float32 values of a FLOAT tensor, from raw_data or float_data. */
export function readFloat32(tensor: TensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new TypeError(`tensor ${tensor.name} is not float32`);
  if (isExternal(tensor)) {
    throw new EdgeInferError('quantize-unsupported', `tensor "${tensor.name}" keeps its values in an external file; ` +
      'only single-file models are supported');
  }
  const count = elementCount(dimsOf(tensor));
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * 4) throw new EdgeInferError('model-invalid', `tensor "${tensor.name}" has ${raw.length} bytes for ${count} float32 values`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (tensor.floatData.length !== count) {
    throw new EdgeInferError('model-invalid', `tensor "${tensor.name}" has ${tensor.floatData.length} values for dims [${dimsOf(tensor).join(', ')}]`);
  }
  return Float32Array.from(tensor.floatData);
}

export function float32Tensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return create.tensor({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw });
}

export function int8Tensor(name: string, dims: readonly number[], values: Int8Array): TensorProto {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  return create.tensor({ name, dims: [...dims], dataType: DataType.INT8, rawData: raw });
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return create.tensor({ name, dims: [...dims], dataType: DataType.INT64, rawData: raw });
}
