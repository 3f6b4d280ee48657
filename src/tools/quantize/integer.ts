// Integer forms of MatMul, Gemm and Conv with an int8 weight: the activation is quantized to uint8 at run time
// (DynamicQuantizeLinear), multiplied in int32 (MatMulInteger / ConvInteger) and scaled back to float.
// The MatMul shape (MatMulInteger -> Cast -> Mul by a_scale * b_scale) is the one onnxruntime's CPU provider
// fuses into DynamicQuantizeMatMul.
import { constantNode, floatAttr, intAttr, makeNode } from '../onnx/build.js';
import type { Names, Scope } from '../onnx/graph.js';
import { DataType, type NodeProto } from '../onnx/proto.js';
import { float32Tensor, int64Tensor } from '../onnx/tensors.js';

/** Names of a weight's int8 tensor and its scale (scalar, or one per channel). */
export interface Int8Names {
  values: string;
  scale: string;
  perChannel: boolean;
  rank: number;
}

interface QuantizedActivation {
  values: string;
  scale: string;
  zeroPoint: string;
}

/** Per-graph state, so one activation feeding several nodes is quantized once. */
export class IntegerRewriter {
  private readonly activations = new Map<Scope, Map<string, QuantizedActivation>>();
  private readonly transposed = new Map<Scope, Map<string, string>>();

  constructor(private readonly names: Names) {}

  /** Nodes that replace `node` (MatMul, Gemm or Conv reading `weight` at input 1), outputs kept. */
  rewrite(node: NodeProto, scope: Scope, weight: Int8Names): NodeProto[] {
    const out: NodeProto[] = [];
    const base = node.name || (node.output[0] as string);
    const name = (suffix: string) => this.names.fresh(`${base}/${suffix}`);
    const act = this.activation(node.input[0] as string, scope, out);
    const y = node.output[0] as string;
    const int32 = name('int32');
    const float = name('float');
    if (node.opType === 'MatMul') {
      out.push(makeNode('MatMulInteger', [act.values, weight.values, act.zeroPoint], [int32], name('MatMulInteger')));
    } else if (node.opType === 'Gemm') {
      const b = intAttr(node, 'transB', 0) ? this.transpose(weight.values, scope, out) : weight.values;
      out.push(makeNode('MatMulInteger', [act.values, b, act.zeroPoint], [int32], name('MatMulInteger')));
    } else {
      const conv = makeNode('ConvInteger', [act.values, weight.values, act.zeroPoint], [int32], name('ConvInteger'));
      conv.attribute = node.attribute; // same attributes: auto_pad, dilations, group, kernel_shape, pads, strides
      out.push(conv);
    }
    out.push(makeNode('Cast', [int32], [float], name('Cast'), { to: DataType.FLOAT }));

    let weightScale = weight.scale;
    if (node.opType === 'Conv' && weight.perChannel) {
      // [M] -> [M, 1, ...] to broadcast over the output's spatial axes; a constant, so onnxruntime folds it.
      weightScale = this.reshape(weight.scale, [-1, ...new Array<number>(weight.rank - 2).fill(1)], name, out);
    }
    if (node.opType === 'Gemm' && floatAttr(node, 'alpha', 1) !== 1) weightScale = this.scaled(weightScale, floatAttr(node, 'alpha', 1), name, out);
    const scale = name('scale');
    out.push(makeNode('Mul', [act.scale, weightScale], [scale], name('Mul_scale')));

    const bias = node.opType === 'Conv' || node.opType === 'Gemm' ? node.input[2] : undefined;
    const product = bias ? name('product') : y;
    out.push(makeNode('Mul', [float, scale], [product], name('Mul')));
    if (bias) {
      let b = bias;
      if (node.opType === 'Gemm' && floatAttr(node, 'beta', 1) !== 1) b = this.scaled(bias, floatAttr(node, 'beta', 1), name, out);
      if (node.opType === 'Conv') b = this.reshape(bias, [-1, ...new Array<number>(weight.rank - 2).fill(1)], name, out);
      out.push(makeNode('Add', [product, b], [y], name('Add_bias')));
    }
    return out;
  }

  private activation(input: string, scope: Scope, out: NodeProto[]): QuantizedActivation {
    let byName = this.activations.get(scope);
    if (!byName) this.activations.set(scope, (byName = new Map()));
    const known = byName.get(input);
    if (known) return known;
    const act = {
      values: this.names.fresh(`${input}_quantized`),
      scale: this.names.fresh(`${input}_scale`),
      zeroPoint: this.names.fresh(`${input}_zero_point`),
    };
    out.push(makeNode('DynamicQuantizeLinear', [input], [act.values, act.scale, act.zeroPoint], this.names.fresh(`${input}/DynamicQuantizeLinear`)));
    byName.set(input, act);
    return act;
  }

  /** Gemm with transB reads W as [N, K]; MatMulInteger wants [K, N]. A constant, so onnxruntime folds it at load. */
  private transpose(values: string, scope: Scope, out: NodeProto[]): string {
    let byName = this.transposed.get(scope);
    if (!byName) this.transposed.set(scope, (byName = new Map()));
    const known = byName.get(values);
    if (known) return known;
    const t = this.names.fresh(`${values}_transposed`);
    out.push(makeNode('Transpose', [values], [t], this.names.fresh(`${values}/Transpose`), { perm: [1, 0] }));
    byName.set(values, t);
    return t;
  }

  private reshape(input: string, shape: number[], name: (s: string) => string, out: NodeProto[]): string {
    const shapeName = name('shape');
    const reshaped = name('reshaped');
    out.push(constantNode(int64Tensor(shapeName, [shape.length], shape), name('Constant_shape')));
    out.push(makeNode('Reshape', [input, shapeName], [reshaped], name('Reshape')));
    return reshaped;
  }

  private scaled(input: string, factor: number, name: (s: string) => string, out: NodeProto[]): string {
    const factorName = name('factor');
    const result = name('scaled');
    out.push(constantNode(float32Tensor(factorName, [], Float32Array.of(factor)), name('Constant_factor')));
    out.push(makeNode('Mul', [input, factorName], [result], name('Mul_factor')));
    return result;
  }
}
