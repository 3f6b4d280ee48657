import { afterEach, describe, expect, test, vi } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { classify, retryAfter, RETRY_AFTER_UNPARSABLE_MS } from '../../../src/telemetry/send.js';
import { total } from '../../../scripts/otlp-summary.js';
import { decoded, headers, model } from './helpers.js';
import { setup, T0 } from './setup.js';

afterEach(() => void vi.useRealTimers());

const INFERENCE = 'edge_infer.inference.duration';
const DROPPED = 'edge_infer.telemetry.dropped';

function record(telemetry: ReturnType<typeof setup>['telemetry'], n: number, id = 'digits') {
  for (let i = 0; i < n; i++) telemetry.recordInference({ ...model, id }, 1);
}

describe('answers', () => {
  test.each([
    [undefined, 'ok'], [200, 'ok'], [204, 'ok'], [400, 'rejected'], [401, 'rejected'], [500, 'rejected'], [413, 'too-large'],
    [429, 'retry'], [502, 'retry'], [503, 'retry'], [504, 'retry'],
  ])('%s → %s', (status, kind) => {
    expect(classify(status, T0).kind).toBe(kind);
  });

  test.each([
    [{ status: 0, type: 'opaqueredirect' }], [{ status: 200, redirected: true }], [{ status: 302 }],
  ])('a redirect (%j) is rejected, never delivered', (answer) => {
    expect(classify(answer, T0).kind).toBe('rejected');
  });

  test('Retry-After: seconds, an HTTP date, or a long default when unparsable', () => {
    expect(retryAfter('3', T0)).toBe(3000);
    expect(retryAfter(new Date(T0 + 7000).toUTCString(), T0)).toBe(7000);
    expect(retryAfter(new Date(T0 - 7000).toUTCString(), T0)).toBe(0);
    expect(retryAfter('soon', T0)).toBe(RETRY_AFTER_UNPARSABLE_MS);
    expect(retryAfter(null, T0)).toBeUndefined();
    expect(classify({ status: 429, headers: headers({ 'Retry-After': '2' }) }, T0)).toEqual({ kind: 'retry', after: 2000 });
  });
});

