// Small ONNX models built in code for the quantizer tests: weights in Constant nodes, shared weights, weights in
// If and Loop subgraphs, Gemm with transB, grouped Conv.
import { constantNode, makeNode, type AttrValue } from '../../../src/tools/onnx/build.js';
import { AttributeType, create, DataType, encodeModel, type GraphProto, type NodeProto, type TensorProto } from '../../../src/tools/onnx/proto.js';
import { float32Tensor, int64Tensor } from '../../../src/tools/onnx/tensors.js';

/** Seeded uniform [-1, 1) values, so every run builds the same weights. */
export function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[] | undefined) {
  const shape = dims ? { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined;
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

export const f32 = (name: string, dims?: Dim[]) => valueInfo(name, DataType.FLOAT, dims);

export function weight(name: string, dims: number[], seed: number, scale = 0.3): TensorProto {
  return float32Tensor(name, dims, random(dims.reduce((a, b) => a * b, 1), seed, scale));
}

export function graph(name: string, nodes: NodeProto[], inputs: object[], outputs: object[], initializers: TensorProto[] = []): GraphProto {
  return { name, node: nodes, input: inputs, output: outputs, initializer: initializers, valueInfo: [] } as unknown as GraphProto;
}

export function graphAttr(name: string, g: GraphProto) {
  return create.attribute({ name, type: AttributeType.GRAPH, g });
}

export function model(g: GraphProto, opset = 17): Uint8Array {
  return encodeModel(create.model({ irVersion: 8, producerName: 'edge-infer-tests', opsetImport: [{ domain: '', version: opset }], graph: g }));
}

export const node = (op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name = outputs[0] as string) =>
  makeNode(op, inputs, outputs, name, attrs);

/** MatMul whose weight sits in a Constant node, as spox and some torch exports write it. */
export function constantWeightModel(opset = 17): Uint8Array {
  return model(graph('constant-weight', [
    constantNode(weight('w', [64, 32], 1), 'w_const'),
    node('MatMul', ['x', 'w'], ['y'], {}, 'matmul'),
  ], [f32('x', ['batch', 64])], [f32('y', ['batch', 32])]), opset);
}

/** One weight read by two MatMuls. */
export function sharedWeightModel(): Uint8Array {
  return model(graph('shared', [
    node('MatMul', ['x', 'w'], ['h'], {}, 'first'),
    node('Relu', ['h'], ['r']),
    node('MatMul', ['r', 'w'], ['y'], {}, 'second'),
  ], [f32('x', ['batch', 48])], [f32('y', ['batch', 48])], [weight('w', [48, 48], 2, 0.2)]));
}

/** If: the then branch holds its weight in a Constant node, the else branch reads one from the main graph. */
export function ifModel(): Uint8Array {
  const thenBranch = graph('then', [
    constantNode(weight('w_then', [40, 24], 3), 'w_then_const'),
    node('MatMul', ['x', 'w_then'], ['y_then'], {}, 'then_matmul'),
  ], [], [f32('y_then')]);
  const elseBranch = graph('else', [node('MatMul', ['x', 'w_outer'], ['y_else'], {}, 'else_matmul')], [], [f32('y_else')]);
  const ifNode = node('If', ['cond'], ['y'], {}, 'if');
  ifNode.attribute = [graphAttr('then_branch', thenBranch), graphAttr('else_branch', elseBranch)];
  return model(graph('if', [ifNode], [valueInfo('cond', DataType.BOOL, []), f32('x', ['batch', 40])], [f32('y', ['batch', 24])],
    [weight('w_outer', [40, 24], 4)]));
}

/** Loop: three steps of v = tanh(v W_outer + b) W_body, W_body a Constant inside the body. */
export function loopModel(): Uint8Array {
  const body = graph('body', [
    node('Identity', ['cond_in'], ['cond_out']),
    constantNode(weight('w_body', [32, 32], 5, 0.25), 'w_body_const'),
    node('MatMul', ['v_in', 'w_loop'], ['a'], {}, 'body_outer_matmul'),
    node('Tanh', ['a'], ['t']),
    node('MatMul', ['t', 'w_body'], ['v_out'], {}, 'body_inner_matmul'),
  ], [valueInfo('i', DataType.INT64, []), valueInfo('cond_in', DataType.BOOL, []), f32('v_in')], [valueInfo('cond_out', DataType.BOOL, []), f32('v_out')]);
  const loop = node('Loop', ['trips', '', 'x'], ['y'], {}, 'loop');
  loop.attribute = [graphAttr('body', body)];
  return model(graph('loop', [loop], [f32('x', [4, 32])], [f32('y', [4, 32])], [weight('w_loop', [32, 32], 6, 0.25), int64Tensor('trips', [], [3])]));
}

/** Gemm with transB, alpha, beta and a bias, as torch exports Linear. */
export function gemmModel(): Uint8Array {
  return model(graph('gemm', [
    node('Gemm', ['x', 'w', 'b'], ['y'], { transB: 1, alpha: 0.5, beta: { float: 2 } }, 'gemm'),
  ], [f32('x', ['batch', 48])], [f32('y', ['batch', 32])], [weight('w', [32, 48], 7), weight('b', [32], 8)]));
}

/** Grouped 2-D Conv with padding, stride and a bias. */
export function convModel(): Uint8Array {
  return model(graph('conv', [
    node('Conv', ['x', 'w', 'b'], ['c'], { group: 2, pads: [1, 1, 1, 1], strides: [2, 1], kernel_shape: [3, 3] }, 'conv'),
    node('Relu', ['c'], ['y']),
  ], [f32('x', [1, 8, 12, 12])], [f32('y', [1, 16, 6, 12])], [weight('w', [16, 4, 3, 3], 9), weight('b', [16], 10)]));
}

/** Only small or non-weight floats: nothing qualifies for int8. */
export function nothingToQuantizeModel(opset = 17): Uint8Array {
  return model(graph('small', [node('Mul', ['x', 's'], ['m']), node('Add', ['m', 'b'], ['y'])],
    [f32('x', ['batch', 8])], [f32('y', ['batch', 8])], [weight('s', [8], 11), weight('b', [8], 12)]), opset);
}

