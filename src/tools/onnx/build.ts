// Small builders for the nodes the quantizer adds.
import { AttributeType, create, toNumber, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

/** Integers become INT attributes; write `{ float: 2 }` for a FLOAT attribute whose value is whole. */
export type AttrValue = number | number[] | TensorProto | { float: number };

export function makeNode(opType: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, AttrValue> = {}): NodeProto {
  return create.node({
    opType,
    name,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([key, value]) => makeAttribute(key, value)),
  });
}

function makeAttribute(name: string, value: AttrValue): AttributeProto {
  if (Array.isArray(value)) return create.attribute({ name, type: AttributeType.INTS, ints: value });
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? create.attribute({ name, type: AttributeType.INT, i: value })
      : create.attribute({ name, type: AttributeType.FLOAT, f: value });
  }
  if ('float' in value) return create.attribute({ name, type: AttributeType.FLOAT, f: value.float });
  return create.attribute({ name, type: AttributeType.TENSOR, t: value });
}

export function constantNode(tensor: TensorProto, nodeName: string): NodeProto {
  return makeNode('Constant', [], [tensor.name], nodeName, { value: tensor });
}

/** An attribute's int value, or `fallback` when the node does not set it. */
export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? toNumber(a.i) : fallback;
}

export function floatAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.f : fallback;
}
