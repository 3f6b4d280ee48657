// Runs travel beside comlink as short arrays on the worker's own channel: a run is the hot path, and comlink's
// generic layer (proxy traps, wire values, string ids, a transfer-handler scan per argument) costs more than the run
// of a small model. A MessagePort of their own cost ~20 µs more per round trip than the worker's channel in
// Chromium 156. Comlink's messages are objects, ours arrays; the worker's listener runs before comlink's and keeps
// ours from it. Errors cross as SerializedError data, as on the comlink side. The worker hands the input buffers
// back with each answer, for the next run's input copies (see buffer-pool.ts), unless the caller moved its own.
import type { BufferPool } from './buffer-pool.js';
import { reviveError, toEdgeInferError, type EdgeInferError, type SerializedError } from '../errors.js';
import { ownBuffers, wholeBuffers, type Tensor } from '../tensor.js';
import type { BatchPolicy, RolloutEvent, RunOutcome, RunReply, WindowEvent } from './protocol.js';

type Feeds = Record<string, Tensor>;
/** [id, model handle, feeds (or a list, for many), many, batching, lone, flags (QUIET | MOVED)] */
type Request = [number, number, Feeds | Feeds[], boolean, BatchPolicy | undefined, boolean, number?];
/** The SDK's own run (the warm-up): no tap (monitor, guardrails, shadow) sees it. */
const QUIET = 1;
/**
 * The caller moved its own arrays: their buffers are not handed back, or an app that always moves would fill the pool
 * (up to 8 MB) with buffers no copy uses.
 */
const MOVED = 2;
/** [id, reply] or [id, undefined, error], then the request's input buffers, handed back; id 0 carries an event */
type Answer = [number, RunReply | RunOutcome[] | undefined, SerializedError | undefined, ArrayBuffer[], (WindowEvent | RolloutEvent)?];

interface Waiting {
  resolve: (value: never) => void;
  reject: (error: EdgeInferError) => void;
}

/** Either end of the worker's channel. */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Main-thread side: one per worker. */
export class RunPort {
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** Receives closed monitoring windows, by model handle. */
  readonly windows = new Map<number, (event: WindowEvent) => void>();
  /** Receives rollout events (second runs, rollbacks), by model handle. */
  readonly rollouts = new Map<number, (event: RolloutEvent) => void>();
  private readonly listener: (event: MessageEvent) => void;

  constructor(
    private readonly port: Endpoint,
    private readonly pool: BufferPool,
  ) {
    this.listener = (event: MessageEvent) => {
      const answer = event.data as Answer;
      if (!Array.isArray(answer)) return; // comlink's
      if (answer[3].length > 0) pool.give(answer[3]);
      const note = answer[4];
      if (note) return 'window' in note ? this.windows.get(note.handle)?.(note) : this.rollouts.get(note.handle)?.(note);
      const id = answer[0];
      const waiting = this.waiting.get(id);
      if (!waiting) return;
      this.waiting.delete(id);
      if (answer[2]) waiting.reject(reviveError(answer[2]));
      else waiting.resolve(answer[1] as never);
    };
    port.addEventListener('message', this.listener);
  }

  /** Runs waiting for their answer. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /**
   * Unless `move` is set, the inputs are copied (into returned buffers when there are some), so the caller keeps its
   * arrays. `move: 'own'`: the feeds are the SDK's private copies already (moved, small ones cloned). `quiet`: the
   * SDK's own run, which the worker's taps (monitor, guardrails, shadow) do not see.
   */
  run(handle: number, feeds: Feeds, batching: BatchPolicy | undefined, lone: boolean, move: boolean | 'own', quiet = false): Promise<RunReply> {
    const request: Request = [0, handle, feeds, false, batching, lone];
    const flags = (quiet ? QUIET : 0) | (move === true ? MOVED : 0);
    if (flags) request.push(flags);
    if (move === true) return this.send(request, wholeBuffers(Object.values(feeds)));
    const sent = (request[2] = move === 'own' ? feeds : this.pool.copyFeeds(feeds));
    return this.send(request, ownBuffers(sent));
  }

  runMany(handle: number, requests: Feeds[], batching: BatchPolicy | undefined, transfer: Transferable[]): Promise<RunOutcome[]> {
    return this.send([0, handle, requests, true, batching, false], transfer);
  }

