// ONNX ModelProto read/write for the tools, over the dependency-free codec in codec.ts (no Node APIs, so it also
// runs in a browser worker). Message shapes are in types.ts, the schema in schema.ts.
import { createMessage, decodeMessage, encodeMessage, type EncodeOptions } from './codec.js';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, StringStringEntryProto, TensorProto, ValueInfoProto } from './types.js';
import { invalid } from './wire.js';

export type * from './types.js';
export { AttributeType, DataLocation, DataType } from './schema.js';
export { setField, type EncodeOptions } from './codec.js';

export interface DecodedModel {
  model: ModelProto;
  /**
   * Fields the ONNX schema this tool knows (IR version 14) does not define, or that came with an unexpected wire
   * type; encodeModel() writes them back as they came.
   */
  unknownFields: number;
}

/** Decodes and sanity-checks a ModelProto; anything that is not a whole ONNX model is `model-invalid`. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  if (!(bytes instanceof Uint8Array)) throw invalid(`expected the model's bytes (a Uint8Array), got ${typeof bytes}`);
  if (bytes.length === 0) throw invalid('the file is empty');
  const { message: model, unknownFields } = decodeMessage('ModelProto', bytes);
  if (!model.graph) throw invalid('no graph found; the file is truncated or not ONNX');
  if (model.opsetImport.length === 0) throw invalid('no opset_import found; the file is truncated or not ONNX');
  if (toNumber(model.irVersion) < 3) throw invalid(`IR version ${toNumber(model.irVersion)} is not an ONNX model this tool reads (expected 3 or newer)`);
  if (model.graph.output.length === 0) throw invalid('the graph declares no outputs; the file is truncated or not ONNX');
  return { model, unknownFields };
}

/**
 * Encodes a ModelProto. A decoded model that was not changed comes back as the bytes it was decoded from, when its
 * writer was canonical (fields in number order, as protobuf writers emit them).
 */
export function encodeModel(model: ModelProto, options?: EncodeOptions): Uint8Array {
  return encodeMessage('ModelProto', model, options);
}

/** The bytes of a ValueInfoProto (to compare signatures). */
export function encodeValueInfo(value: ValueInfoProto): Uint8Array {
  return encodeMessage('ValueInfoProto', value);
}

/** The version of the default ('' or 'ai.onnx') operator set, or undefined when the model does not import it. */
export function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return entry ? toNumber(entry.version) : undefined;
}

/** An int64 field as a number: numbers as they are, bigints (beyond 2^53) rounded, Long-like objects by toNumber(). */
export function toNumber(value: number | bigint | { toNumber(): number } | null | undefined): number {
  if (value == null) return 0;
  if (typeof value === 'number') return value;
  return typeof value === 'bigint' ? Number(value) : value.toNumber();
}

/**
 * Message constructors: every field filled in with its default, and the fields given are written even when they
 * hold the default. Nested plain objects are written as they are (their missing fields are not written).
 */
export const create = {
  model: (p: object) => createMessage('ModelProto', p as Partial<ModelProto>),
  graph: (p: Partial<GraphProto>) => createMessage('GraphProto', p),
  node: (p: Partial<NodeProto>) => createMessage('NodeProto', p),
  attribute: (p: Partial<AttributeProto>) => createMessage('AttributeProto', p),
  tensor: (p: Partial<TensorProto>) => createMessage('TensorProto', p),
  valueInfo: (p: Partial<ValueInfoProto>) => createMessage('ValueInfoProto', p),
  entry: (p: Partial<StringStringEntryProto>) => createMessage('StringStringEntryProto', p),
};
