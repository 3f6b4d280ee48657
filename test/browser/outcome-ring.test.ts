// The outcome ring on Chromium's real IndexedDB: reloads, bounds, ages, duplicates, bad input, broken storage.
import { expect, test } from 'vitest';
import type { EdgeInferError } from '../../src/errors.js';
import { OutcomeRing, type OutcomeRingOptions, type RingScheduler } from '../../src/monitor/outcome-ring.js';
import type { ClassifierPrediction, RegressorPrediction } from '../../src/monitor/quality.js';
import { expectCode } from './helpers.js';
import { createBrokenDatabase, deleteDatabase } from './store-idb.js';
import { uniqueKey } from './store-helpers.js';

const DAY = 86_400_000;
const cls = (predicted: number): ClassifierPrediction =>
  ({ kind: 'classifier', model: 'digits', version: 'f'.repeat(64), class: predicted, confidence: 0.75, classes: 10 });
const reg = (...values: number[]): RegressorPrediction => ({ kind: 'regressor', model: 'forecast', version: '1.0.0', values });

/** A clock the test moves by hand, a step per reading so every prediction has its own time. */
function clock(start = 1_800_000_000_000, step = 1) {
  let t = start;
  return { now: () => (t += step), advance: (ms: number) => void (t += ms) };
}

/** Timers that only fire when the test says so. */
function manualTimers(): RingScheduler & { fire(): void; count(): number } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (run) => (timers.set(++next, run), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
    fire: () => [...timers.keys()].forEach((h) => (timers.get(h)!(), timers.delete(h))),
    count: () => timers.size,
  };
}

function ring(name: string, options: OutcomeRingOptions = {}) {
  return new OutcomeRing(name, { scheduler: manualTimers(), ...options });
}

/** The raw records of a ring's database, read with a connection of our own. */
async function records(name: string): Promise<Map<string, Record<string, unknown>>> {
  const request = <T>(r: IDBRequest<T>) => new Promise<T>((ok, fail) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => fail(r.error))));
  const db = await request(indexedDB.open(`${name}-outcomes`));
  try {
    const store = db.transaction('predictions', 'readonly').objectStore('predictions');
    const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
    return new Map(keys.map((k, i) => [k as string, values[i] as Record<string, unknown>]));
  } finally {
    db.close();
  }
}

test('a new ring on the same database joins predictions the old one flushed (a reload)', async () => {
  const name = uniqueKey('ring-reload');
  const before = ring(name);
  const a = before.remember(cls(7));
  const b = before.remember(reg(1.5, -2));
  await before.flush();
  const after = ring(name); // the old instance is not closed, as when a page goes away
  const joined = await after.join(a, 7);
  expect(joined).toEqual({ status: 'joined', summary: { ...cls(7), at: expect.any(Number) } });
  expect(await after.join(b, [1, -2])).toMatchObject({ status: 'joined', summary: { values: [1.5, -2] } });
  expect(await after.join('0123456789abcdef', 1)).toEqual({ status: 'unknown' });
  await Promise.all([before.close(), after.close()]);
  await deleteDatabase(`${name}-outcomes`);
});

test('a stored record holds the summary and nothing else; a joined one only its time', async () => {
  const name = uniqueKey('ring-record');
  const r = ring(name, clock());
  const leaky = { ...cls(3), input: new Float32Array(784), userId: 'alice' } as ClassifierPrediction;
  const id = r.remember(leaky);
  const other = r.remember(reg(0.5));
  await r.flush();
  const stored = await records(name);
  expect([...stored.keys()].sort()).toEqual([id, other].sort());
  expect(Object.keys(stored.get(id)!).sort()).toEqual(['at', 'class', 'classes', 'confidence', 'kind', 'model', 'version']);
  expect(stored.get(id)).toEqual({ ...cls(3), at: expect.any(Number) });
  expect(Object.keys(stored.get(other)!).sort()).toEqual(['at', 'kind', 'model', 'values', 'version']);
  await r.join(id, 3);
  await r.flush();
  expect((await records(name)).get(id)).toEqual({ at: stored.get(id)!.at });
  await r.close();
  await deleteDatabase(`${name}-outcomes`);
});

