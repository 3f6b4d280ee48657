import { defineConfig } from 'vite';
import { ortFiles } from './tools/vite-ort-files.js';

// COOP/COEP make the page cross-origin isolated, which onnxruntime-web needs for WASM threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// The dev server runs the demo (at /demo/) and serves /models/; the library itself is built by tsc (`npm run build`).
export default defineConfig({
  plugins: [ortFiles()],
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
});