describe('retries', () => {
  test('network errors and 503 are retried with exponential backoff and jitter, then delivered once', async () => {
    const { telemetry, sent, advance } = setup({ retryDelayMs: 1000 }, (n) => (n < 2 ? Promise.reject(new TypeError('network')) : n < 4 ? 503 : 200));
    record(telemetry, 5);
    await telemetry.flush();
    await advance(60_000);
    // A failed keepalive request is tried once more without keepalive at once (the page's budget may be used up).
    // Then random() = 0.5 puts the jitter factor (0.5 + random) at 1: 1000, 2000, 4000 ms after each failure.
    expect(sent.map((s) => s.at - sent[0]!.at)).toEqual([0, 0, 1000, 3000, 7000]);
    expect(sent.map((s) => s.keepalive)).toEqual([true, false, true, true, true]);
    expect(total(decoded(sent), INFERENCE)).toBe(5);
  });

  test('429 waits exactly as long as Retry-After says, even past the backoff', async () => {
    const { telemetry, sent, advance } = setup({}, (n) => (n === 0 ? { status: 429, headers: headers({ 'Retry-After': '7' }) } : 200));
    record(telemetry, 2);
    await telemetry.flush();
    await advance(6999);
    expect(sent).toHaveLength(1);
    await advance(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBe(7000);
  });

  test('an unparsable Retry-After waits a long default', async () => {
    const { telemetry, sent, advance } = setup({}, (n) => (n === 0 ? { status: 503, headers: headers({ 'Retry-After': 'later' }) } : 200));
    record(telemetry, 1);
    await telemetry.flush();
    await advance(RETRY_AFTER_UNPARSABLE_MS - 1);
    expect(sent).toHaveLength(1);
    await advance(1);
    expect(sent).toHaveLength(2);
  });

  test('400 is not retried; the loss is counted and arrives with the next batch', async () => {
    const { telemetry, sent, advance } = setup({ intervalMs: 86_400_000 }, (n) => (n === 0 ? 400 : 200));
    record(telemetry, 9);
    await telemetry.flush();
    await advance(3_600_000);
    expect(sent).toHaveLength(1);
    record(telemetry, 1);
    await telemetry.flush();
    expect(sent).toHaveLength(2);
    const summary = decoded(sent);
    expect(total(summary, INFERENCE)).toBe(1);
    expect(total(summary, DROPPED, { reason: 'rejected', signal: 'metrics' })).toBe(9);
  });

  test('413 splits the batch once; halves refused again are dropped and counted', async () => {
    const { telemetry, sent } = setup({ maxSeries: 1000 }, (n) => (n < 2 ? 413 : 200));
    for (let i = 0; i < 20; i++) record(telemetry, 1, `model-${i}`);
    await telemetry.flush();
    // The whole batch, then its halves: the first is refused again and dropped, the second arrives.
    expect(sent.length).toBe(3);
    expect(sent[1]!.body.length).toBeLessThan(sent[0]!.body.length);
    await telemetry.flush(); // the drop count
    const summary = decoded(sent);
    expect(total(summary, INFERENCE)).toBe(10);
    expect(total(summary, DROPPED, { reason: 'too-large', signal: 'metrics' })).toBe(10);
  });
});

describe('unreachable endpoint', () => {
  test('after the retries, batches wait in the outbox (oldest dropped when full); online drains it; totals add up', async () => {
    let up = false;
    const { telemetry, sent, window, store, advance } = setup(
      { retries: 2, retryDelayMs: 100, intervalMs: 1000, outbox: { maxBatches: 3 } },
      () => (up ? 200 : Promise.reject(new TypeError('offline'))),
    );
    let recorded = 0;
    for (let i = 0; i < 8; i++) {
      record(telemetry, i + 1);
      recorded += i + 1;
      await advance(1000);
    }
    expect(telemetry.stats().down).toBe(true);
    expect(store.batches.size).toBe(3);
    up = true;
    window.dispatchEvent(new Event('online'));
    await advance(0);
    await telemetry.flush();
    expect(store.batches.size).toBe(0);
    const summary = decoded(sent);
    const delivered = total(summary, INFERENCE);
    const dropped = total(summary, DROPPED, { reason: 'outbox-full', signal: 'metrics' });
    expect(dropped).toBeGreaterThan(0);
    expect(delivered + dropped).toBe(recorded);
  });

  test('the next start drains what an earlier session left in the outbox', async () => {
    const first = setup({ retries: 0 }, () => Promise.reject(new TypeError('offline')));
    record(first.telemetry, 4);
    await first.telemetry.flush();
    await first.telemetry.dispose();
    expect(first.store.batches.size).toBe(1);
    vi.useRealTimers();
    const second = setup({}, () => 200, { store: first.store, sessionId: 'session-2' });
    await second.telemetry.flush();
    expect(first.store.batches.size).toBe(0);
    const summary = decoded(second.sent);
    expect(total(summary, INFERENCE)).toBe(4);
    expect(second.sent[0]!.body).toContain('session-1');
  });

  test('without an outbox, a full memory queue drops its oldest batch and counts it', async () => {
    const { telemetry, sent, advance } = setup({ retries: 0, retryDelayMs: 3_600_000, maxQueue: 2, outbox: false, intervalMs: 86_400_000 }, (n) => (n < 3 ? 503 : 200), { store: undefined });
    for (let i = 0; i < 4; i++) {
      record(telemetry, 10);
      await telemetry.flush();
    }
    expect(telemetry.stats().queued).toBe(2);
    await advance(3_600_000);
    await telemetry.flush();
    const summary = decoded(sent);
    expect(total(summary, INFERENCE)).toBe(20);
    expect(total(summary, DROPPED, { reason: 'queue-full' })).toBe(20);
  });
});

describe('page hidden or closing', () => {
  test('visibilitychange → hidden sends what was recorded at once, with keepalive', async () => {
    const { telemetry, sent, hide } = setup({ intervalMs: 3_600_000 });
    record(telemetry, 3);
    hide();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.keepalive).toBe(true);
    expect(total(decoded(sent), INFERENCE)).toBe(3);
  });

  test('pagehide sends what fits the 64 KiB keepalive budget and stores the rest', async () => {
    const { telemetry, sent, window, store } = setup({ intervalMs: 3_600_000, maxSeries: 10_000 }, () => new Promise(() => undefined) as Promise<never>);
    for (let i = 0; i < 600; i++) record(telemetry, 1, `model-${i}`);
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.keepalive)).toBe(true);
    expect(sent.reduce((n, s) => n + s.body.length, 0)).toBeLessThanOrEqual(65_536);
    expect(store.batches.size).toBeGreaterThan(0);
  });
});

