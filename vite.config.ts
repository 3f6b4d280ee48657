import { defineConfig, type Plugin } from 'vite';
import { ortFiles } from './tools/vite-ort-files.js';

// COOP/COEP make the page cross-origin isolated, which onnxruntime-web needs for WASM threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// The dev server runs the demo (at /demo/) and serves /models/; the library itself is built by tsc (`npm run build`).
export default defineConfig({
  plugins: [ortFiles(), demoHome()],
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
});

/** `npm run demo` opens at the root; the demo lives in demo/. */
function demoHome(): Plugin {
  return {
    name: 'edge-infer:demo-home',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url !== '/') return next();
        res.writeHead(302, { Location: '/demo/' }).end();
      });
    },
  };
}
