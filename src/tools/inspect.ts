// inspect(): what a model declares and where its bytes are, without running it.
import { constantValue, indexModel, nodeLabel } from './onnx/graph.js';
import { decodeModel, toNumber, type ValueInfoProto } from './onnx/proto.js';
import { DTYPE_NAMES, dimsOf, isExternal, payloadBytes } from './onnx/tensors.js';

export interface IoEntry {
  name: string;
  dtype: string;
  /** Fixed sizes, symbolic names, `'?'` for unnamed free dims; null when the model declares no shape. */
  dims: (number | string)[] | null;
}

export interface TensorEntry {
  name: string;
  graph: string;
  source: 'initializer' | 'constant';
  dtype: string;
  dims: number[];
  bytes: number;
  external: boolean;
}

export interface Tally {
  tensors: number;
  bytes: number;
}

export interface InspectReport {
  fileBytes: number;
  irVersion: number;
  producer: { name: string; version: string };
  opsets: { domain: string; version: number }[];
  inputs: IoEntry[];
  outputs: IoEntry[];
  /** The main graph plus every If/Loop/Scan subgraph. */
  graphs: number;
  nodes: number;
  /** Node count per op type (`domain:Op` outside the default domain), most frequent first. */
  ops: Record<string, number>;
  weights: {
    tensors: number;
    bytes: number;
    byDtype: Record<string, Tally>;
    /** Per graph: bytes held as initializers and as Constant nodes. */
    byGraph: { graph: string; initializers: Tally; constants: Tally }[];
    external: Tally;
    largest: TensorEntry[];
  };
  metadata: Record<string, string>;
  /** Protobuf fields the ONNX schema this tool knows (IR version 14) does not define; quantize copies them as they are. */
  unknownFields: number;
}

export function inspect(bytes: Uint8Array): InspectReport {
  const { model, unknownFields } = decodeModel(bytes);
  const index = indexModel(model);
  const ops: Record<string, number> = {};
  const tensors: TensorEntry[] = [];
  const byGraph: InspectReport['weights']['byGraph'] = [];
  for (const scope of index.scopes) {
    const row = { graph: scope.path, initializers: { tensors: 0, bytes: 0 }, constants: { tensors: 0, bytes: 0 } };
    for (const t of scope.graph.initializer) {
      tensors.push(entry(t.name, scope.path, 'initializer', t));
      add(row.initializers, payloadBytes(t));
    }
    scope.graph.node.forEach((node, n) => {
      const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:${node.opType}` : node.opType;
      ops[op] = (ops[op] ?? 0) + 1;
      const value = constantValue(node);
      if (!value) return;
      tensors.push(entry(node.output[0] || nodeLabel(node, n), scope.path, 'constant', value));
      add(row.constants, payloadBytes(value));
    });
    if (row.initializers.tensors + row.constants.tensors > 0) byGraph.push(row);
  }
  const byDtype: Record<string, Tally> = {};
  const external = { tensors: 0, bytes: 0 };
  for (const t of tensors) {
    add((byDtype[t.dtype] ??= { tensors: 0, bytes: 0 }), t.bytes);
    if (t.external) add(external, t.bytes);
  }
  const initializerNames = new Set(model.graph.initializer.map((t) => t.name));
  return {
    fileBytes: bytes.length,
    irVersion: toNumber(model.irVersion),
    producer: { name: model.producerName, version: model.producerVersion },
    opsets: model.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
    inputs: model.graph.input.filter((v) => !initializerNames.has(v.name)).map(io),
    outputs: model.graph.output.map(io),
    graphs: index.scopes.length,
    nodes: Object.values(ops).reduce((a, b) => a + b, 0),
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    weights: {
      tensors: tensors.length,
      bytes: tensors.reduce((n, t) => n + t.bytes, 0),
      byDtype,
      byGraph,
      external,
      largest: [...tensors].sort((a, b) => b.bytes - a.bytes).slice(0, 10),
    },
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
    unknownFields,
  };
}

function entry(name: string, graph: string, source: TensorEntry['source'], t: Parameters<typeof payloadBytes>[0]): TensorEntry {
  return { name, graph, source, dtype: DTYPE_NAMES[t.dataType] ?? String(t.dataType), dims: dimsOf(t), bytes: payloadBytes(t), external: isExternal(t) };
}

function add(tally: Tally, bytes: number): void {
  tally.tensors++;
  tally.bytes += bytes;
}

function io(v: ValueInfoProto): IoEntry {
  const tensor = v.type?.tensorType;
  const dims = tensor?.shape
    ? tensor.shape.dim.map((d) => (d.value === 'dimValue' ? toNumber(d.dimValue) : d.dimParam || '?'))
    : null;
  return { name: v.name, dtype: tensor ? (DTYPE_NAMES[tensor.elemType] ?? String(tensor.elemType)) : 'non-tensor', dims };
}
