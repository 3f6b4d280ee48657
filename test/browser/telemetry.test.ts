// Telemetry in real Chromium (fetch, IndexedDB, timers) against a receiver that misbehaves on purpose
// (test/server/otlp-receiver.ts) and checks each body against the official OTLP definitions.
import { del, keys, createStore } from 'idb-keyval';
import { describe, expect, test } from 'vitest';
import { EdgeInferError } from '../../src/errors.js';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/telemetry/index.js';
import { total, type OtlpSummary } from '../../scripts/otlp-summary.js';
import type { Logged } from '../server/otlp-receiver.js';
import { until } from './helpers.js';

const INFERENCE = 'edge_infer.inference.duration';
const DROPPED = 'edge_infer.telemetry.dropped';
const digits = { id: 'digits', version: '1.0.0', backend: 'wasm' as const };
let keyCount = 0;

function receiver() {
  const key = `t${Date.now().toString(36)}-${++keyCount}`;
  const base = `/__otlp-test/${key}`;
  return {
    endpoint: new URL(base, location.href).href,
    mode: (mode: { down?: boolean; script?: { status: number; retryAfter?: string }[]; status?: number }) =>
      fetch(`${base}/mode`, { method: 'PUT', body: JSON.stringify(mode) }),
    log: async () => (await (await fetch(`${base}/log`)).json()) as { requests: Logged[]; delivered: OtlpSummary },
  };
}

function start(endpoint: string, options: TelemetryOptions = {}): Telemetry {
  return createTelemetry({ endpoint, serviceName: 'browser-test', intervalMs: 3_600_000, retryDelayMs: 50, ...options });
}

function expectValid(requests: Logged[]) {
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) expect(r.problems).toEqual([]);
}

test('payloads decode as OTLP and carry the counts recorded, per model, backend and status', async () => {
  const r = receiver();
  const telemetry = start(r.endpoint, { outbox: false });
  for (let i = 0; i < 250; i++) telemetry.recordInference(digits, 0.3 + (i % 10));
  for (let i = 0; i < 40; i++) telemetry.recordInference({ ...digits, backend: 'webgpu' }, 2, i % 4 === 0 ? 'error' : 'ok');
  telemetry.recordLoad({ ...digits, source: 'network', bytes: 813_000 }, 420);
  telemetry.recordError(new EdgeInferError('input-shape', 'pixels: expected [batch,784], got [1,783]'), digits);
  telemetry.setDevice({ backend: 'webgpu', gpuVendor: 'google', gpuArchitecture: 'swiftshader' });
  await telemetry.flush();
  const { requests, delivered } = await r.log();
  expectValid(requests);
  expect(requests.map((q) => q.signal).sort()).toEqual(['logs', 'metrics']);
  expect(total(delivered, INFERENCE, { 'model.id': 'digits', 'model.version': '1.0.0', backend: 'wasm', status: 'ok' })).toBe(250);
  expect(total(delivered, INFERENCE, { backend: 'webgpu', status: 'ok' })).toBe(30);
  expect(total(delivered, INFERENCE, { backend: 'webgpu', status: 'error' })).toBe(10);
  expect(total(delivered, 'edge_infer.download.size')).toBe(813_000);
  expect(total(delivered, 'edge_infer.errors', { 'error.code': 'input-shape' })).toBe(1);
  expect(delivered.logs.map((l) => l.attributes['event.name'])).toEqual(['edge_infer.error', 'edge_infer.device']);
  expect(delivered.logs[1]!.attributes['device.hardware_concurrency']).toBe(navigator.hardwareConcurrency);
  await telemetry.dispose();
});

test('receiver down for a while, then up: what fits the outbox arrives, the rest is counted, totals add up', async () => {
  const r = receiver();
  await r.mode({ down: true });
  const dbName = `telemetry-outbox-${Date.now()}`;
  const telemetry = start(r.endpoint, { retries: 1, outbox: { maxBatches: 3, dbName } });
  let recorded = 0;
  for (let round = 1; round <= 8; round++) {
    for (let i = 0; i < round * 10; i++) telemetry.recordInference(digits, 1);
    recorded += round * 10;
    await telemetry.flush();
    if (round === 2) await new Promise((resolve) => setTimeout(resolve, 300)); // the retries run out
  }
  expect(telemetry.stats().down).toBe(true);
  const outbox = createStore(dbName, 'batches');
  const waiting = (await keys(outbox)).length; // a retry may hold one batch for a moment
  expect(waiting).toBeGreaterThanOrEqual(2);
  expect(waiting).toBeLessThanOrEqual(3);
  await r.mode({});
  window.dispatchEvent(new Event('online'));
  const read = async () => (await telemetry.flush(), r.log());
  const { requests, delivered } = await until(read, (log) => total(log.delivered, INFERENCE) + total(log.delivered, DROPPED, { signal: 'metrics' }) >= recorded, 20_000);
  expectValid(requests);
  const arrived = total(delivered, INFERENCE);
  const dropped = total(delivered, DROPPED, { reason: 'outbox-full', signal: 'metrics' });
  expect(dropped).toBeGreaterThan(0);
  expect(arrived + dropped).toBe(recorded);
  expect(await keys(outbox)).toHaveLength(0);
  await telemetry.dispose();
  for (const key of await keys(outbox)) await del(key, outbox);
});

