// A Vite plugin that makes the dev server an OTLP/HTTP JSON receiver, for the demo and its monitoring page.
//   POST /v1/metrics, /v1/logs       what an OpenTelemetry Collector's otlphttp receiver accepts (JSON only here)
//   GET  /__otlp/summary             totals per metric and attribute set, and recent log records
//                                    (?service=NAME and ?session=ID narrow it down)
//   GET  /__otlp/received?from=N     the raw requests kept in memory, from the N-th on
//   POST /__otlp/reset               forget what is in memory (the file keeps it)
// Every request is also appended to .otlp/received.jsonl. With OTLP_FORWARD=http://127.0.0.1:4318 in the
// environment, each request is passed on to that Collector as well.
import { appendFile, mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Connect, Plugin } from 'vite';
import { summarize, type Received } from './otlp-summary.js';

export interface DevReceiverOptions {
  /** Where each request is appended as one JSON line; `false` for memory only. @defaultValue `'.otlp/received.jsonl'` */
  file?: string | false;
  /** A Collector's OTLP/HTTP base URL to pass requests on to. @defaultValue `process.env.OTLP_FORWARD` */
  forward?: string;
  /** Requests kept in memory; older ones are forgotten (not from the file). @defaultValue `20000` */
  maxKept?: number;
}

const MAX_BODY = 4 * 1024 * 1024;

export function otlpDevReceiver(options: DevReceiverOptions = {}): Plugin {
  const file = options.file ?? '.otlp/received.jsonl';
  const forward = options.forward ?? process.env.OTLP_FORWARD;
  const maxKept = options.maxKept ?? 20_000;
  let received: Received[] = [];
  let forwardFailed = false;

  const keep = async (entry: Received, raw: string) => {
    received.push(entry);
    if (received.length > maxKept) received = received.slice(-maxKept);
    if (file) {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, JSON.stringify(entry) + '\n');
    }
    if (forward) {
      fetch(`${forward.replace(/\/+$/, '')}/v1/${entry.signal}`, { method: 'POST', body: raw, headers: { 'Content-Type': 'application/json' } }).catch((e: unknown) => {
        if (!forwardFailed) console.warn(`[otlp] forwarding to ${forward} failed: ${String(e)}`);
        forwardFailed = true;
      });
    }
  };

  const handle: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const signal = /^\/v1\/(metrics|logs)$/.exec(url.pathname)?.[1] as Received['signal'] | undefined;
    if (signal) {
      cors(req, res);
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
      if (req.method !== 'POST') return void res.writeHead(405).end();
      return void readBody(req)
        .then(async (raw) => {
          if (!/json/.test(req.headers['content-type'] ?? '')) return answer(res, 415, { message: 'this receiver takes OTLP/HTTP JSON only' });
          let body: unknown;
          try {
            body = JSON.parse(raw);
          } catch {
            return answer(res, 400, { message: 'the body is not JSON' });
          }
          await keep({ receivedAt: Date.now(), signal, body }, raw);
          answer(res, 200, {});
        })
        .catch((e: unknown) => answer(res, 413, { message: String(e) }));
    }
    if (url.pathname === '/__otlp/summary') {
      return answer(res, 200, summarize(received, { service: url.searchParams.get('service'), session: url.searchParams.get('session') }));
    }
    if (url.pathname === '/__otlp/received') return answer(res, 200, received.slice(Number(url.searchParams.get('from') ?? 0)));
    if (url.pathname === '/__otlp/reset' && req.method === 'POST') {
      received = [];
      return answer(res, 200, {});
    }
    next();
  };

  return {
    name: 'edge-infer:otlp-dev-receiver',
    configureServer: (server) => void server.middlewares.use(handle),
    configurePreviewServer: (server) => void server.middlewares.use(handle),
  };
}

/** Lets pages on other origins (an app on another port) send here, as a Collector's `cors.allowed_origins` would. */
function cors(req: IncomingMessage, res: ServerResponse) {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type');
  res.setHeader('Access-Control-Max-Age', '7200');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Vary', 'Origin');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error(`body over ${MAX_BODY} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      resolve((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}
