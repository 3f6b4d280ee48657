// Bootstrap: put the service worker in control first, so everything the demo loads after this (its modules, the
// inference worker, onnxruntime-web's files) goes through it and is there for the next visit, offline too.
// Models are not in it: the SDK keeps them in IndexedDB.
async function controlled(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  // Scope '/': Chromium matches a dedicated worker's script URL (/src/worker/...) against the scope itself.
  await navigator.serviceWorker.register('/demo/sw.js', { scope: '/' });
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
}

controlled()
  .catch((error: unknown) => console.warn('offline support unavailable:', error))
  .then(() => import('./app.js'));
