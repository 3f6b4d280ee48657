// Telemetry in real Chromium against a hostile receiver (test/server/otlp-chaos.ts): endpoints that never answer,
// answer gigabytes, redirect, or do all of that and more at random (seeded).
import { createStore, keys } from 'idb-keyval';
import { expect, test } from 'vitest';
import { EdgeInferError } from '../../src/errors.js';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/telemetry/index.js';
import { total } from '../../scripts/otlp-summary.js';
import type { Chaos, ChaosMode } from '../server/otlp-chaos.js';
import { until } from './helpers.js';

const INFERENCE = 'edge_infer.inference.duration';
const ERRORS = 'edge_infer.errors';
const DROPPED = 'edge_infer.telemetry.dropped';
const MiB = 1024 * 1024;
const digits = { id: 'digits', version: '1.0.0', backend: 'wasm' as const };
let keyCount = 0;

function chaos() {
  const base = `/__otlp-chaos/h${Date.now().toString(36)}-${++keyCount}`;
  return {
    endpoint: new URL(base, location.href).href,
    mode: (mode: ChaosMode) => fetch(`${base}/mode`, { method: 'PUT', body: JSON.stringify(mode) }),
    log: async () => (await (await fetch(`${base}/log`)).json()) as Chaos,
  };
}

function start(endpoint: string, options: TelemetryOptions = {}): Telemetry {
  return createTelemetry({ endpoint, serviceName: 'hostile-test', intervalMs: 3_600_000, retryDelayMs: 20, ...options });
}

async function timed(work: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work;
  return performance.now() - t0;
}

test('an endpoint that never answers: dispose resolves within 2 s, the batch waits in the outbox for the next session', async () => {
  const c = chaos();
  await c.mode({ fates: { hang: 1 }, hangMs: 3000 });
  const dbName = `telemetry-hang-${Date.now()}`;
  const first = start(c.endpoint, { outbox: { dbName } });
  for (let i = 0; i < 7; i++) first.recordInference(digits, 1);
  expect(await timed(first.dispose())).toBeLessThan(2000);
  const outbox = createStore(dbName, 'batches');
  expect(await keys(outbox)).toHaveLength(1);
  await c.mode({ fates: { ok: 1 } });
  const second = start(c.endpoint, { outbox: { dbName } });
  await second.flush();
  expect(total((await c.log()).delivered, INFERENCE)).toBe(7);
  expect(await keys(outbox)).toHaveLength(0);
  await second.dispose();
});

test('a 200 with a huge body: the export completes at once and reads none of it', async () => {
  const c = chaos();
  await c.mode({ fates: { huge: 1 }, hugeBytes: 256 * MiB });
  const telemetry = start(c.endpoint, { outbox: false });
  for (let i = 0; i < 9; i++) telemetry.recordInference(digits, 1);
  expect(await timed(telemetry.flush())).toBeLessThan(5000);
  const log = await until(c.log, (l) => l.open === 0, 10_000);
  expect(log.requests.map((r) => r.fate)).toEqual(['huge']);
  expect(log.requests[0]!.bytesOut).toBeLessThan(16 * MiB); // what the socket buffers held, not the body
  expect(total(log.delivered, INFERENCE)).toBe(9);
  await telemetry.dispose();
});

test('a redirect is not followed: the batch counts as dropped (rejected), never as delivered', async () => {
  const c = chaos();
  await c.mode({ fates: { redirect: 1 } });
  const telemetry = start(c.endpoint, { outbox: false });
  for (let i = 0; i < 6; i++) telemetry.recordInference(digits, 1);
  await telemetry.flush();
  await c.mode({ fates: { ok: 1 } });
  telemetry.recordInference(digits, 1);
  await telemetry.flush();
  const { followed, delivered } = await c.log();
  expect(followed).toBe(0);
  expect(total(delivered, INFERENCE)).toBe(1);
  expect(total(delivered, DROPPED, { reason: 'rejected', signal: 'metrics' })).toBe(6);
  await telemetry.dispose();
});

