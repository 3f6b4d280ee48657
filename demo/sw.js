// The demo's service worker: network first, falling back to what an earlier visit fetched. Model files are left
// to the SDK, which keeps them in IndexedDB.
const CACHE = 'edge-infer-demo-v1';
const SHELL = ['/demo/', '/demo/style.css', '/demo/main.ts'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/models/')) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.status === 200) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreVary: true }).then((hit) => hit ?? Response.error())),
  );
});