  /** Rejects everything still waiting (the worker is gone) and stops listening. */
  close(reason: EdgeInferError): void {
    for (const w of this.waiting.values()) w.reject(reason);
    this.waiting.clear();
    this.port.removeEventListener('message', this.listener);
  }

  private send<T>(request: Request, transfer: Transferable[]): Promise<T> {
    const id = (request[0] = this.next++);
    try {
      this.port.postMessage(request, transfer);
    } catch (error) {
      return Promise.reject(toEdgeInferError(error, 'input-invalid', 'the run could not be sent to the worker'));
    }
    // Registered after posting: the answer arrives in a later task, and a failed post leaves nothing behind.
    return new Promise<T>((resolve, reject) => void this.waiting.set(id, { resolve: resolve as (value: never) => void, reject }));
  }
}

/** What watches a model's runs in the worker (drift monitor, guardrails, shadow): it copies what it needs before a reply leaves. */
export interface RunTap {
  /** A run that succeeded, with its `session.run` time, before its reply leaves. */
  capture(inputs: Feeds, outputs: Feeds, ms: number): void;
  /** A run that failed. */
  fail(): void;
  /** After the reply left. */
  drain(): void;
}

export interface RunServer {
  tapOf?(handle: number): RunTap | undefined;
  run(handle: number, feeds: Feeds, batching: BatchPolicy | undefined, lone: boolean): Promise<RunReply>;
  runMany(handle: number, requests: Feeds[], batching: BatchPolicy | undefined): Promise<RunOutcome[]>;
}

/** Worker side: posts a closed monitoring window or a rollout event. */
export function postNote(port: Endpoint, event: WindowEvent | RolloutEvent): void {
  port.postMessage([0, undefined, undefined, [], event] satisfies Answer, []);
}

/** Worker side: answers runs, moving output buffers back. Register it before comlink's `expose`, which must not see them. */
export function serveRuns(port: Endpoint, server: RunServer): void {
  port.addEventListener('message', (event: MessageEvent) => {
    const request = event.data as Request;
    if (!Array.isArray(request)) return; // comlink's
    event.stopImmediatePropagation();
    const id = request[0];
    const handle = request[1];
    const feeds = request[2];
    const many = request[3];
    const batching = request[4];
    // Handed back for the next input copies; small ones are not pooled (see ownBuffers).
    let inputs: ArrayBuffer[];
    if (many) {
      inputs = [];
      for (const f of feeds as Feeds[]) ownBuffers(f, inputs);
    } else {
      inputs = ownBuffers(feeds as Feeds);
    }
    const lone = request[5];
    const flags = request[6] ?? 0;
    let done: Promise<RunReply | RunOutcome[]>;
    try {
      done = many ? server.runMany(handle, feeds as Feeds[], batching) : server.run(handle, feeds as Feeds, batching, lone);
    } catch (error) {
      done = Promise.reject(error); // a disposed handle throws before any promise exists
    }
    done.then(
      (reply) => {
        const tap = flags & QUIET ? undefined : server.tapOf?.(handle);
        if (tap) {
          if (!many) tap.capture(feeds as Feeds, (reply as RunReply).outputs, (reply as RunReply).inferenceMs);
          else (reply as RunOutcome[]).forEach((o, i) => ('reply' in o ? tap.capture((feeds as Feeds[])[i]!, o.reply.outputs, o.reply.inferenceMs) : tap.fail()));
        }
        let moved: ArrayBuffer[];
        if (many) {
          moved = [];
          for (const o of reply as RunOutcome[]) if ('reply' in o) ownBuffers(o.reply.outputs, moved);
        } else {
          moved = ownBuffers((reply as RunReply).outputs);
        }
        // An output may share an input's buffer: that one goes back as the output only.
        const returned = flags & MOVED ? [] : moved.length === 0 ? inputs : inputs.filter((b) => !moved.includes(b));
        for (const b of returned) moved.push(b);
        port.postMessage([id, reply, undefined, returned] satisfies Answer, moved);
        tap?.drain();
      },
      (error: unknown) => {
        const tap = flags & QUIET ? undefined : server.tapOf?.(handle);
        tap?.fail();
        port.postMessage([id, undefined, toEdgeInferError(error, 'inference-failed', 'run failed').toJSON(), inputs] satisfies Answer, inputs);
        tap?.drain();
      },
    );
  });
}
