// Runs travel beside comlink as short arrays on the worker's own channel: a run is the hot path, and comlink's
// generic layer (proxy traps, wire values, string ids, a transfer-handler scan per argument) costs more than the run
// of a small model. A MessagePort of their own cost ~20 µs more per round trip than the worker's channel in
// Chromium 156. Comlink's messages are objects, ours arrays; the worker's listener runs before comlink's and keeps
// ours from it. Errors cross as SerializedError data, as on the comlink side. The worker hands the input buffers
// back with each answer, for the next run's input copies (see buffer-pool.ts).
import type { BufferPool } from './buffer-pool.js';
import { reviveError, toEdgeInferError, type EdgeInferError, type SerializedError } from '../errors.js';
import { wholeBuffers, type Tensor } from '../tensor.js';
import type { BatchPolicy, RolloutEvent, RunOutcome, RunReply, WindowEvent } from './protocol.js';

type Feeds = Record<string, Tensor>;
/** [id, model handle, feeds (or a list, for many), many, batching, lone] */
type Request = [number, number, Feeds | Feeds[], boolean, BatchPolicy | undefined, boolean];
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
      if (!Array.isArray(event.data)) return; // comlink's
      const [id, value, error, returned, note] = event.data as Answer;
      pool.give(returned);
      if (note) return 'window' in note ? this.windows.get(note.handle)?.(note) : this.rollouts.get(note.handle)?.(note);
      const waiting = this.waiting.get(id);
      if (!waiting) return;
      this.waiting.delete(id);
      if (error) waiting.reject(reviveError(error));
      else waiting.resolve(value as never);
    };
    port.addEventListener('message', this.listener);
  }

  /** Unless `move` is set, the inputs are copied (into returned buffers when there are some), so the caller keeps its arrays. */
  run(handle: number, feeds: Feeds, batching: BatchPolicy | undefined, lone: boolean, move: boolean): Promise<RunReply> {
    const sent = move ? feeds : this.pool.copyFeeds(feeds);
    return this.send([0, handle, sent, false, batching, lone], wholeBuffers(Object.values(sent)));
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
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: never) => void, reject });
      try {
        this.port.postMessage(request, transfer);
      } catch (error) {
        this.waiting.delete(id);
        reject(toEdgeInferError(error, 'input-invalid', 'the run could not be sent to the worker'));
      }
    });
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
    if (!Array.isArray(event.data)) return; // comlink's
    event.stopImmediatePropagation();
    const [id, handle, feeds, many, batching, lone] = event.data as Request;
    const inputs = wholeBuffers(many ? (feeds as Feeds[]).flatMap((f) => Object.values(f)) : Object.values(feeds));
    let done: Promise<RunReply | RunOutcome[]>;
    try {
      done = many ? server.runMany(handle, feeds as Feeds[], batching) : server.run(handle, feeds as Feeds, batching, lone);
    } catch (error) {
      done = Promise.reject(error); // a disposed handle throws before any promise exists
    }
    done.then(
      (reply) => {
        const tap = server.tapOf?.(handle);
        if (tap) {
          if (!many) tap.capture(feeds as Feeds, (reply as RunReply).outputs, (reply as RunReply).inferenceMs);
          else (reply as RunOutcome[]).forEach((o, i) => ('reply' in o ? tap.capture((feeds as Feeds[])[i]!, o.reply.outputs, o.reply.inferenceMs) : tap.fail()));
        }
        const outputs = many ? (reply as RunOutcome[]).flatMap((o) => ('reply' in o ? Object.values(o.reply.outputs) : [])) : Object.values((reply as RunReply).outputs);
        const moved = wholeBuffers(outputs);
        const returned = inputs.filter((b) => !moved.includes(b)); // an output may share an input's buffer
        port.postMessage([id, reply, undefined, returned] satisfies Answer, [...moved, ...returned]);
        tap?.drain();
      },
      (error: unknown) => {
        const tap = server.tapOf?.(handle);
        tap?.fail();
        port.postMessage([id, undefined, toEdgeInferError(error, 'inference-failed', 'run failed').toJSON(), inputs] satisfies Answer, inputs);
        tap?.drain();
      },
    );
  });
}
