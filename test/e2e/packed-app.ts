// A fresh app folder with the SDK installed as npm would install its tarball, and a static server for what a
// bundler built from it: shared by the bundler tests (bundle*.test.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve('.');

/**
 * Builds and packs this checkout (`npm run build`, `npm pack`), extracts the tarball into a new temp app's
 * node_modules/edge-infer, links its dependencies from this checkout's node_modules (no network in tests) and
 * copies `fixture` (the app's own files) into the app. Returns the app's folder; the caller removes it.
 */
export async function packedApp(fixture: string): Promise<string> {
  const app = mkdtempSync(join(tmpdir(), 'edge-infer-app-'));
  // `npm run build` starts with `rm -rf dist`: test files that pack in parallel take turns.
  const tarball = await whileLocked(() => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    return execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  });
  const installed = join(app, 'node_modules', 'edge-infer');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
  // The tarball's dependencies, as npm would install them (linked from this checkout: no network in tests).
  for (const dep of ['comlink', 'idb-keyval', 'onnxruntime-web']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  cpSync(fixture, app, { recursive: true });
  return app;
}

/** Runs `work` holding a lock on this checkout's dist/ (a directory made atomically; one left by a crash expires). */
async function whileLocked<T>(work: () => T): Promise<T> {
  const lock = join(tmpdir(), `edge-infer-pack-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Every file name under `dir`, at any depth. */
export function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [e.name]));
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * A static server for a built app on 127.0.0.1, a free port: files from `dir` with their MIME types, index.html for
 * any path that names no file (an SPA's client routes), and the headers of a cross-origin isolated page.
 */
export async function serveStatic(dir: string): Promise<{ server: Server; url: string }> {
  const base = resolve(dir);
  const server = createServer(async (request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base + sep) || !isFile(file)) file = join(base, 'index.html');
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('static server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
