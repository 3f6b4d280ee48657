// Puts the demo's service worker in control first, so everything a page loads after this (its modules, the
// inference worker, onnxruntime-web's files, the manifest and held-out data) goes through it and is there for the
// next visit, offline too. Model weights are not in it: the SDK keeps them in IndexedDB.
export async function controlled(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  // Scope '/': Chromium matches a dedicated worker's script URL (/src/worker/...) against the scope itself.
  const registration = await navigator.serviceWorker.register('/demo/sw.js', { scope: '/' });
  // No registration: the browser blocks service workers (e.g. Playwright's `serviceWorkers: 'block'`); none will control.
  if (!registration || navigator.serviceWorker.controller) return;
  await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
}

/** Registers, then loads the page's code through the service worker (a registration failure only costs offline support). */
export function startControlled(load: () => Promise<unknown>): Promise<unknown> {
  return controlled()
    .catch((error: unknown) => console.warn('offline support unavailable:', error))
    .then(load);
}
