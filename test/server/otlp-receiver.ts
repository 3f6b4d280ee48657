// An OTLP/HTTP receiver inside the browser tests' Vite server that misbehaves on request, and checks every body
// against the official OTLP definitions.
//   POST /__otlp-test/<key>/v1/metrics|logs   answered per the key's mode
//   PUT  /__otlp-test/<key>/mode              { down?: true (the connection drops), script?: [{ status, retryAfter? }]
//                                             (one per request, in order), status?: S (after the script; 200) }
//   GET  /__otlp-test/<key>/log               { requests: [{ signal, at, status, bytes, problems }], delivered: summary }
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { summarize, type Received } from '../../scripts/otlp-summary.js';
import { otlpProblems } from './otlp-decode.js';

interface Mode {
  down?: boolean;
  script?: { status: number; retryAfter?: string }[];
  status?: number;
}

/** One request the receiver answered, as `GET /__otlp-test/<key>/log` lists it. */
export interface Logged {
  signal: 'metrics' | 'logs';
  at: number;
  status: number;
  bytes: number;
  problems: string[];
}

const modes = new Map<string, Mode>();
const logs = new Map<string, Logged[]>();
const delivered = new Map<string, Received[]>();

export function otlpTestReceiver(): Plugin {
  return {
    name: 'edge-infer:otlp-test-receiver',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = /^\/__otlp-test\/([\w-]+)\/(mode|log|v1\/metrics|v1\/logs)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
        if (!match) return next();
        const [, key, what] = match as unknown as [string, string, string];
        if (what === 'mode') return void body(req).then((text) => (modes.set(key, JSON.parse(text) as Mode), res.end('ok')));
        if (what === 'log') return json(res, { requests: logs.get(key) ?? [], delivered: summarize(delivered.get(key) ?? [], {}, Infinity) });
        void receive(req, res, key, what === 'v1/metrics' ? 'metrics' : 'logs');
      });
    },
  };
}

async function receive(req: IncomingMessage, res: ServerResponse, key: string, signal: Logged['signal']) {
  const mode = modes.get(key) ?? {};
  if (mode.down) return void req.socket.destroy();
  const text = await body(req);
  const step = mode.script?.shift();
  const status = step?.status ?? mode.status ?? 200;
  const problems = otlpProblems(signal, text);
  const log = logs.get(key) ?? [];
  logs.set(key, log);
  log.push({ signal, at: Date.now(), status, bytes: Buffer.byteLength(text), problems });
  if (status >= 200 && status < 300 && problems.length === 0) {
    const list = delivered.get(key) ?? [];
    delivered.set(key, list);
    list.push({ receivedAt: Date.now(), signal, body: JSON.parse(text) });
  }
  if (step?.retryAfter !== undefined) res.setHeader('Retry-After', step.retryAfter);
  res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
}

/** The request body as text. */
export function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export function json(res: ServerResponse, value: unknown) {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}
