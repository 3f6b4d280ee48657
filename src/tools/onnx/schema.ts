// The ONNX protobuf schema (onnx/onnx.in.proto, IR version 14) as data: one row per field, in field-number order,
// which is the order protobuf writers (C++, Python, protobufjs) emit. Field names are the camelCase JSON names.
// The codec (codec.ts) reads and writes any message from these rows; types.ts declares the decoded shapes.

/** Scalar kinds; `enum` fields are int32 on the wire. */
export type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'uint64' | 'float' | 'double';

/** [field number, name, kind (a scalar or a message name), flags]: `repeated`, or the field's oneof (`oneof:value`). */
export type FieldRow = readonly [number, string, string] | readonly [number, string, string, 'repeated' | `oneof:${string}`];

const R = 'repeated';

export const SCHEMA = {
  ModelProto: [
    [1, 'irVersion', 'int64'], [2, 'producerName', 'string'], [3, 'producerVersion', 'string'], [4, 'domain', 'string'],
    [5, 'modelVersion', 'int64'], [6, 'docString', 'string'], [7, 'graph', 'GraphProto'],
    [8, 'opsetImport', 'OperatorSetIdProto', R], [14, 'metadataProps', 'StringStringEntryProto', R],
    [20, 'trainingInfo', 'TrainingInfoProto', R], [25, 'functions', 'FunctionProto', R],
    [26, 'configuration', 'DeviceConfigurationProto', R],
  ],
  GraphProto: [
    [1, 'node', 'NodeProto', R], [2, 'name', 'string'], [5, 'initializer', 'TensorProto', R], [10, 'docString', 'string'],
    [11, 'input', 'ValueInfoProto', R], [12, 'output', 'ValueInfoProto', R], [13, 'valueInfo', 'ValueInfoProto', R],
    [14, 'quantizationAnnotation', 'TensorAnnotation', R], [15, 'sparseInitializer', 'SparseTensorProto', R],
    [16, 'metadataProps', 'StringStringEntryProto', R],
  ],
  NodeProto: [
    [1, 'input', 'string', R], [2, 'output', 'string', R], [3, 'name', 'string'], [4, 'opType', 'string'],
    [5, 'attribute', 'AttributeProto', R], [6, 'docString', 'string'], [7, 'domain', 'string'], [8, 'overload', 'string'],
    [9, 'metadataProps', 'StringStringEntryProto', R], [10, 'deviceConfigurations', 'NodeDeviceConfigurationProto', R],
  ],
  AttributeProto: [
    [1, 'name', 'string'], [2, 'f', 'float'], [3, 'i', 'int64'], [4, 's', 'bytes'], [5, 't', 'TensorProto'],
    [6, 'g', 'GraphProto'], [7, 'floats', 'float', R], [8, 'ints', 'int64', R], [9, 'strings', 'bytes', R],
    [10, 'tensors', 'TensorProto', R], [11, 'graphs', 'GraphProto', R], [13, 'docString', 'string'],
    [14, 'tp', 'TypeProto'], [15, 'typeProtos', 'TypeProto', R], [20, 'type', 'int32'], [21, 'refAttrName', 'string'],
    [22, 'sparseTensor', 'SparseTensorProto'], [23, 'sparseTensors', 'SparseTensorProto', R],
  ],
  TensorProto: [
    [1, 'dims', 'int64', R], [2, 'dataType', 'int32'], [3, 'segment', 'TensorProtoSegment'], [4, 'floatData', 'float', R],
    [5, 'int32Data', 'int32', R], [6, 'stringData', 'bytes', R], [7, 'int64Data', 'int64', R], [8, 'name', 'string'],
    [9, 'rawData', 'bytes'], [10, 'doubleData', 'double', R], [11, 'uint64Data', 'uint64', R], [12, 'docString', 'string'],
    [13, 'externalData', 'StringStringEntryProto', R], [14, 'dataLocation', 'int32'],
    [16, 'metadataProps', 'StringStringEntryProto', R],
  ],
  TensorProtoSegment: [[1, 'begin', 'int64'], [2, 'end', 'int64']],
  SparseTensorProto: [[1, 'values', 'TensorProto'], [2, 'indices', 'TensorProto'], [3, 'dims', 'int64', R]],
  ValueInfoProto: [
    [1, 'name', 'string'], [2, 'type', 'TypeProto'], [3, 'docString', 'string'], [4, 'metadataProps', 'StringStringEntryProto', R],
  ],
  TypeProto: [
    [1, 'tensorType', 'TypeProtoTensor', 'oneof:value'], [4, 'sequenceType', 'TypeProtoSequence', 'oneof:value'],
    [5, 'mapType', 'TypeProtoMap', 'oneof:value'], [6, 'denotation', 'string'], [7, 'opaqueType', 'TypeProtoOpaque', 'oneof:value'],
    [8, 'sparseTensorType', 'TypeProtoSparseTensor', 'oneof:value'], [9, 'optionalType', 'TypeProtoOptional', 'oneof:value'],
  ],
  TypeProtoTensor: [[1, 'elemType', 'int32'], [2, 'shape', 'TensorShapeProto']],
  TypeProtoSequence: [[1, 'elemType', 'TypeProto']],
  TypeProtoMap: [[1, 'keyType', 'int32'], [2, 'valueType', 'TypeProto']],
  TypeProtoOptional: [[1, 'elemType', 'TypeProto']],
  TypeProtoSparseTensor: [[1, 'elemType', 'int32'], [2, 'shape', 'TensorShapeProto']],
  TypeProtoOpaque: [[1, 'domain', 'string'], [2, 'name', 'string']],
  TensorShapeProto: [[1, 'dim', 'TensorShapeProtoDimension', R]],
  TensorShapeProtoDimension: [[1, 'dimValue', 'int64', 'oneof:value'], [2, 'dimParam', 'string', 'oneof:value'], [3, 'denotation', 'string']],
  OperatorSetIdProto: [[1, 'domain', 'string'], [2, 'version', 'int64']],
  StringStringEntryProto: [[1, 'key', 'string'], [2, 'value', 'string']],
  TensorAnnotation: [[1, 'tensorName', 'string'], [2, 'quantParameterTensorNames', 'StringStringEntryProto', R]],
  TrainingInfoProto: [
    [1, 'initialization', 'GraphProto'], [2, 'algorithm', 'GraphProto'],
    [3, 'initializationBinding', 'StringStringEntryProto', R], [4, 'updateBinding', 'StringStringEntryProto', R],
  ],
  FunctionProto: [
    [1, 'name', 'string'], [4, 'input', 'string', R], [5, 'output', 'string', R], [6, 'attribute', 'string', R],
    [7, 'node', 'NodeProto', R], [8, 'docString', 'string'], [9, 'opsetImport', 'OperatorSetIdProto', R],
    [10, 'domain', 'string'], [11, 'attributeProto', 'AttributeProto', R], [12, 'valueInfo', 'ValueInfoProto', R],
    [13, 'overload', 'string'], [14, 'metadataProps', 'StringStringEntryProto', R],
  ],
  DeviceConfigurationProto: [[1, 'name', 'string'], [2, 'numDevices', 'int32'], [3, 'device', 'string', R]],
  NodeDeviceConfigurationProto: [
    [1, 'configurationId', 'string'], [2, 'shardingSpec', 'ShardingSpecProto', R], [3, 'pipelineStage', 'int32'],
  ],
  ShardingSpecProto: [
    [1, 'tensorName', 'string'], [2, 'device', 'int64', R], [3, 'indexToDeviceGroupMap', 'IntIntListEntryProto', R],
    [4, 'shardedDim', 'ShardedDimProto', R],
  ],
  IntIntListEntryProto: [[1, 'key', 'int64'], [2, 'value', 'int64', R]],
  ShardedDimProto: [[1, 'axis', 'int64'], [2, 'simpleSharding', 'SimpleShardedDimProto', R]],
  SimpleShardedDimProto: [[1, 'dimValue', 'int64', 'oneof:dim'], [2, 'dimParam', 'string', 'oneof:dim'], [3, 'numShards', 'int64']],
} as const satisfies Record<string, readonly FieldRow[]>;

export type MessageName = keyof typeof SCHEMA;
export type Kind = Scalar | MessageName;
/** Compile-time check: every kind in the table is a scalar or a message of the table. */
type Assert<T extends true> = T;
export type KindsAreKnown = Assert<[Exclude<(typeof SCHEMA)[MessageName][number][2], Kind>] extends [never] ? true : false>;

/** ONNX enums the tools use (TensorProto.DataType, AttributeProto.AttributeType, TensorProto.DataLocation). */
export const DataType = Object.freeze({
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10,
  DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23, FLOAT8E8M0: 24, UINT2: 25, INT2: 26,
});

export const AttributeType = Object.freeze({
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
  SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
});

export const DataLocation = Object.freeze({ DEFAULT: 0, EXTERNAL: 1 });
