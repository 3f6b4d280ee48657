// A loaded model's rollout as the app sees it: how guardrails and the second version are doing on this device
// (read from the worker), and `rollback` events when the device leaves a variant.
import { EdgeInferError, shown } from '../errors.js';
import type { RolloutState } from '../rpc/protocol.js';
import type { Assignment } from '../store/rollout.js';
import type { BreachCode, GuardReport } from '../worker/guard.js';
import type { SecondReport } from '../worker/second-run.js';
import { notify } from './notify.js';

/** The device left variant `from` for stable `to`: a guardrail (`code`) was breached, as `detail` says. */
export interface RollbackEvent {
  from: string;
  to: string;
  code: BreachCode;
  detail: string;
  /** Whether stable already serves this model (same handle); else `error` says why not, and the next load runs stable. */
  applied: boolean;
  error?: string;
}

export interface RolloutReport {
  /** Which version runs and why (changes to `rolled-back` after a rollback). */
  assignment: Assignment | undefined;
  /** A variant's guardrails: runs, failures, p95 and agreement over the last `minRuns`, with the limits. */
  guard?: GuardReport;
  /** The shadow, or stable run as the reference for `minAgreement`: runs, agreement, run times, largest difference. */
  second?: SecondReport;
}

export class ModelRollout {
  private readonly listeners = new Set<(event: RollbackEvent) => void>();

  /** @internal Made by the model. */
  constructor(
    private readonly state: () => Promise<RolloutState>,
    private readonly assignment: () => Assignment | undefined,
  ) {}

  /** Reads the worker's counts; `{ assignment }` alone when the model's rollout watches nothing here. */
  async report(): Promise<RolloutReport> {
    return { assignment: this.assignment(), ...(await this.state()) };
  }

  /** Calls `listener` when this device rolls the model back; returns the function that stops it. */
  on(event: 'rollback', listener: (event: RollbackEvent) => void): () => void {
    if (event !== 'rollback') throw new EdgeInferError('options-invalid', `rollout.on(): event must be 'rollback', got ${shown(event)}`);
    if (typeof listener !== 'function') throw new EdgeInferError('options-invalid', `rollout.on(): listener must be a function, got ${shown(listener)}`);
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** @internal */
  emit(event: RollbackEvent): void {
    notify(this.listeners, event);
  }
}
