// Delivers batches: one request at a time, retries with backoff, Retry-After, 413 splitting, and an IndexedDB
// outbox for batches the endpoint could not take. Every request has a timeout and close() a deadline, so a silent
// endpoint holds nothing up. Nothing is lost silently: every loss goes to `onDrop`.
import { backoffMs } from '../backoff.js';
import { halves, lost, render, type Batch } from './batch.js';
import type { Drop } from './drops.js';
import type { OutboxStore } from './outbox-store.js';
import { classify, type Outcome, type Send } from './send.js';

export interface Scheduler {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Bytes of keepalive request bodies a page may have in flight (Chromium and the Fetch spec allow 64 KiB). */
export const KEEPALIVE_BUDGET = 65_536;
export const MAX_BACKOFF_MS = 300_000;
/** How long close() waits for answers before it aborts what is still in flight. */
export const CLOSE_WAIT_MS = 1000;
/** How long close() then waits for aborted requests to settle and for outbox writes. */
export const CLOSE_STORE_WAIT_MS = 500;

/** What a request rejects with when it timed out or close() gave up on it. */
const ABORTED = new Error('telemetry request aborted');

export interface ExporterConfig {
  maxQueue: number;
  retries: number;
  retryDelayMs: number;
  maxOutbox: number;
  timeoutMs: number;
}

export interface ExporterDeps {
  send: Send;
  store: OutboxStore | undefined;
  scheduler: Scheduler;
  now(): number;
  random(): number;
  session: string;
  onDrop(drops: Drop[]): void;
}

export interface Exporter {
  add(batches: Batch[]): void;
  /** Sends what waits, in memory first, then in the outbox; resolves when idle or waiting out a backoff. */
  settle(): Promise<void>;
  /** Ends a backoff wait early and ends `hide()`'s hold on the outbox (back online, or visible again). */
  wake(): void;
  /** The page may be going away: send what fits the keepalive budget now and store the rest. */
  hide(): void;
  /**
   * The end: sends what waits as hide() does, with no more retries, for at most CLOSE_WAIT_MS; then aborts what
   * is in flight. Batches not delivered, and then those `last()` returns, go to the outbox or are dropped
   * (`disposed`). Resolves within CLOSE_WAIT_MS + 2 × CLOSE_STORE_WAIT_MS.
   */
  close(last: () => Batch[]): Promise<void>;
  /** Batches waiting in memory, and whether the endpoint counts as unreachable. */
  readonly state: { queued: number; down: boolean };
}

export function createExporter(config: ExporterConfig, deps: ExporterDeps): Exporter {
  const { store, scheduler } = deps;
  const queue: Batch[] = [];
  let running: Promise<void> | undefined;
  let timer: unknown;
  let attempts = 0;
  let down = false;
  let stopped = false; // close() has begun: no more retries
  let ending = false; // close()'s deadline has passed: nothing new is sent
  let stored = store !== undefined; // the outbox may hold batches (from an earlier session, too)
  let hidden = false; // a page that may be closing: batches stay in the outbox rather than leave without keepalive
  let inFlight = 0;
  let seq = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const controllers = new Set<AbortController>();
  const pending = new Set<Promise<unknown>>(); // sends started by hide(), outside the loop

  // Outbox operations run one at a time, so its bound holds exactly.
  function serial<T>(op: () => Promise<T>): Promise<T> {
    const next = chain.then(op);
    chain = next.catch(() => undefined);
    return next;
  }

  function drop(batch: Batch, reason: string) {
    deps.onDrop(lost(batch.items, reason, batch.signal));
  }

  function save(batch: Batch): Promise<void> {
    stored = true;
    return serial(async () => {
      try {
        const keys = await store!.keys();
        for (let i = 0; i <= keys.length - config.maxOutbox; i++) {
          const oldest = await store!.take(keys[i]!);
          if (oldest) drop(oldest, 'outbox-full');
        }
        await store!.put([deps.now(), deps.session, seq++], batch);
      } catch {
        drop(batch, 'storage-failed');
      }
    });
  }

  function takeOldest(): Promise<Batch | undefined> {
    return serial(async () => {
      try {
        for (const key of await store!.keys()) {
          const batch = await store!.take(key);
          if (batch) return batch;
        }
      } catch {
        // An outbox that cannot be read is treated as empty.
      }
      stored = false;
      return undefined;
    });
  }

  /** One request, given up after `timeoutMs` (or by close()) even when the sender ignores the abort signal. */
  function request(batch: Batch, body: string, keepalive: boolean) {
    const controller = new AbortController();
    controllers.add(controller);
    const timer = scheduler.setTimeout(() => controller.abort(ABORTED), config.timeoutMs);
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(ABORTED), { once: true }));
    const answer = Promise.resolve().then(() => deps.send(batch.signal, body, keepalive, controller.signal));
    return Promise.race([answer, aborted]).finally(() => {
      scheduler.clearTimeout(timer);
      controllers.delete(controller);
    });
  }

  async function attempt(batch: Batch): Promise<Outcome> {
    const body = render(batch);
    // keepalive whenever the budget allows, so a request already sent survives the page closing.
    const keepalive = inFlight + body.length <= KEEPALIVE_BUDGET;
    if (keepalive) inFlight += body.length;
    try {
      return classify(await request(batch, body, keepalive), deps.now());
    } catch (error) {
      // Other keepalive requests of the page (not ours) may have used up the budget: try once more without.
      // Not after a timeout: that endpoint is slow, and a second wait would double it.
      if (!keepalive || error === ABORTED || ending) return { kind: 'retry', after: undefined };
    } finally {
      if (keepalive) inFlight -= body.length;
    }
    try {
      return classify(await request(batch, body, false), deps.now());
    } catch {
      return { kind: 'retry', after: undefined };
    }
  }

  /** Batches close() could not deliver: to the outbox, or counted as dropped. */
  function park(batches: Batch[]) {
    for (const batch of batches) {
      if (store) void save(batch);
      else drop(batch, 'disposed');
    }
  }

  /** Acts on an answer; false when the batch went back to wait for a retry. */
  function settleOne(batch: Batch, outcome: Outcome): boolean {
    if (outcome.kind === 'ok') {
      attempts = 0;
      down = false;
    } else if (outcome.kind === 'rejected') {
      drop(batch, 'rejected');
    } else if (outcome.kind === 'too-large') {
      if (batch.split || batch.items.length < 2) drop(batch, 'too-large');
      else queue.unshift(...halves(batch));
    } else if (stopped) {
      park([batch]);
    } else {
      attempts++;
      queue.unshift(batch);
      if (attempts > config.retries && store) {
        down = true;
        for (const waiting of queue.splice(0)) void save(waiting);
      }
      const backoff = backoffMs(config.retryDelayMs, attempts, deps.random, MAX_BACKOFF_MS);
      if (timer === undefined && !stopped) {
        timer = scheduler.setTimeout(() => {
          timer = undefined;
          void pump();
        }, outcome.after ?? backoff);
      }
      return false;
    }
    return true;
  }

  async function loop() {
    while (!ending) {
      const batch = queue.shift() ?? (stored && !stopped && !hidden ? await takeOldest() : undefined);
      if (!batch) return;
      if (ending) return park([batch]);
      if (!settleOne(batch, await attempt(batch))) return;
    }
  }

  function pump(): Promise<void> {
    if (timer !== undefined) return Promise.resolve();
    return (running ??= loop().finally(() => {
      running = undefined;
      if (queue.length && timer === undefined && !stopped) void pump();
    }));
  }

  /** Sends what fits the keepalive budget at once and in parallel; stores the rest, or keeps it for the loop. */
  function sendHidden() {
    for (const batch of queue.splice(0)) {
      const fits = inFlight + render(batch).length <= KEEPALIVE_BUDGET;
      if (fits && timer === undefined && !down) {
        const sent = attempt(batch).then((outcome) => {
          settleOne(batch, outcome);
          if (stopped && !ending) void pump(); // 413 halves
        });
        pending.add(sent);
        void sent.finally(() => pending.delete(sent));
      } else if (store) void save(batch);
      else queue.push(batch);
    }
  }

  /** Resolves when no request is in flight. */
  async function idle() {
    while (running || pending.size) await Promise.allSettled([running, ...pending]);
  }

  /** Waits for `work`, but at most `ms`. */
  function within(work: Promise<unknown>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = scheduler.setTimeout(resolve, ms);
      const done = () => (scheduler.clearTimeout(t), resolve());
      work.then(done, done);
    });
  }

  return {
    add(batches) {
      for (const batch of batches) {
        if (down && store) {
          void save(batch);
          continue;
        }
        if (queue.length >= config.maxQueue) {
          const oldest = queue.shift()!;
          if (store) void save(oldest);
          else drop(oldest, 'queue-full');
        }
        queue.push(batch);
      }
    },
    async settle() {
      await pump();
      await chain;
    },
    wake() {
      hidden = false;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
      void pump();
    },
    hide() {
      hidden = true;
      sendHidden();
    },
    async close(last) {
      stopped = hidden = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined; // a batch waiting out a backoff gets one more try now
      sendHidden();
      void pump(); // what did not fit the keepalive budget, one at a time, when there is no outbox
      await within(idle(), CLOSE_WAIT_MS);
      ending = true;
      for (const controller of controllers) controller.abort(ABORTED);
      await within(idle(), CLOSE_STORE_WAIT_MS);
      park(queue.splice(0));
      park(last());
      await within(chain, CLOSE_STORE_WAIT_MS);
    },
    get state() {
      return { queued: queue.length, down };
    },
  };
}
