import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { chromiumArgs, chromiumPath } from '../chromium.js';

/** The demo's own dev server (vite.config.ts) on a free port; `headers` are added to every response. */
export async function startDemoServer(headers: Record<string, string> = {}): Promise<{ server: ViteDevServer; url: string }> {
  const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, strictPort: false, headers: { ...isolation, ...headers } }, logLevel: 'error' });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('demo server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

export function launchChromium(webgpu: boolean): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs({ webgpu }), headless: true });
}

/** The demo server and a Chromium without WebGPU for the tests of one file; read them inside tests. */
export function useDemoServerAndBrowser(): { readonly url: string; readonly browser: Browser } {
  const state = {} as { url: string; browser: Browser; server: ViteDevServer };
  beforeAll(async () => {
    Object.assign(state, await startDemoServer());
    state.browser = await launchChromium(false);
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
  });
  return state;
}
