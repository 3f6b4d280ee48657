import { defineConfig, type Plugin } from 'vite';
import { otlpDevReceiver } from './scripts/otlp-dev-receiver.js';
import { ortFiles } from './scripts/vite-ort-files.js';

// COOP/COEP make the page cross-origin isolated, which onnxruntime-web needs for WASM threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// The dev server runs the demo (at /demo/) and serves /models/; the library itself is built by tsc (`npm run build`).
export default defineConfig({
  plugins: [ortFiles(), demoHome(), otlpDevReceiver()],
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation },
  // Pre-bundle up front: a dependency found later re-optimizes and changes every ?v= URL mid-visit, which would
  // leave the demo's offline cache holding stale URLs.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['comlink', 'idb-keyval', 'uplot'] },
  worker: { format: 'es' },
});

/** `npm run demo` opens at the root; the demo lives in demo/ and its service worker may control the whole origin. */
function demoHome(): Plugin {
  return {
    name: 'edge-infer:demo-home',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url === '/demo/sw.js') res.setHeader('Service-Worker-Allowed', '/');
        if (req.url !== '/') return next();
        res.writeHead(302, { Location: '/demo/' }).end();
      });
    },
  };
}
