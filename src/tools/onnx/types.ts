// Decoded shapes of the ONNX messages (schema.ts lists their fields). Every field is present after decoding: absent
// scalars hold their default ('' / 0 / empty bytes), absent messages null, repeated fields arrays. int64 values are
// numbers when they are safe integers and bigints otherwise (toNumber() in proto.ts reads either). `bytes` fields are
// views into the decoded buffer. `value` (and `dim`) name the member of a oneof the decoder found.
import type { SCHEMA } from './schema.js';
import type { Int64 } from './wire.js';

export type { Int64 };

export interface StringStringEntryProto {
  key: string;
  value: string;
}

export interface OperatorSetIdProto {
  domain: string;
  version: Int64;
}

export interface TensorProtoSegment {
  begin: Int64;
  end: Int64;
}

export interface TensorProto {
  dims: Int64[];
  dataType: number;
  segment: TensorProtoSegment | null;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name: string;
  rawData: Uint8Array;
  doubleData: number[];
  uint64Data: Int64[];
  docString: string;
  externalData: StringStringEntryProto[];
  dataLocation: number;
  metadataProps: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values: TensorProto | null;
  indices: TensorProto | null;
  dims: Int64[];
}

export interface TensorShapeProtoDimension {
  dimValue: Int64;
  dimParam: string;
  denotation: string;
  value?: 'dimValue' | 'dimParam';
}

export interface TensorShapeProto {
  dim: TensorShapeProtoDimension[];
}

export interface TypeProtoTensor {
  elemType: number;
  shape: TensorShapeProto | null;
}

export interface TypeProto {
  tensorType: TypeProtoTensor | null;
  sequenceType: { elemType: TypeProto | null } | null;
  mapType: { keyType: number; valueType: TypeProto | null } | null;
  denotation: string;
  opaqueType: { domain: string; name: string } | null;
  sparseTensorType: TypeProtoTensor | null;
  optionalType: { elemType: TypeProto | null } | null;
  value?: 'tensorType' | 'sequenceType' | 'mapType' | 'opaqueType' | 'sparseTensorType' | 'optionalType';
}

export interface ValueInfoProto {
  name: string;
  type: TypeProto | null;
  docString: string;
  metadataProps: StringStringEntryProto[];
}

export interface AttributeProto {
  name: string;
  f: number;
  i: Int64;
  s: Uint8Array;
  t: TensorProto | null;
  g: GraphProto | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  docString: string;
  tp: TypeProto | null;
  typeProtos: TypeProto[];
  type: number;
  refAttrName: string;
  sparseTensor: SparseTensorProto | null;
  sparseTensors: SparseTensorProto[];
}

export interface ShardingSpecProto {
  tensorName: string;
  device: Int64[];
  indexToDeviceGroupMap: { key: Int64; value: Int64[] }[];
  shardedDim: { axis: Int64; simpleSharding: { dimValue: Int64; dimParam: string; numShards: Int64; dim?: 'dimValue' | 'dimParam' }[] }[];
}

export interface NodeDeviceConfigurationProto {
  configurationId: string;
  shardingSpec: ShardingSpecProto[];
  pipelineStage: number;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: AttributeProto[];
  docString: string;
  domain: string;
  overload: string;
  metadataProps: StringStringEntryProto[];
  deviceConfigurations: NodeDeviceConfigurationProto[];
}

export interface TensorAnnotation {
  tensorName: string;
  quantParameterTensorNames: StringStringEntryProto[];
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  docString: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  quantizationAnnotation: TensorAnnotation[];
  sparseInitializer: SparseTensorProto[];
  metadataProps: StringStringEntryProto[];
}

export interface TrainingInfoProto {
  initialization: GraphProto | null;
  algorithm: GraphProto | null;
  initializationBinding: StringStringEntryProto[];
  updateBinding: StringStringEntryProto[];
}

export interface FunctionProto {
  name: string;
  input: string[];
  output: string[];
  attribute: string[];
  node: NodeProto[];
  docString: string;
  opsetImport: OperatorSetIdProto[];
  domain: string;
  attributeProto: AttributeProto[];
  valueInfo: ValueInfoProto[];
  overload: string;
  metadataProps: StringStringEntryProto[];
}

export interface DeviceConfigurationProto {
  name: string;
  numDevices: number;
  device: string[];
}

export interface ModelProto {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: Int64;
  docString: string;
  /** Never null in a model decodeModel() returns. */
  graph: GraphProto;
  opsetImport: OperatorSetIdProto[];
  metadataProps: StringStringEntryProto[];
  trainingInfo: TrainingInfoProto[];
  functions: FunctionProto[];
  configuration: DeviceConfigurationProto[];
}

/** The decoded shape of each message the schema names (for the generic codec). */
export interface Messages {
  ModelProto: ModelProto;
  GraphProto: GraphProto;
  NodeProto: NodeProto;
  AttributeProto: AttributeProto;
  TensorProto: TensorProto;
  SparseTensorProto: SparseTensorProto;
  ValueInfoProto: ValueInfoProto;
  TypeProto: TypeProto;
  TensorShapeProto: TensorShapeProto;
  TensorShapeProtoDimension: TensorShapeProtoDimension;
  OperatorSetIdProto: OperatorSetIdProto;
  StringStringEntryProto: StringStringEntryProto;
  TensorAnnotation: TensorAnnotation;
  TrainingInfoProto: TrainingInfoProto;
  FunctionProto: FunctionProto;
}

// Compile-time check that each interface above lists exactly the fields schema.ts gives its message.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Rows<M extends keyof Messages> = (typeof SCHEMA)[M][number];
type FieldNames<M extends keyof Messages> = Rows<M>[1];
type Oneofs<M extends keyof Messages> = Rows<M> extends infer R ? (R extends readonly [number, string, string, `oneof:${infer G}`] ? G : never) : never;
type AllTrue<T extends Record<keyof Messages, true>> = T;
export type SchemaMatchesTypes = AllTrue<{ [M in keyof Messages]: Same<Exclude<keyof Messages[M], Oneofs<M>>, FieldNames<M>> }>;
