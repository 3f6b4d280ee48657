// Delivers batches: one request at a time, retries with backoff, Retry-After, 413 splitting, and an IndexedDB
// outbox for batches the endpoint could not take. Nothing is lost silently: every loss goes to `onDrop`.
import { halves, lost, render, type Batch, type Drop } from './batch.js';
import type { OutboxStore } from './outbox-store.js';
import { classify, type Outcome, type Send } from './send.js';

export interface Scheduler {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Bytes of keepalive request bodies a page may have in flight (Chromium and the Fetch spec allow 64 KiB). */
export const KEEPALIVE_BUDGET = 65_536;
export const MAX_BACKOFF_MS = 300_000;

export interface ExporterConfig {
  maxQueue: number;
  retries: number;
  retryDelayMs: number;
  maxOutbox: number;
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
  hide(): Promise<void>;
  /** No more retries; what still waits in memory goes to the outbox. */
  stop(): Promise<void>;
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
  let stopped = false;
  let stored = store !== undefined; // the outbox may hold batches (from an earlier session, too)
  let hidden = false; // a page that may be closing: batches stay in the outbox rather than leave without keepalive
  let inFlight = 0;
  let seq = 0;
  let chain: Promise<unknown> = Promise.resolve();

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

  async function attempt(batch: Batch): Promise<Outcome> {
    const body = render(batch);
    // keepalive whenever the budget allows, so a request already sent survives the page closing.
    const keepalive = inFlight + body.length <= KEEPALIVE_BUDGET;
    if (keepalive) inFlight += body.length;
    try {
      return classify(await deps.send(batch.signal, body, keepalive), deps.now());
    } catch {
      // Other keepalive requests of the page (not ours) may have used up the budget: try once more without.
      if (!keepalive) return { kind: 'retry', after: undefined };
    } finally {
      if (keepalive) inFlight -= body.length;
    }
    try {
      return classify(await deps.send(batch.signal, body, false), deps.now());
    } catch {
      return { kind: 'retry', after: undefined };
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
    } else {
      attempts++;
      queue.unshift(batch);
      if (attempts > config.retries && store) {
        down = true;
        for (const waiting of queue.splice(0)) void save(waiting);
      }
      const backoff = Math.min(MAX_BACKOFF_MS, config.retryDelayMs * 2 ** Math.min(attempts - 1, 30)) * (0.5 + deps.random() / 2);
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
    for (;;) {
      const batch = queue.shift() ?? (stored && !stopped && !hidden ? await takeOldest() : undefined);
      if (!batch) return;
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
    async hide() {
      hidden = true;
      const work: Promise<unknown>[] = [];
      for (const batch of queue.splice(0)) {
        const fits = inFlight + render(batch).length <= KEEPALIVE_BUDGET;
        if (fits && timer === undefined && !down) work.push(attempt(batch).then((outcome) => settleOne(batch, outcome)));
        else if (store) work.push(save(batch));
        else queue.push(batch);
      }
      await Promise.all(work);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
      if (store) for (const batch of queue.splice(0)) void save(batch);
      await chain;
    },
    get state() {
      return { queued: queue.length, down };
    },
  };
}
