// onnxruntime-web (wasm backend) in Node, used to check the exported graphs.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export { ort };

export function createSession(bytes) {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

/** Largest absolute difference between two equally long numeric arrays. */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Throws unless onnxruntime-web reproduces the JS forward pass within `tolerance`. */
export function assertClose(label, actual, expected, tolerance = 1e-4) {
  const diff = maxAbsDiff(actual, expected);
  if (!(diff < tolerance)) throw new Error(`${label}: max abs diff ${diff} exceeds ${tolerance}`);
  return diff;
}

/** Encode a Float32Array as base64 of its little-endian bytes. */
export function float32ToBase64(data) {
  const bytes = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

export function base64ToFloat32(text) {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** Pretty JSON with arrays of plain numbers / identifiers kept on one line. */
export function toJson(value) {
  const text = JSON.stringify(value, null, 2).replace(/\[([^[\]{}]*)\]/g, (match, inner) =>
    /^[\s\w.+\-,"]*$/.test(inner) ? `[${inner.split(',').map((s) => s.trim()).join(', ')}]` : match,
  );
  return `${text}\n`;
}

/** Throws unless onnxruntime-web sees the same input/output names, dtypes and ranks. */
export function checkSignature(label, session, sig) {
  const meta = [...session.inputMetadata, ...session.outputMetadata];
  const expected = [...sig.inputs, ...sig.outputs];
  if (meta.length !== expected.length) throw new Error(`${label}: onnxruntime reports ${meta.length} inputs/outputs`);
  for (const io of expected) {
    const m = meta.find((x) => x.name === io.name);
    if (!m || m.type !== io.dtype || m.shape.length !== io.dims.length) {
      throw new Error(`${label}: onnxruntime reports ${JSON.stringify(m)} for ${JSON.stringify(io)}`);
    }
    m.shape.forEach((d, axis) => {
      if (typeof io.dims[axis] === 'number' && d !== io.dims[axis]) throw new Error(`${label}: ${io.name} axis ${axis} is ${d}`);
    });
  }
}