test('the ring keeps maxPredictions: the oldest go first and are unknown after', async () => {
  const name = uniqueKey('ring-bound');
  const r = ring(name, { ...clock(), maxPredictions: 300 });
  const ids: string[] = [];
  for (let batch = 0; batch < 8; batch++) {
    for (let i = 0; i < 100; i++) ids.push(r.remember(cls(i % 10)));
    await r.flush();
  }
  const stored = await records(name);
  expect(stored.size).toBe(300);
  expect([...stored.keys()].sort()).toEqual(ids.slice(500).sort());
  expect(r.stats()).toMatchObject({ remembered: 800, written: 800, evicted: { size: 500, age: 0 } });
  const results = await Promise.all(ids.map((id, i) => r.join(id, i % 10)));
  expect(results.slice(0, 500).every((x) => x.status === 'unknown')).toBe(true);
  expect(results.slice(500).every((x) => x.status === 'joined')).toBe(true);
  expect(r.stats().outcomes).toEqual({ joined: 300, unknown: 500, expired: 0, duplicate: 0 });

  // Remembered in one synchronous burst, the oldest go the same way: dropped from the buffer before any write.
  const burst = ring(name, { ...clock(1_800_000_100_000), maxPredictions: 300 });
  const burstIds = Array.from({ length: 800 }, () => burst.remember(reg(1)));
  await burst.flush();
  expect(burst.stats()).toMatchObject({ written: 300, evicted: { size: 500 + 300 } }); // the 300 joined ones made room too
  expect((await Promise.all(burstIds.map((id) => burst.join(id, 1)))).map((x) => x.status).lastIndexOf('unknown')).toBe(499);
  await Promise.all([r.close(), burst.close()]);
  await deleteDatabase(`${name}-outcomes`);
});

test('a prediction older than maxAgeMs is expired while held, and gone after the next write', async () => {
  const name = uniqueKey('ring-age');
  const time = clock(1_800_000_000_000, 0);
  const r = ring(name, { now: time.now, maxAgeMs: DAY });
  const [a, b, c] = [r.remember(cls(1)), r.remember(cls(2)), r.remember(cls(3))];
  await r.flush();
  time.advance(DAY - 1);
  expect((await r.join(a, 1)).status).toBe('joined');
  time.advance(1);
  expect(await r.join(b, 2)).toEqual({ status: 'expired' });
  expect(await r.join(b, 2)).toEqual({ status: 'expired' }); // an expired one stays expired, it is not "used up"
  const fresh = r.remember(cls(4));
  await r.flush(); // the write sweeps what is too old
  expect([...(await records(name)).keys()]).toEqual([fresh]);
  expect(await r.join(c, 3)).toEqual({ status: 'unknown' });
  expect(r.stats()).toMatchObject({ evicted: { size: 0, age: 3 }, outcomes: { joined: 1, expired: 2, unknown: 1 } });

  // A ring opened much later sweeps on its first flush, even with nothing new to write.
  const later = ring(name, { now: () => 1_800_000_000_000 + 3 * DAY, maxAgeMs: DAY });
  await later.flush();
  expect((await records(name)).size).toBe(0);
  await Promise.all([r.close(), later.close()]);
  await deleteDatabase(`${name}-outcomes`);
});

test('a second outcome for a prediction is a duplicate: at once, concurrently and after a reload', async () => {
  const name = uniqueKey('ring-dup');
  const r = ring(name);
  const [a, b, c] = [r.remember(cls(1)), r.remember(cls(2)), r.remember(reg(5))];
  expect((await r.join(a, 1)).status).toBe('joined'); // still pending: joined from memory
  expect((await r.join(a, 0)).status).toBe('duplicate');
  await r.flush();
  const concurrent = await Promise.all([ring(name).join(b, 2), r.join(b, 2), r.join(b, 2)]);
  // Another instance (another tab) has its own memory; within one instance the join is counted once.
  expect(concurrent.slice(1).map((x) => x.status).sort()).toEqual(['duplicate', 'joined']);
  await r.flush();
  const reloaded = ring(name);
  expect((await reloaded.join(a, 1)).status).toBe('duplicate');
  expect((await reloaded.join(b, 2)).status).toBe('duplicate');
  expect((await reloaded.join(c, 5)).status).toBe('joined');
  await Promise.all([r.close(), reloaded.close()]);
  await deleteDatabase(`${name}-outcomes`);
});

