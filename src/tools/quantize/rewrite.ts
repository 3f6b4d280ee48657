// Applies a plan to the model in place: float weights become int8 + scale, read by integer kernels or expanded
// back to float32 under the original value name, so float consumers in any subgraph stay untouched.
import { constantNode, makeNode, type AttrValue } from '../onnx/build.js';
import { Names, type ModelIndex, type Scope } from '../onnx/graph.js';
import { DataType, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { float32Tensor, int64Tensor, int8Tensor } from '../onnx/tensors.js';
import { IntegerRewriter, type Int8Names } from './integer.js';
import type { ExpandAt } from './options.js';
import type { Plan, QuantizedWeight } from './plan.js';

/** Edits to one graph, applied together so node order stays topological. */
class GraphEdits {
  readonly replace = new Map<NodeProto, NodeProto[]>();
  readonly prepend: NodeProto[] = [];
  readonly initializers = new Map<TensorProto, TensorProto[]>();

  apply(scope: Scope): void {
    const g = scope.graph;
    if (this.initializers.size > 0) g.initializer = g.initializer.flatMap((t) => this.initializers.get(t) ?? [t]);
    if (this.replace.size > 0 || this.prepend.length > 0) {
      g.node = [...this.prepend, ...g.node.flatMap((n) => this.replace.get(n) ?? [n])];
    }
  }
}

export function applyPlan(index: ModelIndex, plan: Plan, expand: ExpandAt): void {
  const names = new Names(index.names);
  const edits = new Map<Scope, GraphEdits>();
  const editsOf = (scope: Scope) => {
    let e = edits.get(scope);
    if (!e) edits.set(scope, (e = new GraphEdits()));
    return e;
  };
  const integerUses = new Map<NodeProto, { scope: Scope; weight: Int8Names }>();
  const vanished = new Set<string>();

  for (const w of plan.quantized) {
    const weight = storeInt8(w, expand, names, editsOf(w.def.scope));
    for (const u of w.uses) {
      if (u.form === 'integer' && u.use.node) integerUses.set(u.use.node, { scope: u.use.scope, weight });
    }
    if (w.uses.every((u) => u.form === 'integer')) vanished.add(w.def.name);
  }

  const integer = new IntegerRewriter(names);
  for (const scope of index.scopes) {
    // Graph order, so an activation's DynamicQuantizeLinear lands before its first integer consumer.
    for (const node of scope.graph.node) {
      const target = integerUses.get(node);
      if (target) editsOf(scope).replace.set(node, integer.rewrite(node, scope, target.weight));
    }
  }
  for (const [scope, e] of edits) e.apply(scope);
  if (vanished.size > 0) {
    for (const scope of index.scopes) scope.graph.valueInfo = scope.graph.valueInfo.filter((v) => !vanished.has(v.name));
  }
}

/** Replaces the float tensor by its int8 values and scale, plus the nodes that expand it when a use reads floats. */
function storeInt8(w: QuantizedWeight, expand: ExpandAt, names: Names, edits: GraphEdits): Int8Names {
  const { def, dims, int8 } = w;
  const values = int8Tensor(names.fresh(`${def.name}_quantized`), dims, int8.values);
  const integerUses = w.uses.some((u) => u.form === 'integer');
  const floatUses = w.uses.some((u) => u.form === 'dequantize');
  // Integer consumers and DequantizeLinear take a 1-D scale; a Mul needs [C, 1, ...] when the channel axis is not
  // the last one.
  const trailing = int8.axis === undefined ? 0 : dims.length - 1 - int8.axis;
  const broadcast = int8.axis === undefined ? [] : [int8.scales.length, ...new Array<number>(trailing).fill(1)];
  const scaleDims = int8.axis === undefined ? [] : integerUses || expand === 'run' ? [int8.scales.length] : broadcast;
  const scale = float32Tensor(names.fresh(`${def.name}_scale`), scaleDims, int8.scales);
  const nodes: NodeProto[] = [];
  if (floatUses && expand === 'run') {
    const axis: Record<string, AttrValue> = int8.axis === undefined ? {} : { axis: int8.axis };
    nodes.push(makeNode('DequantizeLinear', [values.name, scale.name], [def.name], names.fresh(`${def.name}/DequantizeLinear`), axis));
  } else if (floatUses) {
    let factor = scale.name;
    if (scaleDims.length !== broadcast.length) {
      const shape = int64Tensor(names.fresh(`${def.name}_scale_shape`), [broadcast.length], broadcast);
      factor = names.fresh(`${def.name}_scale_broadcast`);
      nodes.push(constantNode(shape, names.fresh(`${shape.name}/Constant`)));
      nodes.push(makeNode('Reshape', [scale.name, shape.name], [factor], names.fresh(`${def.name}/Reshape`)));
    }
    const float = names.fresh(`${def.name}_float`);
    nodes.push(makeNode('Cast', [values.name], [float], names.fresh(`${def.name}/Cast`), { to: DataType.FLOAT }));
    nodes.push(makeNode('Mul', [float, factor], [def.name], names.fresh(`${def.name}/Mul`)));
  }
  const tensors = [values, scale];
  if (def.source === 'initializer') {
    edits.initializers.set(def.tensor, tensors);
    edits.prepend.push(...nodes);
  } else {
    const constants = tensors.map((t) => constantNode(t, names.fresh(`${t.name}/Constant`)));
    edits.replace.set(def.node as NodeProto, [...constants, ...nodes]);
  }
  return { values: values.name, scale: scale.name, perChannel: int8.axis !== undefined, rank: dims.length };
}