describe('hostile endpoints', () => {
  const never = () => new Promise(() => undefined) as Promise<never>;

  test('an answer slower than timeoutMs: the request is aborted, then retried', async () => {
    const { telemetry, sent, advance } = setup({ timeoutMs: 2000, retryDelayMs: 1000 }, (n) => (n === 0 ? never() : 200));
    record(telemetry, 3);
    void telemetry.flush();
    await advance(1999);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.abortSignal.aborted).toBe(false);
    await advance(1);
    expect(sent[0]!.abortSignal.aborted).toBe(true);
    await advance(999); // the backoff (1000 ms at random() = 0.5), not a second try without keepalive at once
    expect(sent).toHaveLength(1);
    await advance(1);
    expect(sent).toHaveLength(2);
    expect(total(decoded(sent), INFERENCE)).toBe(3);
  });

  test.each([
    [{ status: 0, type: 'opaqueredirect' }], [{ status: 200, redirected: true }],
  ])('a redirected answer (%j) is counted as dropped (rejected), not delivered', async (answer) => {
    const { telemetry, sent } = setup({}, (n) => (n === 0 ? { ...answer, headers: headers({}) } : 200));
    record(telemetry, 4);
    await telemetry.flush();
    record(telemetry, 1);
    await telemetry.flush();
    const s = decoded(sent);
    expect(total(s, INFERENCE)).toBe(1);
    expect(total(s, DROPPED, { reason: 'rejected', signal: 'metrics' })).toBe(4);
  });

  test('an endpoint that never answers: dispose resolves within a second and the batch waits in the outbox', async () => {
    const { telemetry, sent, store, advance } = setup({}, never);
    record(telemetry, 5);
    let done = false;
    void telemetry.dispose().then(() => (done = true));
    await advance(1000);
    expect(done).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.abortSignal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.batches.size).toBe(1);
    vi.useRealTimers();
    const next = setup({}, () => 200, { store, sessionId: 'session-2' });
    await next.telemetry.flush();
    expect(total(decoded(next.sent), INFERENCE)).toBe(5);
  });

  test('without an outbox, what dispose could not deliver is counted in stats().unreported', async () => {
    const { telemetry, advance } = setup({ outbox: false }, never, { store: null });
    record(telemetry, 5);
    telemetry.recordError(new EdgeInferError('inference-failed', 'x'));
    let done = false;
    void telemetry.dispose().then(() => (done = true));
    await advance(1000);
    expect(done).toBe(true);
    expect(telemetry.stats().unreported).toEqual([
      { reason: 'disposed', signal: 'metrics', count: 6 },
      { reason: 'disposed', signal: 'logs', count: 1 },
    ]);
  });

  test('dispose with a backoff under way: the waiting batch is sent once more, then counted', async () => {
    const { telemetry, sent, advance } = setup({ outbox: false, retryDelayMs: 60_000 }, (n) => (n === 0 ? 503 : 200), { store: null });
    record(telemetry, 2);
    await telemetry.flush();
    expect(sent).toHaveLength(1);
    await telemetry.dispose();
    await advance(0);
    expect(sent).toHaveLength(2);
    expect(total(decoded(sent), INFERENCE)).toBe(2);
    expect(telemetry.stats().unreported).toEqual([]);
  });
});
