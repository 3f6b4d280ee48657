// A model's drift monitor on the main thread: scores each window the worker closes against the profile, keeps a
// short history, tells listeners when an episode of drift starts and ends, and hands the window to telemetry.
import { EdgeInferError, shown } from '../errors.js';
import { recordDrift } from '../telemetry/monitor-metrics.js';
import { notify } from './notify.js';
import type { Assignment } from '../store/rollout.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Profile } from './profile-types.js';
import type { QualityReport } from './quality.js';
import { score, type FeatureScore, type WindowCounts } from './window.js';

export type MonitorStatus = 'off' | 'warming-up' | 'ok' | 'drift';
export type MonitorEvent = 'drift' | 'recovered';

/** One closed window, as `report().history` keeps it. */
export interface WindowSummary {
  /** Rows in the window. */
  readonly n: number;
  /** When the main thread scored it (ms since the epoch). */
  readonly at: number;
  /** Features over their threshold. */
  readonly drifted: readonly string[];
  /** Each feature's score over its threshold, in profile order: above 1 means drift. */
  readonly ratios: readonly number[];
}

export interface MonitorReport {
  /** `off`: no profile (see `reason`); `warming-up`: no window closed yet. */
  readonly status: MonitorStatus;
  readonly reason?: string;
  readonly windowSize: number;
  /** Windows closed so far. */
  readonly windows: number;
  /** Episodes of drift so far. */
  readonly alerts: number;
  /** The last closed window, feature by feature. */
  readonly last?: { readonly n: number; readonly features: readonly FeatureScore[] };
  /** The last 100 windows, oldest first. */
  readonly history: readonly WindowSummary[];
  /** Feature names and kinds, in profile order (what `ratios` index). */
  readonly features: readonly { readonly name: string; readonly kind: 'input' | 'output' }[];
}

export interface MonitorDetail {
  readonly window: number;
  readonly features: readonly FeatureScore[];
}

const KEEP = 100;

export class ModelMonitor {
  private windows = 0;
  private alerts = 0;
  private drifting = false;
  private last: MonitorReport['last'];
  private readonly history: WindowSummary[] = [];
  private readonly listeners = { drift: new Set<(d: MonitorDetail) => void>(), recovered: new Set<(d: MonitorDetail) => void>() };

  /** @internal Made by `Model` from its load reply. */
  constructor(
    private readonly profile: Profile | undefined,
    readonly windowSize: number,
    private readonly model: { id: string; version?: string | undefined; assignment?: Assignment | undefined },
    private readonly telemetry?: Telemetry,
    private readonly reason?: string,
    private readonly qualityOf: () => QualityReport | undefined = () => undefined,
  ) {}

  /** Quality from the outcomes joined with `runtime.recordOutcome()`: undefined until the profile names an output to score. */
  quality(): QualityReport | undefined {
    return this.qualityOf();
  }

  /** Whether the model is monitored (it has a profile that fits). */
  get enabled(): boolean {
    return this.profile !== undefined;
  }

  /** @internal A window the worker closed. */
  receive(window: WindowCounts): void {
    const profile = this.profile;
    if (!profile || window.rows === 0) return;
    const features = score(profile, window.counts, window.rows);
    this.windows++;
    this.last = Object.freeze({ n: window.rows, features: Object.freeze(features.map((f) => Object.freeze({ ...f }))) });
    const drifted = features.filter((f) => f.drift).map((f) => f.name);
    this.history.push(Object.freeze({ n: window.rows, at: Date.now(), drifted, ratios: features.map((f) => f.score / f.threshold) }));
    if (this.history.length > KEEP) this.history.shift();
    if (this.telemetry?.enabled) {
      recordDrift(this.telemetry, this.model, features.map((f, i) => ({ ...f, edges: profile.features[i]!.edges, counts: window.counts[i]! })));
    }
    const detail = { window: this.windows, features: this.last.features };
    if (drifted.length > 0 && !this.drifting) {
      this.drifting = true;
      this.alerts++;
      this.emit('drift', detail);
    } else if (drifted.length === 0 && this.drifting) {
      this.drifting = false;
      this.emit('recovered', detail);
    }
  }

  report(): MonitorReport {
    const status: MonitorStatus = !this.profile ? 'off' : this.windows === 0 ? 'warming-up' : this.drifting ? 'drift' : 'ok';
    return Object.freeze({
      status,
      ...(this.reason ? { reason: this.reason } : {}),
      windowSize: this.windowSize,
      windows: this.windows,
      alerts: this.alerts,
      ...(this.last ? { last: this.last } : {}),
      history: Object.freeze([...this.history]),
      features: Object.freeze((this.profile?.features ?? []).map((f) => Object.freeze({ name: f.name, kind: f.kind }))),
    });
  }

  /** Calls `listener` when an episode of drift starts (`drift`, once per episode) or ends (`recovered`). Returns an unsubscribe function. */
  on(event: MonitorEvent, listener: (detail: MonitorDetail) => void): () => void {
    if (event !== 'drift' && event !== 'recovered') throw new EdgeInferError('options-invalid', `monitor.on(): event must be 'drift' or 'recovered', got ${shown(event)}`);
    if (typeof listener !== 'function') throw new EdgeInferError('options-invalid', `monitor.on(): listener must be a function, got ${shown(listener)}`);
    this.listeners[event].add(listener);
    return () => void this.listeners[event].delete(listener);
  }

  private emit(event: MonitorEvent, detail: MonitorDetail): void {
    notify(this.listeners[event], detail);
  }
}
