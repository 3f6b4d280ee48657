/// <reference types="node" />
// ONNX protobuf read/write over onnx-proto (the ONNX 1.10 schema compiled for protobufjs).
import { createRequire } from 'node:module';
import onnxProto from 'onnx-proto';
import { EdgeInferError } from '../../errors.js';

export const { onnx } = onnxProto;
type Int64 = number | { toNumber(): number };

// What onnx-proto's decoder guarantees: repeated fields are arrays and scalars have their defaults, so these
// types are stricter than the generated ones (which mark every field optional).
export interface TensorProto {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  dataLocation: number;
  externalData: { key: string; value: string }[];
}

export interface AttributeProto {
  name: string;
  type: number;
  i: Int64;
  f: number;
  ints: Int64[];
  t?: TensorProto | null;
  g?: GraphProto | null;
  graphs: GraphProto[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface ValueInfoProto {
  name: string;
  type?: {
    tensorType?: {
      elemType: number;
      shape?: { dim: { dimValue?: Int64 | null; dimParam?: string | null; value?: string }[] } | null;
    } | null;
  } | null;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  sparseInitializer: { values?: TensorProto | null }[];
  quantizationAnnotation: { tensorName: string }[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: Int64 }[];
  graph: GraphProto;
  functions: unknown[];
  metadataProps: { key: string; value: string }[];
}

export const DataType = onnx.TensorProto.DataType;
export const AttributeType = onnx.AttributeProto.AttributeType;

interface Reader {
  skipType(wireType: number): unknown;
}

// onnx-proto bundles its own protobufjs; its Reader must be the one the generated decoders check against.
const protobuf = createRequire(createRequire(import.meta.url).resolve('onnx-proto'))('protobufjs/minimal') as {
  Reader: { create(bytes: Uint8Array): Reader };
};

export interface DecodedModel {
  model: ModelProto;
  /** Fields the ONNX 1.10 schema does not know (newer metadata, for example); they are dropped on re-encoding. */
  unknownFields: number;
}

/** Decodes and sanity-checks a ModelProto; anything that is not a whole ONNX model is `model-invalid`. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  if (bytes.length === 0) throw invalid('the file is empty');
  const reader = protobuf.Reader.create(bytes);
  let unknownFields = 0;
  const skip = reader.skipType.bind(reader);
  reader.skipType = (wireType: number) => {
    unknownFields++;
    return skip(wireType);
  };
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(reader as unknown as Uint8Array) as unknown as ModelProto;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`the protobuf does not decode (${reason}); the file is truncated or not ONNX`);
  }
  if (!model.graph) throw invalid('no graph found; the file is truncated or not ONNX');
  if (model.opsetImport.length === 0) throw invalid('no opset_import found; the file is truncated or not ONNX');
  if (toNumber(model.irVersion) < 3) throw invalid(`IR version ${toNumber(model.irVersion)} is not an ONNX model this tool reads (expected 3 or newer)`);
  if (model.graph.output.length === 0) throw invalid('the graph declares no outputs; the file is truncated or not ONNX');
  return { model, unknownFields };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model as unknown as Parameters<typeof onnx.ModelProto.encode>[0]).finish();
}

/** The version of the default ('' or 'ai.onnx') operator set, or undefined when the model does not import it. */
export function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return entry ? toNumber(entry.version) : undefined;
}

/** int64 fields decode as Long objects (long.js ships with onnx-proto). */
export function toNumber(value: Int64 | null | undefined): number {
  if (value == null) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

function invalid(reason: string): EdgeInferError {
  return new EdgeInferError('model-invalid', `not a readable ONNX model: ${reason}`);
}

/** Message constructors typed with the decoded shapes above. */
export const create = {
  node: (p: Partial<NodeProto>) => onnx.NodeProto.create(p as never) as unknown as NodeProto,
  attribute: (p: Partial<AttributeProto>) => onnx.AttributeProto.create(p as never) as unknown as AttributeProto,
  tensor: (p: Partial<TensorProto>) => onnx.TensorProto.create(p as never) as unknown as TensorProto,
  model: (p: object) => onnx.ModelProto.create(p as never) as unknown as ModelProto,
};
