// Minimal helpers for assembling ONNX ModelProtos with onnx-proto.
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;

export const IR_VERSION = 8;
export const OPSET = 17;
export const PRODUCER = 'edge-infer-models';
export const PRODUCER_VERSION = '1.0.0';

const ELEM_TYPES = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};
const DTYPE_NAMES = Object.fromEntries(Object.entries(ELEM_TYPES).map(([k, v]) => [v, k]));

/** Little-endian bytes of a typed array (copied, so the caller may reuse it). */
function littleEndianBytes(data) {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof BigInt64Array) data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  else throw new TypeError('unsupported initializer type');
  return out;
}

/** Initializer tensor stored as raw_data. `data` is a Float32Array or BigInt64Array. */
export function initializer(name, dims, data) {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`initializer ${name}: ${data.length} values for dims ${dims}`);
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: data instanceof Float32Array ? ELEM_TYPES.float32 : ELEM_TYPES.int64,
    rawData: littleEndianBytes(data),
  });
}

function attribute(name, value) {
  const T = onnx.AttributeProto.AttributeType;
  if (Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: T.INT, i: value });
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value });
  throw new TypeError(`unsupported attribute ${name}`);
}

/** Graph node; attrs is a plain object of int / float / int[] values. */
export function node(opType, inputs, outputs, attrs = {}, name = outputs[0]) {
  return onnx.NodeProto.create({
    opType,
    name,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

/** Typed graph input/output; string dims are symbolic (dim_param), numbers are fixed. */
export function valueInfo(name, dtype, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPES[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

/** Serialized ModelProto bytes. */
export function encodeModel({ name, doc, nodes, initializers, inputs, outputs }) {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    producerVersion: PRODUCER_VERSION,
    modelVersion: 1,
    docString: doc,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name, node: nodes, initializer: initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Graph inputs/outputs as {name, dtype, dims}. Unnamed dynamic dims are looked up in
 * `unnamed[name][axis]` so every dynamic axis ends up with a readable symbolic name.
 */
export function signature(bytes, unnamed = {}) {
  const graph = onnx.ModelProto.decode(bytes).graph;
  const describe = (vi) => {
    const t = vi.type.tensorType;
    const dims = (t.shape?.dim ?? []).map((d, axis) => {
      if (d.dimParam) return d.dimParam;
      if (d.value === 'dimValue') return toNumber(d.dimValue);
      const alias = unnamed[vi.name]?.[axis];
      if (!alias) throw new Error(`no name for dynamic axis ${axis} of ${vi.name}`);
      return alias;
    });
    return { name: vi.name, dtype: DTYPE_NAMES[t.elemType] ?? String(t.elemType), dims };
  };
  const initNames = new Set(graph.initializer.map((t) => t.name));
  return {
    inputs: graph.input.filter((vi) => !initNames.has(vi.name)).map(describe),
    outputs: graph.output.map(describe),
  };
}

/** int64 fields decode as Long objects when long.js is present. */
function toNumber(v) {
  return typeof v === 'object' && v !== null ? v.toNumber() : Number(v);
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}
