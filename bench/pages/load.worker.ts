// The phases of a warm load, timed one by one in a bench worker: the SDK's own store code reads and verifies the
// cached model (ModelSources → ModelLoader → ModelStore, as in the SDK's worker), then onnxruntime-web's build for
// WASM creates the session from those bytes, with the options the SDK uses.
import type { LoadRequest } from '../../src/rpc/protocol.js';
import { importBuild } from '../../src/worker/ort-builds.js';
import { ModelSources } from '../../src/worker/sources.js';

export interface SplitRequest {
  url: string;
  sha256: string;
  size: number;
  id: string;
  dbName: string;
  wasmPaths: string;
}

export interface SplitResult {
  /** Reading the stored bytes (the loader's own timing). */
  readMs: number;
  /** Checking them, after the read (the loader's own timing). */
  verifyMs: number;
  /** The whole fetch from the store: record lookup, read, verify. */
  fetchMs: number;
  /** Session creation from the verified bytes. */
  sessionMs: number;
}

self.onmessage = async (event: MessageEvent<SplitRequest>) => {
  try {
    self.postMessage(await split(event.data));
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};

async function split({ url, sha256, size, id, dbName, wasmPaths }: SplitRequest): Promise<SplitResult> {
  const ort = await importBuild('wasm', { wasmPaths, numThreads: 0 });
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
  const tiny = new Uint8Array(await (await fetch('/models/tiny/model.onnx')).arrayBuffer());
  await (await ort.InferenceSession.create(tiny, options)).release(); // starts onnxruntime-web
  const sources = new ModelSources({ dbName, maxBytes: Infinity, chunkBytes: 4 * 1024 * 1024, retries: 3, retryDelayMs: 500 });
  const request = { requestId: 1, id, source: { kind: 'url', url, sha256, size } } as unknown as LoadRequest;
  const start = performance.now();
  const fetched = await sources.fetch(request, new AbortController().signal, () => undefined, 'wasm');
  const fetchMs = performance.now() - start;
  if (fetched.source !== 'cache' || !fetched.timings) throw new Error(`the split run's bytes came from ${fetched.source}, not the cache`);
  const created = performance.now();
  const session = await ort.InferenceSession.create(fetched.bytes, options);
  const sessionMs = performance.now() - created;
  await session.release();
  return { ...fetched.timings, fetchMs, sessionMs };
}