test('a batch left in the outbox is sent by the next session', async () => {
  const r = receiver();
  await r.mode({ down: true });
  const dbName = `telemetry-restart-${Date.now()}`;
  const first = start(r.endpoint, { retries: 0, outbox: { dbName } });
  for (let i = 0; i < 17; i++) first.recordInference(digits, 1);
  await first.flush();
  await first.dispose();
  await r.mode({});
  const second = start(r.endpoint, { outbox: { dbName } });
  await second.flush();
  const { delivered } = await r.log();
  expect(total(delivered, INFERENCE)).toBe(17);
  expect(delivered.sessions).toBe(1); // the first session's batch, sent by the second
  await second.dispose();
});

test('429 with Retry-After: the retry waits that long', async () => {
  const r = receiver();
  await r.mode({ script: [{ status: 429, retryAfter: '1' }] });
  const telemetry = start(r.endpoint, { outbox: false });
  for (let i = 0; i < 5; i++) telemetry.recordInference(digits, 1);
  await telemetry.flush();
  const { requests, delivered } = await until(r.log, (log) => log.requests.length >= 2, 20_000);
  expect(requests.map((q) => q.status)).toEqual([429, 200]);
  expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(1000);
  expect(requests[1]!.at - requests[0]!.at).toBeLessThan(3000);
  expect(total(delivered, INFERENCE)).toBe(5);
  await telemetry.dispose();
});

test('400 is not retried, and the loss is reported in the next batch', async () => {
  const r = receiver();
  await r.mode({ script: [{ status: 400 }] });
  const telemetry = start(r.endpoint, { outbox: false });
  for (let i = 0; i < 12; i++) telemetry.recordInference(digits, 1);
  await telemetry.flush();
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await r.log()).requests).toHaveLength(1);
  await telemetry.flush();
  const { requests, delivered } = await r.log();
  expectValid(requests);
  expect(requests.map((q) => q.status)).toEqual([400, 200]);
  expect(total(delivered, INFERENCE)).toBe(0);
  expect(total(delivered, DROPPED, { reason: 'rejected', signal: 'metrics' })).toBe(12);
  await telemetry.dispose();
});

test('413: the batch is split once and both halves arrive', async () => {
  const r = receiver();
  await r.mode({ script: [{ status: 413 }] });
  const telemetry = start(r.endpoint, { outbox: false, maxSeries: 1000 });
  for (let i = 0; i < 60; i++) telemetry.recordInference({ ...digits, id: `model-${i}` }, 1);
  await telemetry.flush();
  const { requests, delivered } = await r.log();
  expect(requests.map((q) => q.status)).toEqual([413, 200, 200]);
  expect(total(delivered, INFERENCE)).toBe(60);
  await telemetry.dispose();
});

describe('a burst of 100,000 records', () => {
  test('memory stays bounded and drops are exact', async () => {
    const r = receiver();
    const telemetry = start(r.endpoint, { outbox: false, maxSeries: 100, maxLogs: 100 });
    const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
    const before = memory?.usedJSHeapSize ?? 0;
    for (let i = 0; i < 100_000; i++) {
      telemetry.recordInference({ ...digits, id: `model-${i}` }, i % 13);
      telemetry.recordError(new EdgeInferError('inference-failed', `run ${i} failed`), digits);
    }
    const held = telemetry.stats();
    expect(held.series).toBeLessThanOrEqual(100 + 3);
    expect(held.logs).toBe(100);
    if (memory) expect(memory.usedJSHeapSize - before).toBeLessThan(32 * 1024 * 1024);
    await telemetry.flush();
    await telemetry.flush(); // the dropped counter from the first export's losses, if any
    const { requests, delivered } = await r.log();
    expectValid(requests);
    expect(total(delivered, INFERENCE)).toBe(100_000);
    expect(total(delivered, 'edge_infer.errors')).toBe(100_000);
    expect(delivered.metrics[INFERENCE]!.filter((s) => s.attributes['otel.metric.overflow'] === true)).toHaveLength(1);
    expect(delivered.logs.length).toBe(100);
    expect(total(delivered, DROPPED, { reason: 'log-limit', signal: 'logs' })).toBe(99_900);
    await telemetry.dispose();
  });
});
