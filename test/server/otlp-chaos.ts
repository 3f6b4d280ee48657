// A hostile OTLP/HTTP receiver inside the browser tests' Vite server. Each request meets a fate drawn from a seeded
// generator, so a seed gives the same fates in the same order of requests:
//   ok 200 · huge 200 with a body of `hugeBytes`, written only as fast as the client reads it · redirect 302 to
//   /landing · hang: nothing for `hangMs`, then 503 · too-large 413 · throttle 429 (Retry-After: 0) ·
//   unavailable 503 · error 500. Only ok and huge deliver.
// Delivery is at least once: a batch whose answer came after the client gave up (its timeout, or dispose) is sent
// again. A body identical to one already delivered is such a resend: it counts in `resent`, not in `delivered`.
// A hang ends with an answer, not a dropped connection: Chromium keeps an aborted keepalive request open (only the
// promise rejects), so such requests would hold the page's sockets to this origin for good.
//   PUT  /__otlp-chaos/<key>/mode     { seed?, fates: { ok: 3, hang: 1, ... } (weights), hugeBytes?, hangMs? }
//   POST /__otlp-chaos/<key>/v1/metrics|logs
//   GET  /__otlp-chaos/<key>/landing  where redirects point: a client that follows one sends a bodiless GET here
//   GET  /__otlp-chaos/<key>/log      Chaos: every request, redirects followed, requests still open, what was delivered
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { summarize, type OtlpSummary, type Received } from '../../scripts/otlp-summary.js';
import { otlpProblems } from './otlp-decode.js';
import { body, json } from './otlp-receiver.js';
import { mulberry32 } from '../../src/random.js';

export const FATES = ['ok', 'huge', 'redirect', 'hang', 'too-large', 'throttle', 'unavailable', 'error'] as const;
export type Fate = (typeof FATES)[number];

export interface ChaosMode {
  seed?: number;
  fates: Partial<Record<Fate, number>>;
  /** @defaultValue 128 MiB */
  hugeBytes?: number;
  /** @defaultValue 5000 */
  hangMs?: number;
}

export interface ChaosRequest {
  signal: 'metrics' | 'logs';
  fate: Fate;
  /** Request body bytes, and response body bytes the client took (huge only). */
  bytes: number;
  bytesOut: number;
  problems: string[];
}

export interface Chaos {
  requests: ChaosRequest[];
  followed: number;
  /** Requests the server has not finished: a client that still waits for an answer. */
  open: number;
  delivered: OtlpSummary;
  /** Deliveries of a body already delivered. */
  resent: number;
}

const STATUS: Record<Fate, number> = { ok: 200, huge: 200, redirect: 302, hang: 0, 'too-large': 413, throttle: 429, unavailable: 503, error: 500 };
const CHUNK = Buffer.alloc(65_536, 0x20);

interface State {
  mode: ChaosMode;
  random: () => number;
  log: Chaos;
  received: Received[];
  bodies: Set<string>;
}

const states = new Map<string, State>();

function state(key: string): State {
  let s = states.get(key);
  if (!s) {
    s = { mode: { fates: { ok: 1 } }, random: mulberry32(1), log: { requests: [], followed: 0, open: 0, delivered: summarize([]), resent: 0 }, received: [], bodies: new Set() };
    states.set(key, s);
  }
  return s;
}

export function otlpChaos(): Plugin {
  return {
    name: 'edge-infer:otlp-chaos',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = /^\/__otlp-chaos\/([\w-]+)\/(mode|log|landing|v1\/metrics|v1\/logs)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
        if (!match) return next();
        const [, key, what] = match as unknown as [string, string, string];
        const s = state(key);
        if (what === 'mode') {
          return void body(req).then((text) => {
            s.mode = JSON.parse(text) as ChaosMode;
            s.random = mulberry32(s.mode.seed ?? 1);
            res.end('ok');
          });
        }
        if (what === 'log') return json(res, { ...s.log, delivered: summarize(s.received, {}, Infinity) });
        if (what === 'landing') return void (s.log.followed++, json(res, {}));
        void receive(req, res, s, what === 'v1/metrics' ? 'metrics' : 'logs');
      });
    },
  };
}

async function receive(req: IncomingMessage, res: ServerResponse, s: State, signal: 'metrics' | 'logs') {
  s.log.open++;
  let open = true;
  const finish = () => void (open && (s.log.open--, (open = false)));
  res.on('close', finish);
  const text = await body(req);
  const fate = draw(s);
  const entry: ChaosRequest = { signal, fate, bytes: Buffer.byteLength(text), bytesOut: 0, problems: otlpProblems(signal, text) };
  s.log.requests.push(entry);
  if (fate === 'hang') {
    const late = setTimeout(() => res.writeHead(503).end(finish), s.mode.hangMs ?? 5000);
    return void res.on('close', () => clearTimeout(late));
  }
  if (STATUS[fate] === 200 && entry.problems.length === 0) {
    if (s.bodies.has(text)) s.log.resent++;
    else s.received.push({ receivedAt: Date.now(), signal, body: JSON.parse(text) });
    s.bodies.add(text);
  }
  if (fate === 'redirect') res.setHeader('Location', req.url!.replace(/v1\/\w+$/, 'landing'));
  if (fate === 'throttle') res.setHeader('Retry-After', '0');
  res.writeHead(STATUS[fate], { 'Content-Type': 'application/json' });
  if (fate !== 'huge') return void res.end('{}', finish);
  const limit = s.mode.hugeBytes ?? 128 * 1024 * 1024;
  while (open && entry.bytesOut < limit) {
    entry.bytesOut += CHUNK.length;
    // Backpressure: write no faster than the client reads, so bytesOut tells how much it took.
    if (!res.write(CHUNK)) {
      await new Promise<void>((resolve) => {
        const done = () => (res.off('drain', done), res.off('close', done), resolve());
        res.on('drain', done).on('close', done);
      });
    }
  }
  if (open) res.end(finish);
}

function draw(s: State): Fate {
  const weights = FATES.map((f) => s.mode.fates[f] ?? 0);
  let r = s.random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < FATES.length; i++) if ((r -= weights[i]!) < 0) return FATES[i]!;
  return 'ok';
}

