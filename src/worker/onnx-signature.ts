// Reads a model's graph inputs and outputs straight from the ONNX protobuf. onnxruntime-web's metadata cannot tell
// a scalar from an unknown shape and reports free dims as 4294967295, so validation uses this instead.
import { EdgeInferError } from '../errors.js';
import type { Dtype, ValueInfo } from '../tensor.js';

const DTYPES: Record<number, Dtype> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

/** ONNX element types a feed or result cannot carry here (TensorProto.DataType numbers). */
const UNSUPPORTED: Record<number, string> = {
  8: 'string', 14: 'complex64', 15: 'complex128', 16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz',
  19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

export interface Signature {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** Throws on bytes that are not an ONNX ModelProto with a graph. */
export function readSignature(bytes: Uint8Array): Signature {
  const graph = fields(bytes).find((f) => f.field === 7);
  if (!graph?.bytes) throw new Error('no graph found in the protobuf (is this an ONNX file?)');
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const initializers = new Set<string>();
  for (const f of fields(graph.bytes)) {
    if (f.field === 11 && f.bytes) inputs.push(valueInfo(f.bytes, 'input'));
    else if (f.field === 12 && f.bytes) outputs.push(valueInfo(f.bytes, 'output'));
    else if (f.field === 5 && f.bytes) initializers.add(text(fields(f.bytes).find((t) => t.field === 8)?.bytes));
  }
  if (outputs.length === 0) throw new Error('the graph declares no outputs');
  // Before IR version 4, initializers were listed as graph inputs too; they are not feeds.
  return { inputs: inputs.filter((v) => !initializers.has(v.name)), outputs };
}

function valueInfo(bytes: Uint8Array, role: 'input' | 'output'): ValueInfo {
  let name = '';
  let dtype: Dtype = 'float32';
  let unsupported: string | undefined;
  let dims: (number | string)[] | null = null;
  for (const f of fields(bytes)) {
    if (f.field === 1) name = text(f.bytes);
    if (f.field !== 2 || !f.bytes) continue;
    const tensor = fields(f.bytes).find((t) => t.field === 1)?.bytes;
    if (!tensor) continue;
    for (const t of fields(tensor)) {
      if (t.field === 1) (dtype = DTYPES[t.value] ?? dtype), (unsupported = DTYPES[t.value] ? undefined : UNSUPPORTED[t.value]);
      if (t.field === 2 && t.bytes) dims = fields(t.bytes).filter((d) => d.field === 1).map((d) => dim(d.bytes));
    }
  }
  if (unsupported) throw unsupportedType(role, name, unsupported);
  return { name, dtype, dims };
}

/** A model whose feeds or results hold a type edge-infer cannot pass (strings, complex numbers, 4/8-bit floats). */
export function unsupportedType(role: 'input' | 'output', name: string, type: string): EdgeInferError {
  const supported = Object.values(DTYPES).join(', ');
  return new EdgeInferError('model-invalid', `${role} "${name}" holds ${type} tensors: edge-infer passes ${supported} tensors only`, { [role]: name, type });
}

function dim(bytes: Uint8Array | undefined): number | string {
  for (const f of fields(bytes ?? new Uint8Array())) {
    if (f.field === 1 && f.value >= 0 && f.value <= Number.MAX_SAFE_INTEGER) return f.value;
    if (f.field === 2 && f.bytes && f.bytes.length > 0) return text(f.bytes);
  }
  return '?';
}

interface Field {
  field: number;
  value: number;
  bytes?: Uint8Array;
}

/** Splits one protobuf message into its top-level fields; length-delimited ones are sliced, not copied. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated protobuf');
      const b = buf[pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 70) throw new Error('malformed varint');
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new Error('malformed protobuf field');
    if (wire === 0) out.push({ field, value: varint() });
    else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      out.push({ field, value: 0 });
    } else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length) throw new Error('truncated protobuf');
      out.push({ field, value: length, bytes: buf.subarray(pos, pos + length) });
      pos += length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  if (pos !== buf.length) throw new Error('truncated protobuf');
  return out;
}

function text(bytes: Uint8Array | undefined): string {
  return bytes ? new TextDecoder().decode(bytes) : '';
}
