// Answers each message at once, as the SDK's run channel or onnxruntime-web's proxy worker shapes its reply (a
// 10-float output, cloned); the SDK's shape hands the input buffer back unless told not to.
self.addEventListener('message', (e: MessageEvent) => {
  const m = e.data;
  const out = new Float32Array(10);
  if (!Array.isArray(m)) return self.postMessage({ type: 'run', out: [['float32', [1, 10], out, 'cpu']] });
  const input = (m[2] as Record<string, { data: Float32Array }>).pixels!.data;
  const back = m[6] ? [] : [input.buffer];
  self.postMessage([m[0], { outputs: { probabilities: { dtype: 'float32', dims: [1, 10], data: out } }, inferenceMs: 0, batchSize: 1 }, undefined, back], back);
});
