// The demo's service worker: network first, falling back to what an earlier visit fetched, so the lab, the digit pad
// and the monitor page work offline after one visit. Model weights (.onnx) are left to the SDK, which keeps them in
// IndexedDB; the other files under /models/ (manifest, held-out data, references, profiles) are the pages' own
// reading and are cached here. The dev server's telemetry endpoints are never cached.
const CACHE = 'edge-infer-demo-v3';
// What a first visit loads before this worker is in control (the pages, their styles and entry modules): fetched
// here at install, since those requests never passed through it. Everything after goes through the fetch handler.
const SHELL = [
  '/demo/', '/demo/index.html', '/demo/digits.html', '/demo/vad.html', '/demo/monitor.html', '/demo/style.css', '/demo/lab/lab.css',
  '/demo/lab/page.ts', '/demo/digits-main.ts', '/demo/vad-main.ts', '/demo/monitor-main.ts', '/demo/sw-register.ts', '/demo/manifest.webmanifest',
  '/demo/icons/icon-192.png', '/demo/icons/icon-512.png', '/demo/icons/maskable-512.png',
];

// Stylesheets are asked for as a <link> asks (Accept: text/css): the dev server answers other requests for a .css
// file with a JavaScript module.
const shellRequest = (url) => new Request(url, url.endsWith('.css') ? { headers: { Accept: 'text/css' } } : {});

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map(shellRequest))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  const old = caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith('edge-infer-demo-') && k !== CACHE).map((k) => caches.delete(k))));
  event.waitUntil(old.then(() => self.clients.claim()));
});

function cacheable(url) {
  if (url.pathname.startsWith('/models/')) return !url.pathname.endsWith('.onnx');
  return !url.pathname.startsWith('/__otlp/') && !url.pathname.startsWith('/v1/');
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !cacheable(url)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.status === 200) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      // A page's query string is read by its script: offline, /demo/?models=digits is the cached /demo/.
      .catch(() => caches.match(event.request, { ignoreVary: true, ignoreSearch: event.request.mode === 'navigate' }).then((hit) => hit ?? Response.error())),
  );
});
