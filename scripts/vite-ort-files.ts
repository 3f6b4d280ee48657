import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Connect, Plugin } from 'vite';

/** The onnxruntime-web runtime files the worker loads: the plain build for WASM, jspi or asyncify for WebGPU/WebNN. */
export const ORT_FILES = /^ort-wasm-simd-threaded(\.jspi|\.asyncify)?\.(mjs|wasm)$/;

export function ortDist(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-web');
  return dirname(entry);
}

/**
 * Serves onnxruntime-web's wasm files from node_modules at any path ending in `/ort/<file>` (dev and preview),
 * and copies them to `ort/` in builds, so nothing is ever loaded from a CDN.
 */
export function ortFiles(): Plugin {
  const dist = ortDist();
  const files = readdirSync(dist).filter((f) => ORT_FILES.test(f));
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const name = /\/ort\/([^/?#]+)(?:[?#].*)?$/.exec(req.url ?? '')?.[1];
    if (!name || !files.includes(name)) return next();
    res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // WASM threads start workers from the .mjs; in a cross-origin isolated page a worker script needs COEP itself.
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(readFileSync(join(dist, name)));
  };
  return {
    name: 'edge-infer:ort-files',
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
    generateBundle() {
      for (const name of files) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(dist, name)) });
    },
  };
}
