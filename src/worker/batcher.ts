// Dynamic batching for one session. Concurrent requests whose inputs differ only in the first dimension are stacked
// into one `session.run` (up to `maxBatch` rows), and each caller gets its own rows back.
//
// A batch reserves its place in the session's run queue when its first request arrives. Once the session is free
// for it, it waits for company turn by turn of the event loop, and leaves when full, when a turn brought no new
// request, or when `maxDelayMs` has passed since its first request (Triton's max_queue_delay).
import { EdgeInferError, toEdgeInferError } from '../errors.js';
import type { ResolvedBatchingOptions } from '../serving/options.js';
import type { Tensor } from '../tensor.js';
import { batchKey, mergeFeeds, prepare, splitOutputs, type Prepared } from './batch-feeds.js';

/** Time and turns of the event loop, injectable so tests can drive the batcher by hand. */
export interface Scheduler {
  now(): number;
  /** Calls `fn` in a later task, after messages already queued for this thread. */
  tick(fn: () => void): void;
}

export interface BatchReply {
  outputs: Record<string, Tensor>;
  inferenceMs: number;
  /** Requests that shared the `session.run` (1 when the request ran alone). */
  batchSize: number;
}

export interface BatcherHost {
  /** Model id, for errors. */
  readonly id: string;
  readonly inputNames: readonly string[];
  /** Appends a task to the session's run queue, which runs tasks one at a time. */
  enqueue<T>(task: () => Promise<T>): Promise<T>;
  /** Whether the run queue is empty (nothing running, nothing waiting). */
  idle(): boolean;
  /** Runs feeds on the session now (called from inside a queued task). */
  run(feeds: Record<string, Tensor>): Promise<{ outputs: Record<string, Tensor>; inferenceMs: number }>;
}

interface Member {
  request: Prepared;
  resolve: (reply: BatchReply) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  key: string;
  firstAt: number;
  rows: number;
  members: Member[];
  closed: boolean;
}

export class Batcher {
  private readonly open = new Map<string, Batch>();
  /** Requests seen so far: a turn of the event loop that leaves it unchanged was quiet. */
  private arrivals = 0;

  constructor(
    private readonly host: BatcherHost,
    public policy: ResolvedBatchingOptions,
    private readonly scheduler: Scheduler,
  ) {}

  /** Whether requests are gathering into a batch that has not started yet. */
  get busy(): boolean {
    return this.open.size > 0;
  }

  /**
   * Checks one request and runs it in a batch, or alone when it cannot be stacked. Rejects alone if malformed.
   * `lone`: the request came alone; if the session is idle it runs at once, and requests that arrive while it runs
   * form the next batch (waiting a turn for company would only add latency to sequential callers).
   */
  submit(feeds: Record<string, Tensor>, lone = false): Promise<BatchReply> {
    let request: Prepared;
    try {
      request = prepare(this.host.id, this.host.inputNames, feeds);
    } catch (error) {
      return Promise.reject(error);
    }
    this.arrivals++;
    if (!request.stackable || request.rows >= this.policy.maxBatch || (lone && this.open.size === 0 && this.host.idle())) {
      return this.host.enqueue(() => this.host.run(feeds).then(alone));
    }
    const key = batchKey(this.host.inputNames, request);
    let batch = this.open.get(key);
    if (batch && batch.rows + request.rows > this.policy.maxBatch) {
      this.close(batch);
      batch = undefined;
    }
    if (!batch) batch = this.start(key);
    const reply = new Promise<BatchReply>((resolve, reject) => batch.members.push({ request, resolve, reject }));
    batch.rows += request.rows;
    if (batch.rows >= this.policy.maxBatch) this.close(batch);
    return reply;
  }

  private start(key: string): Batch {
    const batch: Batch = { key, firstAt: this.scheduler.now(), rows: 0, members: [], closed: false };
    this.open.set(key, batch);
    void this.host.enqueue(async () => {
      await this.gather(batch);
      await this.execute(batch.members);
    });
    return batch;
  }

  /** The session is free for this batch: let more requests join until it is full, quiet, or out of time. */
  private async gather(batch: Batch): Promise<void> {
    while (!batch.closed) {
      const seen = this.arrivals;
      await new Promise<void>((resolve) => this.scheduler.tick(resolve));
      if (this.arrivals === seen || this.scheduler.now() - batch.firstAt >= this.policy.maxDelayMs) this.close(batch);
    }
  }

  private close(batch: Batch): void {
    batch.closed = true;
    if (this.open.get(batch.key) === batch) this.open.delete(batch.key);
  }

  private async execute(members: Member[]): Promise<void> {
    const { id, inputNames } = this.host;
    if (members.length === 1) {
      const only = members[0]!;
      await this.host.run(only.request.feeds).then((r) => only.resolve(alone(r)), only.reject);
      return;
    }
    try {
      const reply = await this.host.run(mergeFeeds(inputNames, members.map((m) => m.request)));
      const parts = splitOutputs(id, reply.outputs, members.map((m) => m.request.rows));
      members.forEach((m, i) => m.resolve({ outputs: parts[i]!, inferenceMs: reply.inferenceMs, batchSize: members.length }));
    } catch (error) {
      // Every member learns the batch failed; none is retried alone behind the caller's back.
      const cause = toEdgeInferError(error, 'inference-failed', `model "${id}" failed to run`);
      const failure = new EdgeInferError(cause.code, `batched run of ${members.length} requests failed: ${cause.message}`, {
        ...cause.details, model: id, batchSize: members.length,
      }, { cause });
      for (const m of members) m.reject(failure);
    }
  }
}

/** The reply of a request that ran by itself. */
function alone(reply: { outputs: Record<string, Tensor>; inferenceMs: number }): BatchReply {
  return { outputs: reply.outputs, inferenceMs: reply.inferenceMs, batchSize: 1 };
}

/** Turns of the event loop through a MessageChannel: unlike nested setTimeout(0), never clamped to 4 ms. */
export function channelScheduler(): Scheduler {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return {
    now: () => performance.now(),
    tick(fn) {
      waiting.push(fn);
      channel.port2.postMessage(null);
    },
  };
}