test('malformed ids, outcomes, predictions and options fail by code; a refused outcome leaves the prediction joinable', async () => {
  const name = uniqueKey('ring-bad');
  const r = ring(name);
  const a = r.remember(cls(4));
  const b = r.remember(reg(1, 2));
  await r.flush();
  for (const id of ['', 'xyz', a.toUpperCase(), `${a}0`, 42, null]) await expectCode(r.join(id as string, 4), 'input-invalid');
  for (const actual of [10, -1, 4.5, NaN, [4], '4', undefined]) await expectCode(r.join(a, actual as number), 'input-invalid');
  for (const actual of [[1], [1, 2, 3], [1, NaN], 3]) await expectCode(r.join(b, actual as number[]), 'input-invalid');
  // A wrong kind cannot be told for an id the ring does not hold: it is unknown, not an error.
  expect((await r.join('0123456789abcdef', [1, 2])).status).toBe('unknown');
  expect((await r.join(a, 4)).status).toBe('joined');
  expect((await r.join(b, [1, 2])).status).toBe('joined');
  expect(() => r.remember({ ...cls(10) })).toThrow(expect.objectContaining({ code: 'input-invalid' }));
  expect(() => r.remember(reg(...new Array(65).fill(1)))).toThrow(expect.objectContaining({ code: 'input-invalid' }));
  for (const options of [null, { maxPredictions: 0 }, { maxPredictions: 1.5 }, { maxAgeMs: -1 }, { maxAgeMs: NaN }, { flushDelayMs: -1 },
    { now: 5 }, { scheduler: {} }, { onStorageError: 'log' }]) {
    expect(() => new OutcomeRing(name, options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'options-invalid' }));
  }
  expect(() => new OutcomeRing('')).toThrow(expect.objectContaining({ code: 'options-invalid' }));
  await r.close();
  await deleteDatabase(`${name}-outcomes`);
});

test('writes wait for the timer or 256 pending; a broken database only moves the ring into memory', async () => {
  const name = uniqueKey('ring-timer');
  const timers = manualTimers();
  const r = new OutcomeRing(name, { scheduler: timers, flushDelayMs: 500 });
  const first = r.remember(cls(1));
  r.remember(cls(2));
  expect(timers.count()).toBe(1); // one timer for the whole batch
  expect(r.stats().pending).toBe(2);
  timers.fire();
  await r.flush(); // waits for the write the timer started
  expect((await records(name)).has(first)).toBe(true);
  for (let i = 0; i < 256; i++) r.remember(cls(0));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the 256th started a write with no timer
  expect(r.stats()).toMatchObject({ pending: 0, written: 258 });
  await r.close();
  await deleteDatabase(`${name}-outcomes`);

  const broken = uniqueKey('ring-broken');
  await createBrokenDatabase(`${broken}-outcomes`); // no object store: every transaction fails
  const errors: EdgeInferError[] = [];
  const b = ring(broken, { onStorageError: (e) => void errors.push(e), maxPredictions: 5 });
  const ids = Array.from({ length: 8 }, (_, i) => b.remember(cls(i)));
  await b.flush();
  expect(errors.map((e) => e.code)).toEqual(['storage-failed']);
  expect(b.stats()).toMatchObject({ pending: 0, memoryOnly: 5, storage: { failures: 1, lastError: 'NotFoundError' } });
  expect((await b.join(ids[7]!, 7)).status).toBe('joined'); // from memory
  expect((await b.join(ids[7]!, 7)).status).toBe('duplicate');
  expect((await b.join(ids[0]!, 0)).status).toBe('unknown'); // beyond the bound in memory too
  await b.close();
  await deleteDatabase(`${broken}-outcomes`);
});

/** The longest the thread went without answering a message while `work` ran: how long it blocked at once. */
async function longestBlock(work: () => Promise<void>): Promise<number> {
  const channel = new MessageChannel();
  let last = performance.now();
  let longest = 0;
  let running = true;
  channel.port1.onmessage = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  await work();
  running = false;
  channel.port1.close();
  return longest;
}

test('the cost of remember() on the run path, and of a write (printed, not asserted)', async () => {
  const name = uniqueKey('ring-cost');
  const r = ring(name, clock()); // the default bound: 10,000
  for (let i = 0; i < 10_000; i++) r.remember(cls(i % 10));
  await r.flush(); // full: every write from here on also evicts as many as it adds
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
  const results: Record<string, string> = {};
  for (const [label, prediction] of [['classifier', cls(3)], ['regressor x64', reg(...new Array(64).fill(0.5))]] as const) {
    const perCall: number[] = [];
    const perRecord: number[] = [];
    const blocked: number[] = [];
    for (let run = 0; run < 7; run++) {
      const t0 = performance.now();
      for (let i = 0; i < 255; i++) r.remember(prediction); // under 256: no write starts
      perCall.push(((performance.now() - t0) * 1000) / 255);
      const t1 = performance.now();
      blocked.push(await longestBlock(() => r.flush()));
      perRecord.push(((performance.now() - t1) * 1000) / 255);
    }
    results[label] = `remember ${median(perCall).toFixed(2)} µs/call; write of 255 (+255 evicted): ${median(perRecord).toFixed(0)} µs/record, ` +
      `longest block ${median(blocked).toFixed(1)} ms`;
  }
  console.log(JSON.stringify(results, null, 1));
  await r.close();
  await deleteDatabase(`${name}-outcomes`);
});
