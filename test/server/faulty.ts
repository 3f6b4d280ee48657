// A test server inside the browser tests' Vite server that serves the bundled models and misbehaves on request.
//   GET /__test/file/<key>/<path under models/>?<faults>   faults: range=0 (ignore Range), fail=N (first N answer 500),
//       status=S (always S), truncate=B (first answer is only B bytes, well-formed), drop=B (first answer is cut
//       after B bytes), delay=MS (pause MS per 16 KiB), corrupt=1 (one byte flipped)
//   GET /__test/log/<key>                                    what each request for <key> asked and got
//   PUT /__test/manifest/<key>  then GET /__test/manifest/<key>/manifest.json
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Plugin } from 'vite';

interface Logged {
  path: string;
  range: string | null;
  status: number;
  sent: number;
}

const logs = new Map<string, Logged[]>();
const manifests = new Map<string, string>();

export function faultyServer(): Plugin {
  return {
    name: 'edge-infer:faulty-test-server',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const [, prefix, kind, key, ...rest] = url.pathname.split('/');
        if (prefix !== '__test' || !key) return next();
        if (kind === 'log') return json(res, logs.get(key) ?? []);
        if (kind === 'manifest') return manifest(req, res, key);
        if (kind === 'file') return void serveFile(req, res, key, rest.join('/'), url.searchParams);
        next();
      });
    },
  };
}

function json(res: ServerResponse, value: unknown) {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}

function manifest(req: IncomingMessage, res: ServerResponse, key: string) {
  if (req.method === 'PUT') {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      manifests.set(key, body);
      res.end('ok');
    });
    return;
  }
  const body = manifests.get(key);
  if (!body) return void res.writeHead(404).end();
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
}

async function serveFile(req: IncomingMessage, res: ServerResponse, key: string, path: string, faults: URLSearchParams) {
  const log = logs.get(key) ?? [];
  logs.set(key, log);
  const entry: Logged = { path, range: req.headers.range ?? null, status: 0, sent: 0 };
  log.push(entry);
  const nth = log.filter((l) => l.path === path).length;
  const finish = (status: number) => {
    entry.status = status;
    res.writeHead(status).end();
  };
  if (faults.has('status')) return finish(Number(faults.get('status')));
  if (nth <= Number(faults.get('fail') ?? 0)) return finish(500);
  let file: Buffer;
  try {
    file = readFileSync(join('models', path.replace(/\.\./g, '')));
  } catch {
    return finish(404);
  }
  if (faults.get('corrupt') === '1') {
    file = Buffer.from(file);
    file[file.length >> 1] = file[file.length >> 1]! ^ 0xff;
  }
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && faults.get('range') !== '0') {
    start = Number(range[1]);
    if (start >= file.length) {
      res.setHeader('Content-Range', `bytes */${file.length}`);
      return finish(416);
    }
    entry.status = 206;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${file.length - 1}/${file.length}`, 'Content-Length': file.length - start, 'Accept-Ranges': 'bytes' });
  } else {
    const truncate = nth === 1 && faults.has('truncate') ? Number(faults.get('truncate')) : file.length;
    entry.status = 200;
    res.writeHead(200, { 'Content-Length': truncate, 'Content-Type': 'application/octet-stream' });
    file = file.subarray(0, truncate);
  }
  const body = file.subarray(start);
  const drop = nth === 1 && faults.has('drop') ? Number(faults.get('drop')) : Infinity;
  const delay = Number(faults.get('delay') ?? 0);
  for (let offset = 0; offset < body.length; offset += 16384) {
    const piece = body.subarray(offset, Math.min(body.length, offset + 16384, drop));
    if (piece.length === 0 || offset >= drop) {
      res.destroy(); // the connection drops mid-file
      return;
    }
    await new Promise((flushed) => res.write(piece, flushed)); // really on the wire before any drop
    entry.sent += piece.length;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;
  }
  res.end();
}
