import { wrap, type Remote } from 'comlink';
import { EdgeInferError } from '../errors.js';
import type { WorkerApi } from './protocol.js';

/**
 * One live worker. Calls in flight are tracked, so a crashed worker rejects pending and later calls with
 * `worker-crashed` instead of leaving them hanging (comlink alone would wait forever).
 */
export class WorkerClient {
  private readonly api: Remote<WorkerApi>;
  /** Rejecters of calls still waiting for the worker. */
  private readonly pending = new Set<(error: EdgeInferError) => void>();
  private failure: EdgeInferError | undefined;

  constructor(
    private readonly worker: Worker,
    onCrash: (error: EdgeInferError) => void,
  ) {
    const crash = (message: string) => {
      if (this.failure) return;
      const error = new EdgeInferError('worker-crashed', `the inference worker stopped: ${message}; load models again to continue`);
      this.stop(error);
      onCrash(error);
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      crash(event.message || 'uncaught error or failed to start (check that the worker script is served)');
    });
    worker.addEventListener('messageerror', () => crash('a message could not be deserialized'));
    this.api = wrap<WorkerApi>(worker);
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      fn(this.api).then(
        (value) => {
          this.pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Ends the worker; pending and later calls reject with `reason`. */
  stop(reason: EdgeInferError): void {
    if (this.failure) return;
    this.failure = reason;
    for (const reject of this.pending) reject(reason);
    this.pending.clear();
    this.worker.terminate();
  }
}
