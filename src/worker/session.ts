import type { InferenceSession } from 'onnxruntime-web/wasm';
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { Backend } from '../backends.js';
import { DTYPES, type Dtype, type Tensor, type TypedArray, type ValueInfo } from '../tensor.js';
import { setOwn } from '../own.js';
import { availability, type GpuAdapterFacts } from './backend.js';
import { readSignature, unsupportedType, type Signature } from './onnx-signature.js';
import type { Ort } from './ort-builds.js';

/** A session and the onnxruntime-web build that made it: tensors for it must come from the same build. */
export interface Opened<F> {
  session: InferenceSession;
  ort: Ort;
  backend: Backend;
  fetched: F;
  gpu?: GpuAdapterFacts;
}

export type OrtFor = (backend: Backend) => Promise<Ort>;

/**
 * Creates a session on `backend`, or says why it cannot. The bytes are asked for per backend, because a manifest may
 * name a different file (an int8 form) for each. A malformed model throws `model-invalid`: no backend can help.
 */
export async function openOn<F extends { bytes: Uint8Array }>(
  id: string, backend: Backend, gpu: GpuAdapterFacts | undefined, bytes: () => Promise<F>, ortFor: OrtFor,
): Promise<Opened<F> | { reason: string }> {
  const fetched = await bytes();
  if (fetched.bytes.byteLength === 0) throw new EdgeInferError('model-invalid', `model "${id}" is empty (0 bytes)`, { model: id });
  const ort = await ortFor(backend);
  try {
    const session = await ort.InferenceSession.create(fetched.bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
    return { session, ort, backend, fetched, ...(gpu && backend === 'webgpu' ? { gpu } : {}) };
  } catch (error) {
    const reason = ortReason(error);
    if (/external data/i.test(reason)) {
      throw new EdgeInferError('model-invalid', `model "${id}" keeps its weights in external data files, which are not supported: save it with the weights inside the .onnx file (${reason})`, { model: id, reason }, { cause: error });
    }
    // A malformed graph fails the same way on every backend: trying the next one cannot help.
    if (isModelError(reason)) throw new EdgeInferError('model-invalid', `model "${id}" cannot be loaded: ${reason}`, { model: id, reason }, { cause: error });
    return { reason: `session creation failed: ${reason}` };
  }
}

/** Creates a session on the first backend of the list that can run the model; the reasons earlier ones were skipped are kept. */
export async function createSession<F extends { bytes: Uint8Array }>(id: string, backends: readonly Backend[], bytesFor: (backend: Backend) => Promise<F>, ortFor: OrtFor) {
  const reasons: string[] = [];
  for (const backend of backends) {
    const available = await availability(backend);
    if (!available.ok) {
      reasons.push(`${backend}: ${available.reason}`);
      continue;
    }
    const opened = await openOn(id, backend, available.gpu, () => bytesFor(backend), ortFor);
    if ('session' in opened) return { opened, reasons };
    reasons.push(`${backend}: ${opened.reason}`);
  }
  throw new EdgeInferError('backend-unavailable', `no backend could run model "${id}" (tried ${backends.join(', ')}): ${reasons.join('; ')}`, {
    model: id, reasons,
  });
}

/** One `session.run` with the SDK's tensors in and out. */
export async function runOn(opened: Pick<Opened<unknown>, 'session' | 'ort'>, id: string, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const { ort, session } = opened;
  const inputs: Record<string, InstanceType<Ort['Tensor']>> = {};
  for (const [name, t] of Object.entries(feeds)) {
    setOwn(inputs, name, new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims));
  }
  let results: InferenceSession.ReturnType;
  try {
    results = await session.run(inputs);
  } catch (error) {
    throw toEdgeInferError(error, 'inference-failed', `model "${id}" failed to run`);
  }
  const outputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(results)) {
    setOwn(outputs, name, { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray });
  }
  return outputs;
}

/** Parse errors, unknown ops, type errors and bad initializers: what onnxruntime says about the model itself. */
function isModelError(reason: string): boolean {
  return /protobuf parsing failed|failed to load model|invalid model|ModelProto|No Op registered|Type Error|Initializer '|ShapeInferenceError/i.test(reason);
}

/** onnxruntime-web's message without its wrapper and the C++ source paths of its build machine. */
export function ortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^.*?ERROR_MESSAGE:\s*/s, '')
    .replace(/\/\S+\.(cc|h|cpp):\d+\s+\S+(\s+\S+)*?\s+\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/g, '')
    .replace(/\S+\.(cc|h|cpp):\d+\s*/g, '')
    .trim();
}

/** The ONNX graph's own signature; for files that are not plain ONNX protobuf (ORT format), ORT's metadata. */
export function signatureOf(bytes: Uint8Array, session: InferenceSession): Signature {
  try {
    const signature = readSignature(bytes);
    const names = signature.inputs.map((v) => v.name).join();
    if (names === session.inputNames.join()) return signature;
  } catch (error) {
    if (error instanceof EdgeInferError) throw error; // a type no feed can carry
    // else not plain ONNX protobuf: fall through to ORT's view
  }
  return { inputs: describe(session.inputMetadata, 'input'), outputs: describe(session.outputMetadata, 'output') };
}

function describe(metadata: readonly InferenceSession.ValueMetadata[], role: 'input' | 'output'): ValueInfo[] {
  return metadata.map((m) => {
    if (m.isTensor && !(m.type in DTYPES)) throw unsupportedType(role, m.name, m.type);
    const dtype = (m.isTensor ? m.type : 'float32') as Dtype;
    // ORT reports free dims as 2^32-1 and cannot tell a scalar from an unknown shape.
    const dims = m.isTensor && m.shape.length > 0 ? m.shape.map((d) => (typeof d === 'number' && d < 2 ** 31 ? d : typeof d === 'string' && d ? d : '?')) : null;
    return { name: m.name, dtype, dims };
  });
}
