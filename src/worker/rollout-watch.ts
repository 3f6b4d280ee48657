// A rollout on one loaded model in the worker: the variant's guardrails (and the rollback they trigger), and the
// second version run beside the served one (the shadow, or stable as the reference for `minAgreement`).
import type { LoadReply, RolloutEvent, RolloutState } from '../rpc/protocol.js';
import type { RunTap } from '../rpc/run-port.js';
import type { Assignment, Rollout } from '../store/rollout.js';
import type { Tensor } from '../tensor.js';
import { hasNonFinite } from './agreement.js';
import { Guard, type Breach } from './guard.js';
import { SecondRun } from './second-run.js';
import type { Opened } from './session.js';

type Feeds = Record<string, Tensor>;

/** What the engine does for a rollout watch. */
export interface RolloutHost {
  post(event: RolloutEvent): void;
  /** The served session's queue (see SecondRun). */
  served: { busy(): boolean; settled(): Promise<unknown> };
  /** A session of another version of the same model, kept out of the engine's handles; `rollback` marks stable loaded in place of a variant. */
  open(version: string, rollback?: { from: string; reason: string }): Promise<{ opened: Pick<Opened<unknown>, 'session' | 'ort'>; reply: LoadReply; release: () => void }>;
  /** Puts `opened` in place of the served session if its inputs and outputs are the same; false otherwise (nothing changed). */
  swap(opened: Pick<Opened<unknown>, 'session' | 'ort'>, reply: LoadReply, release: () => void): boolean;
  remember(version: string, reason: string): Promise<void>;
  warn(message: string): void;
}

/** The rollout facts a load resolved to: the assignment, the stable version a variant falls back to, the rollout. */
export type Placed = Assignment & { stable?: string; rollout?: Rollout };

/** A watch when the rollout asks for one on this load: guardrails on a variant, or a second version to run. */
export function watchRollout(id: string, handle: number, placed: Placed | undefined, host: RolloutHost): RolloutWatch | undefined {
  const rollout = placed?.rollout;
  if (!placed || !rollout || placed.arm === 'pinned') return undefined;
  const guardrails = placed.arm === 'variant' && placed.stable ? rollout.guardrails : undefined;
  const shadow = rollout.shadow && rollout.shadow.sampleRate > 0 && rollout.shadow.version !== placed.version ? rollout.shadow : undefined;
  if (!guardrails && !shadow) return undefined;
  return new RolloutWatch(id, handle, placed, host, guardrails ? new Guard(guardrails) : undefined, shadow);
}

export class RolloutWatch implements RunTap {
  private second: SecondRun | undefined;
  private breach: Breach | undefined;
  private rolling = false;

  constructor(
    private readonly id: string,
    private readonly handle: number,
    private readonly placed: Placed,
    private readonly host: RolloutHost,
    private guard: Guard | undefined,
    shadow: Rollout['shadow'],
  ) {
    const g = guard?.limits;
    // A variant judged on agreement runs stable beside it; otherwise the shadow, if any.
    const second = g?.minAgreement !== undefined
      ? { version: placed.stable!, role: 'reference' as const, rate: g.sampleRate ?? 0.1 }
      : shadow && { version: shadow.version, role: 'shadow' as const, rate: shadow.sampleRate };
    if (second) this.startSecond(second.version, second.role, second.rate, g?.tolerance ?? 1e-3);
  }

  capture(inputs: Feeds, outputs: Feeds, ms: number): void {
    if (this.guard) this.breach ??= this.guard.run(hasNonFinite(outputs) ? undefined : ms);
    this.second?.capture(inputs, outputs);
  }

  fail(): void {
    if (this.guard) this.breach ??= this.guard.run(undefined);
  }

  drain(): void {
    if (this.breach && !this.rolling) void this.rollBack(this.breach);
    else this.second?.drain();
  }

  state(): RolloutState {
    return { ...(this.guard ? { guard: this.guard.report() } : {}), ...(this.second ? { second: this.second.report() } : {}) };
  }

  async close(): Promise<void> {
    this.guard = undefined;
    await this.second?.close();
  }

  private startSecond(version: string, role: 'shadow' | 'reference', rate: number, tolerance: number): void {
    const second = new SecondRun(version, role, this.id, rate, tolerance, this.host.served, (result) => {
      this.host.post({ handle: this.handle, second: result });
      if (role === 'reference' && result.agree !== undefined && this.guard) {
        this.breach ??= this.guard.compare(result.agree);
        if (this.breach && !this.rolling) void this.rollBack(this.breach);
      }
    });
    this.second = second;
    this.host.open(version).then(
      ({ opened, release }) => {
        release(); // its bytes may be evicted: it is a second opinion, not what serves
        second.ready(opened);
      },
      (error: unknown) => {
        this.host.warn(`the ${role} version ${version} of "${this.id}" could not be loaded, so it does not run: ${(error as Error).message}`);
        void second.close();
      },
    );
  }

  /** Remembers the breach, tells the main thread, and puts stable in the variant's place. */
  private async rollBack(breach: Breach): Promise<void> {
    this.rolling = true;
    this.guard = undefined;
    const from = this.placed.version;
    const to = this.placed.stable!;
    const reason = `${breach.code}: ${breach.detail}`;
    await this.host.remember(from, reason);
    const note = { from, to, code: breach.code, detail: breach.detail };
    await this.second?.close();
    this.second = undefined;
    try {
      const { opened, reply, release } = await this.host.open(to, { from, reason });
      if (!this.host.swap(opened, reply, release)) {
        release();
        await opened.session.release();
        this.host.post({ handle: this.handle, rollback: { ...note, error: 'stable has other inputs or outputs than the variant: it runs from the next load' } });
        return;
      }
      const { version, sha256, bytes, source, cached, backend, build, assignment } = reply;
      this.host.post({ handle: this.handle, rollback: { ...note, swapped: { version, sha256, bytes, source, cached, backend, build, ...(assignment ? { assignment } : {}) } } });
    } catch (error) {
      this.host.post({ handle: this.handle, rollback: { ...note, error: `stable could not be loaded, so the variant keeps running until the next load: ${(error as Error).message}` } });
    }
  }
}

/** Both taps, in order; either alone when the other is absent. */
export function joinTaps(a: RunTap | undefined, b: RunTap | undefined): RunTap | undefined {
  if (!a || !b) return a ?? b;
  return {
    capture: (inputs, outputs, ms) => (a.capture(inputs, outputs, ms), b.capture(inputs, outputs, ms)),
    fail: () => (a.fail(), b.fail()),
    drain: () => (a.drain(), b.drain()),
  };
}
