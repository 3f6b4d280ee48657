// Runs a batching model gets within one task leave for the worker in one message. Under load the per-message costs
// (a task on each side, structured-clone set-up, comlink bookkeeping) outweigh a batched session.run, so merging
// runs only in the worker would leave most of the gain on the table.
import { reviveError } from '../errors.js';
import { ownBuffers, wholeBuffers, type Tensor } from '../tensor.js';
import type { RunOutcome, RunReply } from '../rpc/protocol.js';

export interface CoalescerTransport {
  /**
   * Sends one run. `lone`: no other run of this model is in flight, so the worker need not wait for company. `move`:
   * `true` moves the caller's buffers, `'own'` the coalescer's private copies (see `ownBuffers`).
   */
  one(feeds: Record<string, Tensor>, lone: boolean, move: true | 'own'): Promise<RunReply>;
  many(feeds: Record<string, Tensor>[], transfer: ArrayBuffer[]): Promise<RunOutcome[]>;
  /** A private copy of the feeds. */
  copy(feeds: Record<string, Tensor>): Record<string, Tensor>;
}

interface Letter {
  feeds: Record<string, Tensor>;
  /** The caller asked to move its buffers (else `feeds` is a private copy). */
  move: boolean;
  resolve: (reply: RunReply) => void;
  reject: (error: unknown) => void;
}

const settled = Promise.resolve();

export class RunCoalescer {
  private letters: Letter[] = [];
  /** Messages sent and not yet answered. */
  private inFlight = 0;
  private readonly flushSoon = () => this.flush();

  /** `flushAt`: send as soon as this many runs wait (a full batch), so the worker starts on it while more are issued. */
  constructor(
    private readonly transport: CoalescerTransport,
    private readonly flushAt = Infinity,
  ) {}

  /**
   * Queues a run until the current task ends. Unless `move` is set, the inputs are copied now, as `postMessage`
   * would have copied them, so the caller may reuse its arrays as soon as `run()` returns.
   */
  post(feeds: Record<string, Tensor>, move: boolean): Promise<RunReply> {
    const own = move ? feeds : this.transport.copy(feeds);
    const reply = new Promise<RunReply>((resolve, reject) => {
      const waiting = this.letters.push({ feeds: own, move, resolve, reject });
      if (waiting === 1) void settled.then(this.flushSoon); // a microtask: cheaper than queueMicrotask's binding
    });
    if (this.letters.length >= this.flushAt) this.flush();
    return reply;
  }

  /** Sends what is waiting now (before a release, so that runs already accepted go first). */
  flush(): void {
    const letters = this.letters;
    if (letters.length === 0) return;
    this.letters = [];
    if (letters.length === 1) {
      const only = letters[0]!;
      const lone = this.inFlight++ === 0;
      attempt(() => this.transport.one(only.feeds, lone, only.move || 'own')).then(
        (reply) => {
          this.inFlight--;
          only.resolve(reply);
        },
        (error: unknown) => {
          this.inFlight--;
          only.reject(error);
        },
      );
      return;
    }
    // Every buffer here is either a private copy or one the caller asked to move.
    const buffers = wholeBuffers(letters.filter((l) => l.move).flatMap((l) => Object.values(l.feeds)));
    for (const l of letters) if (!l.move) ownBuffers(l.feeds, buffers);
    this.inFlight++;
    attempt(() => this.transport.many(letters.map((l) => l.feeds), buffers)).then(
      (outcomes) => {
        this.inFlight--;
        outcomes.forEach((o, i) => ('reply' in o ? letters[i]!.resolve(o.reply) : letters[i]!.reject(reviveError(o.error))));
      },
      (error: unknown) => {
        this.inFlight--;
        letters.forEach((l) => l.reject(error));
      },
    );
  }
}

/** The transport may throw before it returns a promise (a crashed worker); that must still reach the callers. */
function attempt<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}
