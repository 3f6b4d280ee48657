// One load mode per page (?mode=cold|warm|memory&url=&sha256=&size=&db=). Every mode first warms its worker with the
// tiny model, so the timing covers the load itself, not starting the worker and compiling onnxruntime-web.
import { createRuntime } from '../../src/index.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode')!;
const source = { url: params.get('url')!, sha256: params.get('sha256')!, size: Number(params.get('size')), id: 'large' };
const wasmPaths = new URL('/ort/', location.href).href;

async function timedLoad(): Promise<number> {
  const runtime = createRuntime({ backends: ['wasm'], wasmPaths, storage: { dbName: params.get('db')! } });
  await runtime.load({ url: '/models/tiny/model.onnx' });
  const bytes = mode === 'memory' ? new Uint8Array(await (await fetch(source.url)).arrayBuffer()) : undefined;
  const start = performance.now();
  const model = bytes ? await runtime.load({ bytes, id: 'large' }) : await runtime.load(source);
  const ms = performance.now() - start;
  const expected = mode === 'cold' ? 'network' : mode === 'warm' ? 'cache' : 'bytes';
  if (model.source !== expected) throw new Error(`${mode} load came from ${model.source}`);
  await runtime.dispose();
  return ms;
}

(window as unknown as { benchResult: Promise<number> }).benchResult = timedLoad();
