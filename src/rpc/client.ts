import { wrap, type Remote } from 'comlink';
import { EdgeInferError, reviveError } from '../errors.js';
import type { BatchPolicy, RunOutcome, RunReply, WorkerApi } from './protocol.js';
import { BufferPool } from './buffer-pool.js';
import { RunPort } from './run-port.js';
import type { Tensor } from '../tensor.js';

/**
 * Time a new worker gets before the liveness check applies: its first load also starts onnxruntime-web, whose
 * WebAssembly set-up can block the worker for seconds on a busy machine.
 */
const STARTUP_MS = 30_000;

/**
 * One live worker. Calls in flight are tracked, so a crashed worker rejects pending and later calls with
 * `worker-crashed` instead of leaving them hanging (comlink alone would wait forever). A worker can also stop
 * without an `error` event (terminated, `self.close()`, stuck in a loop): while calls wait, a ping must come back
 * within `timeoutMs` or the worker counts as crashed.
 */
export class WorkerClient {
  private readonly api: Remote<WorkerApi>;
  /** Runs travel here, beside comlink on the worker's channel. */
  readonly runs: RunPort;
  /** Rejecters of calls still waiting for the worker. */
  private readonly pending = new Set<(error: EdgeInferError) => void>();
  private failure: EdgeInferError | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** When the unanswered ping was sent (`performance.now()`), if one is out. */
  private pingSentAt: number | undefined;
  /** Until `started()`, the worker may still be fetching and compiling its scripts: allow it longer. */
  private warm = false;

  constructor(
    private readonly worker: Worker,
    private readonly onCrash: (error: EdgeInferError) => void,
    private readonly timeoutMs: number | false = false,
    pool = new BufferPool(),
  ) {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crash(event.message || 'uncaught error or failed to start (check that the worker script is served)');
    });
    worker.addEventListener('messageerror', () => this.crash('a message could not be deserialized'));
    this.api = wrap<WorkerApi>(worker);
    this.runs = new RunPort(worker, pool);
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      this.watch();
      fn(this.api).then(
        (value) => {
          this.pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(reject);
          reject(reviveError(error));
        },
      );
    });
  }

  /**
   * A run, straight on the run channel: no promise or bookkeeping of its own. The RunPort holds what waits, rejects
   * it when the worker crashes (`stop` closes it) and counts it for the liveness ping.
   */
  run(handle: number, feeds: Record<string, Tensor>, batching: BatchPolicy | undefined, lone: boolean, move: boolean | 'own', quiet = false): Promise<RunReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.watchdog === undefined) this.watch();
    return this.runs.run(handle, feeds, batching, lone, move, quiet);
  }

  /** Several runs in one message (see `run`); `transfer` lists the buffers to move. */
  runMany(handle: number, requests: Record<string, Tensor>[], batching: BatchPolicy | undefined, transfer: Transferable[]): Promise<RunOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.watchdog === undefined) this.watch();
    return this.runs.runMany(handle, requests, batching, transfer);
  }

  /** Called once the worker has finished its first load: from now on the plain liveness limit applies. */
  started(): void {
    this.warm = true;
  }

  /** Ends the worker; pending and later calls reject with `reason`. */
  stop(reason: EdgeInferError): void {
    if (this.failure) return;
    this.failure = reason;
    clearInterval(this.watchdog);
    for (const reject of this.pending) reject(reason);
    this.pending.clear();
    this.runs.close(reason);
    this.worker.terminate();
  }

  private crash(message: string): void {
    if (this.failure) return;
    const error = new EdgeInferError('worker-crashed', `the inference worker stopped: ${message}; load models again to continue`);
    this.stop(error);
    this.onCrash(error);
  }

  /** Pings the worker while calls or runs wait on it; an idle worker is left alone. */
  private watch(): void {
    if (this.timeoutMs === false || this.watchdog !== undefined) return;
    const limit = this.timeoutMs;
    const every = Math.max(10, limit / 4);
    let last = performance.now();
    const check = () => {
      const now = performance.now();
      // A late tick means this thread was busy: its answer may be waiting in the queue, so that time does not count.
      if (this.pingSentAt !== undefined && now - last > 2 * every) this.pingSentAt += now - last - every;
      last = now;
      if (this.pending.size === 0 && this.runs.inFlight === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        this.pingSentAt = undefined;
        return;
      }
      if (this.pingSentAt === undefined) {
        this.ping();
      } else if (now - this.pingSentAt > (this.warm ? limit : Math.max(limit, STARTUP_MS))) {
        this.crash(`it did not answer for ${limit} ms (closed, terminated from outside, or stuck in a long task)`);
      }
    };
    // The first ping waits for the first tick: a call that returns sooner (most runs) costs no extra message.
    this.watchdog = setInterval(check, every);
  }

  private ping(): void {
    const sentAt = (this.pingSentAt = performance.now());
    this.api.ping().then(() => {
      if (this.pingSentAt !== undefined && this.pingSentAt >= sentAt) this.pingSentAt = undefined;
    }, () => undefined);
  }
}