test.each([['without an outbox', false], ['with an outbox, drained by a next session', true]])(
  'chaos (seeded), %s: delivered + dropped = recorded, dispose is bounded, nothing sent after it, bodies not read',
  async (_, withOutbox) => {
    const c = chaos();
    const fates = { ok: 4, huge: 1, redirect: 1, hang: 1, 'too-large': 1, throttle: 1, unavailable: 1, error: 1 };
    await c.mode({ seed: 20_261_201, fates, hugeBytes: 64 * MiB, hangMs: 1500 });
    const outbox = withOutbox && { dbName: `telemetry-chaos-${Date.now()}` };
    // An answer that comes after the client gave up (timeout, dispose) leaves the batch delivered and also resent:
    // the server counts such resends apart (`resent`), so the sum below counts each batch once.
    const options = { outbox, retries: 2, timeoutMs: 1000, maxBatchBytes: 4096, maxSeries: 1000, maxLogs: 5, maxQueue: 8 };
    const telemetry = start(c.endpoint, options);
    const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
    const heap = memory?.usedJSHeapSize ?? 0;
    let inferences = 0;
    let errors = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 25; i++, inferences++) telemetry.recordInference({ ...digits, id: `model-${(round * 7 + i) % 60}` }, i % 9);
      // One model id per error: errors of one round share a millisecond and a redacted message, so halves of a batch
      // split after a 413 would otherwise be byte-identical, and the server counts an identical body as a resend.
      for (let i = 0; i < round % 4; i++, errors++) telemetry.recordError(new EdgeInferError('inference-failed', `idx=${round} out of bounds`), { ...digits, id: `failing-${errors}` });
      await telemetry.flush();
      await new Promise((r) => setTimeout(r, 25)); // records come over time, and backoff timers get their turn
    }
    expect(await timed(telemetry.dispose())).toBeLessThan(2500);
    const sent = (await c.log()).requests.length;
    let log = await until(c.log, (l) => l.open === 0, 10_000); // hung requests Chromium kept open get their late 503
    expect(log.requests.length).toBe(sent); // nothing sent after dispose
    expect(new Set(log.requests.map((r) => r.fate))).toEqual(new Set(Object.keys(fates)));
    const lost = [...telemetry.stats().unreported];
    if (outbox) {
      await c.mode({ fates: { ok: 1 } });
      const next = start(c.endpoint, { outbox });
      await next.flush();
      await next.dispose();
      lost.push(...next.stats().unreported);
      expect(await keys(createStore(outbox.dbName, 'batches'))).toHaveLength(0);
      log = await c.log();
    }
    expect(log.followed).toBe(0);
    for (const r of log.requests) expect(r.problems).toEqual([]);
    for (const r of log.requests) expect(r.bytesOut).toBeLessThan(16 * MiB);
    if (memory) expect(memory.usedJSHeapSize - heap).toBeLessThan(32 * MiB);

    // Every record was delivered, or counted as dropped: on the wire, or in stats() for what a dispose lost. A
    // request dispose aborted may still have reached the server, so what stats() counts may also be delivered:
    // nothing is lost (the lower bound) and nothing is counted twice beyond that (the upper bound).
    const { delivered } = log;
    const unreported = (signal: string) => lost.filter((d) => d.signal === signal).reduce((n, d) => n + d.count, 0);
    const metrics = total(delivered, INFERENCE) + total(delivered, ERRORS) + total(delivered, DROPPED, { signal: 'metrics' });
    const logs = delivered.logs.length + total(delivered, DROPPED, { signal: 'logs' });
    expect(metrics + unreported('metrics')).toBeGreaterThanOrEqual(inferences + errors);
    expect(metrics).toBeLessThanOrEqual(inferences + errors);
    expect(logs + unreported('logs')).toBeGreaterThanOrEqual(errors);
    expect(logs).toBeLessThanOrEqual(errors);
    expect(total(delivered, INFERENCE)).toBeGreaterThan(0);
    expect(total(delivered, DROPPED)).toBeGreaterThan(0);
    expect(JSON.stringify(delivered)).not.toMatch(/idx=\d/);
  },
);
