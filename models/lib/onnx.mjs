// Minimal helpers for assembling ONNX ModelProtos, over the SDK's own protobuf codec (src/tools/onnx, compiled to
// dist/tools by `npm run models`; compiled here on first use when dist/tools is missing).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const CODEC = new URL('../../dist/tools/onnx/proto.js', import.meta.url);
if (!existsSync(CODEC)) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.tools.json'], { cwd, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('models/lib/onnx.mjs: `tsc -p tsconfig.tools.json` failed; the ONNX codec is in src/tools/onnx');
}
const { AttributeType, DataLocation, DataType, create, decodeModel, encodeModel: encode, toNumber } = await import(CODEC.href);

export { DataLocation };

export const IR_VERSION = 8;
export const OPSET = 17;
export const PRODUCER = 'edge-infer-models';
export const PRODUCER_VERSION = '1.0.0';

const ELEM_TYPES = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
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
  return create.tensor({
    name,
    dims,
    dataType: data instanceof Float32Array ? ELEM_TYPES.float32 : ELEM_TYPES.int64,
    rawData: littleEndianBytes(data),
  });
}

function attribute(name, value) {
  const T = AttributeType;
  if (Number.isInteger(value)) return create.attribute({ name, type: T.INT, i: value });
  if (typeof value === 'number') return create.attribute({ name, type: T.FLOAT, f: value });
  if (Array.isArray(value)) return create.attribute({ name, type: T.INTS, ints: value });
  throw new TypeError(`unsupported attribute ${name}`);
}

/** Graph node; attrs is a plain object of int / float / int[] values. */
export function node(opType, inputs, outputs, attrs = {}, name = outputs[0]) {
  return create.node({
    opType,
    name,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

/** Typed graph input/output; string dims are symbolic (dim_param), numbers are fixed. */
export function valueInfo(name, dtype, dims) {
  return create.valueInfo({
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
  const model = create.model({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    producerVersion: PRODUCER_VERSION,
    modelVersion: 1,
    docString: doc,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name, node: nodes, initializer: initializers, input: inputs, output: outputs },
  });
  return encode(model);
}

/**
 * Graph inputs/outputs as {name, dtype, dims}. Unnamed dynamic dims are looked up in
 * `unnamed[name][axis]` so every dynamic axis ends up with a readable symbolic name.
 */
export function signature(bytes, unnamed = {}) {
  const graph = decodeModel(bytes).model.graph;
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

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}
