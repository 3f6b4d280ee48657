// A rollout variant's guardrails on this device: the last `minRuns` runs (run time, or failed) and the last `minRuns`
// comparisons with stable, judged against the manifest's limits.
import type { Guardrails } from '../store/rollout.js';

export type BreachCode = 'max-error-rate' | 'max-p95-ms' | 'min-agreement';

export interface Breach {
  code: BreachCode;
  /** What was measured against the limit, e.g. "p95 41.2 ms over the last 20 runs, limit 5 ms". */
  detail: string;
}

export interface GuardReport {
  limits: Guardrails;
  /** Runs and comparisons seen on this device (not only the window). */
  runs: number;
  failed: number;
  compared: number;
  agreed: number;
  /** Over the window of the last `minRuns` runs (or comparisons); undefined until it is full. */
  errorRate?: number;
  p95Ms?: number;
  agreement?: number;
}

export class Guard {
  /** Run times of the window, NaN for a failed run. */
  private readonly times: Float64Array;
  private readonly agreements: Uint8Array;
  private runs = 0;
  private failed = 0;
  private compared = 0;
  private agreed = 0;
  /** Judging sorts the window: once every `every` runs, not after each. */
  private readonly every: number;

  constructor(readonly limits: Guardrails) {
    this.times = new Float64Array(limits.minRuns);
    this.agreements = new Uint8Array(limits.minRuns);
    this.every = Math.max(1, Math.floor(limits.minRuns / 20));
  }

  /** One run: its session time in ms, or undefined when it failed (an error, or NaN/Infinity in its outputs). */
  run(ms: number | undefined): Breach | undefined {
    this.times[this.runs % this.times.length] = ms ?? Number.NaN;
    this.runs++;
    if (ms === undefined) this.failed++;
    if (this.runs < this.limits.minRuns || (this.runs - this.limits.minRuns) % this.every !== 0) return undefined;
    const { maxErrorRate, maxP95Ms } = this.limits;
    const { errorRate, p95Ms } = this.window();
    const over = `over the last ${this.limits.minRuns} runs`;
    if (maxErrorRate !== undefined && errorRate! > maxErrorRate) {
      return { code: 'max-error-rate', detail: `${fmt(errorRate! * 100)}% failed ${over}, limit ${fmt(maxErrorRate * 100)}%` };
    }
    if (maxP95Ms !== undefined && p95Ms !== undefined && p95Ms > maxP95Ms) {
      return { code: 'max-p95-ms', detail: `p95 ${fmt(p95Ms)} ms ${over}, limit ${fmt(maxP95Ms)} ms` };
    }
    return undefined;
  }

  /** One comparison with stable. */
  compare(agree: boolean): Breach | undefined {
    this.agreements[this.compared % this.agreements.length] = agree ? 1 : 0;
    this.compared++;
    if (agree) this.agreed++;
    const min = this.limits.minAgreement;
    if (min === undefined || this.compared < this.limits.minRuns) return undefined;
    const agreement = this.agreement()!;
    if (agreement >= min) return undefined;
    return { code: 'min-agreement', detail: `agreed with stable on ${fmt(agreement * 100)}% of the last ${this.limits.minRuns} compared runs, limit ${fmt(min * 100)}%` };
  }

  report(): GuardReport {
    const full = this.runs >= this.limits.minRuns;
    const agreement = this.agreement();
    return {
      limits: this.limits, runs: this.runs, failed: this.failed, compared: this.compared, agreed: this.agreed,
      ...(full ? this.window() : {}), ...(agreement !== undefined ? { agreement } : {}),
    };
  }

  private window(): { errorRate: number; p95Ms?: number } {
    const ok = Array.from(this.times).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
    const errorRate = (this.times.length - ok.length) / this.times.length;
    return ok.length > 0 ? { errorRate, p95Ms: ok[Math.min(ok.length - 1, Math.ceil(0.95 * ok.length) - 1)]! } : { errorRate };
  }

  private agreement(): number | undefined {
    if (this.compared < this.limits.minRuns) return undefined;
    return this.agreements.reduce((n, a) => n + a, 0) / this.agreements.length;
  }
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);
