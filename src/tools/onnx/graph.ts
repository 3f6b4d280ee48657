// Walks a model's graphs, subgraphs of If/Loop/Scan included, and resolves every use of a constant tensor
// with ONNX's lexical scoping: a subgraph sees the values of the graphs around it.
import { AttributeType, DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto.js';

export interface Scope {
  graph: GraphProto;
  /** Readable location: `main`, or `main/If_0:else_branch/...` for subgraphs. */
  path: string;
  parent: Scope | undefined;
}

/** A constant tensor: a graph initializer or the `value` of a Constant node. */
export interface ConstantDef {
  name: string;
  tensor: TensorProto;
  source: 'initializer' | 'constant';
  scope: Scope;
  /** The Constant node holding it (source 'constant'). */
  node?: NodeProto;
  /** Also declared as a graph input, so callers may override it (IR < 4 style). */
  overridable: boolean;
  uses: Use[];
}

export interface Use {
  /** The consuming node, or undefined when the tensor is a graph output. */
  node: NodeProto | undefined;
  input: number;
  scope: Scope;
}

export interface ModelIndex {
  scopes: Scope[];
  constants: ConstantDef[];
  /** Every value and node name anywhere in the model, so new names never collide. */
  names: Set<string>;
}

export function subgraphs(node: NodeProto): { name: string; graph: GraphProto }[] {
  const out: { name: string; graph: GraphProto }[] = [];
  for (const a of node.attribute) {
    if (a.type === AttributeType.GRAPH && a.g) out.push({ name: a.name, graph: a.g });
    if (a.type === AttributeType.GRAPHS) a.graphs.forEach((g, i) => out.push({ name: `${a.name}[${i}]`, graph: g }));
  }
  return out;
}

/** The tensor a Constant node holds in its `value` attribute, if any. */
export function constantValue(node: NodeProto): TensorProto | undefined {
  if (node.opType !== 'Constant' || (node.domain && node.domain !== 'ai.onnx')) return undefined;
  const value = node.attribute.find((a) => a.name === 'value' && a.t);
  return value?.t ?? undefined;
}

export function nodeLabel(node: NodeProto, index: number): string {
  return node.name || `${node.opType}#${index}`;
}

export function indexModel(model: ModelProto): ModelIndex {
  const index: ModelIndex = { scopes: [], constants: [], names: new Set() };
  walk(model.graph, 'main', undefined, [], index);
  return index;
}

/** Each frame maps the names a graph defines to their constant definition, or null for other values. */
type Frame = Map<string, ConstantDef | null>;

function walk(graph: GraphProto, path: string, parent: Scope | undefined, frames: Frame[], index: ModelIndex): void {
  const scope: Scope = { graph, path, parent };
  index.scopes.push(scope);
  const frame: Frame = new Map();
  const chain = [frame, ...frames];
  const resolve = (name: string): ConstantDef | null | undefined => {
    for (const f of chain) if (f.has(name)) return f.get(name);
    return undefined;
  };
  const inputs = new Set(graph.input.map((v) => v.name));
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) index.names.add(v.name);
  for (const v of graph.input) frame.set(v.name, null);
  for (const tensor of graph.initializer) {
    index.names.add(tensor.name);
    const def: ConstantDef = { name: tensor.name, tensor, source: 'initializer', scope, overridable: inputs.has(tensor.name), uses: [] };
    frame.set(tensor.name, tensor.dataType === DataType.FLOAT ? def : null);
    if (tensor.dataType === DataType.FLOAT) index.constants.push(def);
  }
  graph.node.forEach((node, n) => {
    if (node.name) index.names.add(node.name);
    node.input.forEach((name, i) => {
      index.names.add(name);
      const def = name ? resolve(name) : undefined;
      if (def) def.uses.push({ node, input: i, scope });
    });
    for (const sub of subgraphs(node)) {
      walk(sub.graph, `${path}/${nodeLabel(node, n)}:${sub.name}`, scope, chain, index);
    }
    const value = constantValue(node);
    node.output.forEach((name) => {
      index.names.add(name);
      if (value && value.dataType === DataType.FLOAT) {
        const def: ConstantDef = { name, tensor: value, source: 'constant', scope, node, overridable: false, uses: [] };
        index.constants.push(def);
        frame.set(name, def);
      } else frame.set(name, null);
    });
  });
  for (const v of graph.output) {
    const def = resolve(v.name);
    if (def) def.uses.push({ node: undefined, input: 0, scope });
  }
}

/** Hands out names not used anywhere in the model yet. */
export class Names {
  constructor(private readonly taken: Set<string>) {}

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}
