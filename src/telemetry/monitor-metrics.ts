// Monitoring's metrics, recorded through the runtime's telemetry: kept apart from telemetry.ts so that a page that
// monitors nothing does not load them.
import { redactId } from './redact.js';
import { DRIFT_ALERTS, DRIFT_SCORE, FEATURE_BINS, OUTCOME_ERROR, OUTCOMES, SEP, type Recorder } from './recorder.js';
import type { ModelRef, Telemetry } from './telemetry.js';

/** |predicted − actual| of a regressor's outcomes, in the model's own units. */
export const ERROR_BOUNDS = [0.001, 0.01, 0.1, 1, 10, 100, 1000];

type Model = Omit<ModelRef, 'backend'>;

export interface DriftPoint {
  name: string;
  kind: 'input' | 'output';
  score: number;
  drift: boolean;
  /** Inner bin edges; a categorical feature has none (its bins are the classes). */
  edges?: readonly number[] | undefined;
  counts: ArrayLike<number>;
}

export type OutcomeResult = 'correct' | 'wrong' | 'joined';

/**
 * One closed drift-monitoring window: per feature its score (gauge `edge_infer.drift.score`), its counts in the
 * profile's bins (histogram `edge_infer.drift.feature` whose bounds are the bin edges, so a Collector can sum
 * devices), and an alert (`edge_infer.drift.alerts`) when it drifted.
 */
export function recordDrift(telemetry: Telemetry, model: Model, features: readonly DriftPoint[]): void {
  telemetry.withRecorder(model, (recorder, m) => {
    for (const f of features) {
      const name = redactId(f.name);
      if (Number.isFinite(f.score)) recorder.add(DRIFT_SCORE, m + SEP + name + SEP + f.kind, f.score, true);
      if (f.drift) recorder.add(DRIFT_ALERTS, m + SEP + name, 1);
      // Classes c get bounds c + 0.5, so bucket c counts class c.
      mergeBins(recorder, m + SEP + name, f.edges ?? Array.from({ length: f.counts.length - 1 }, (_, c) => c + 0.5), f.counts);
    }
  });
}

/** One joined outcome (`edge_infer.outcomes`); a regressor's mean |error| also goes to `edge_infer.outcome.error`. */
export function recordOutcome(telemetry: Telemetry, model: Model, outcome: OutcomeResult, absError?: number): void {
  telemetry.withRecorder(model, (recorder, m) => {
    recorder.add(OUTCOMES, m + SEP + outcome, 1);
    if (absError !== undefined && Number.isFinite(absError)) recorder.observe(OUTCOME_ERROR, m, absError, 1, ERROR_BOUNDS);
  });
}

/**
 * Adds a window's pre-binned counts (`counts.length === bounds.length + 1`) to a feature's histogram, whose series
 * takes the bounds of its first window. Another profile's bins under the same names (or in the overflow series)
 * are counted as lost, not mixed in.
 */
export function mergeBins(recorder: Recorder, key: string, bounds: readonly number[], counts: ArrayLike<number>): void {
  const s = recorder.series(FEATURE_BINS, key, bounds);
  if (s.bounds !== bounds && s.bounds!.join() !== bounds.join()) return recorder.drop({ reason: 'bounds-mismatch', signal: 'metrics', count: 1 });
  for (let i = 0; i < counts.length && i < s.buckets!.length; i++) s.buckets![i]! += counts[i]!;
  s.records++;
}
