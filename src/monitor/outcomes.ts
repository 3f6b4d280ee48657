// The feedback loop of a runtime: monitored models remember a summary of each single-row prediction (never its
// inputs) in the outcome ring, and `recordOutcome()` joins the real outcome to it, scoring quality per model file.
import { recordOutcome } from '../telemetry/monitor-metrics.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Tensor } from '../tensor.js';
import { OutcomeRing, type OutcomeRingOptions } from './outcome-ring.js';
import type { PredictionId } from './prediction-id.js';
import type { Profile } from './profile-types.js';
import type { Assignment } from '../store/rollout.js';
import { QualityWindow, summarizeClassifier, summarizeRegressor, type Actual, type QualityReport } from './quality.js';

export type OutcomeStatus = 'joined' | 'unknown' | 'expired' | 'duplicate';

interface Scored {
  readonly model: { id: string; version: string | undefined; assignment?: Assignment | undefined };
  readonly quality: QualityWindow;
}

export class Outcomes {
  private ring: OutcomeRing | undefined;
  /** By model id and sha256: quality is only comparable within one file. */
  private readonly scored = new Map<string, Scored>();

  constructor(
    private readonly dbName: string,
    private readonly options: Pick<OutcomeRingOptions, 'maxPredictions' | 'maxAgeMs'>,
    private readonly telemetry: Telemetry | undefined,
  ) {}

  /**
   * What a monitored model calls with each result's outputs: remembers a one-row prediction and returns its id.
   * Undefined when the profile names no output to score: a classifier's class, or a regressor output of at most 64 values.
   */
  tracker(model: { id: string; version: string | undefined; sha256: string; assignment?: Assignment | undefined }, profile: Profile, windowSize: number): ((outputs: Record<string, Tensor>) => PredictionId | undefined) | undefined {
    const classFeature = profile.features.find((f) => f.kind === 'output' && f.source.of === 'class');
    const regressor = profile.model.outputs.find((t) => size(t.rowDims) <= 64);
    const tensor = classFeature?.tensor ?? regressor?.name;
    if (tensor === undefined) return undefined;
    const row = classFeature ? classFeature.classes! : size(regressor!.rowDims);
    const key = `${model.id}\u0000${model.sha256}`;
    const kept = this.scored.get(key)?.quality;
    const quality = kept?.windowSize === windowSize ? kept : new QualityWindow(classFeature ? { kind: 'classifier', classes: row, windowSize } : { kind: 'regressor', values: row, windowSize });
    this.scored.set(key, { model: { id: model.id, version: model.version, assignment: model.assignment }, quality });
    const ring = (this.ring ??= new OutcomeRing(this.dbName, this.options));
    return (outputs) => {
      const data = outputs[tensor]?.data;
      if (!data || data.length !== row || data instanceof BigInt64Array || data instanceof BigUint64Array) return undefined; // one row only
      const base = { model: model.id, version: key };
      const summary = classFeature ? summarizeClassifier(data) : summarizeRegressor(data);
      if (!summary) return undefined;
      return ring.remember(classFeature ? { ...base, kind: 'classifier', ...(summary as ReturnType<typeof summarizeClassifier> & object) } : { ...base, kind: 'regressor', ...(summary as { values: number[] }) });
    };
  }

  /** Joins an outcome to its prediction. Unknown, expired and repeated ids are counted, not thrown. */
  async record(id: PredictionId, actual: Actual): Promise<OutcomeStatus> {
    const ring = (this.ring ??= new OutcomeRing(this.dbName, this.options));
    const joined = await ring.join(id, actual);
    if (joined.status !== 'joined') return joined.status;
    const { summary } = joined;
    const scored = this.scored.get(summary.version);
    if (!scored) return 'joined'; // a prediction of a model file not loaded in this session: kept out of quality
    scored.quality.add(summary, actual);
    if (this.telemetry?.enabled) {
      const error = summary.kind === 'regressor' ? meanAbsError(summary.values, actual) : undefined;
      const result = summary.kind === 'classifier' ? (actual === summary.class ? 'correct' : 'wrong') : 'joined';
      recordOutcome(this.telemetry, scored.model, result, error);
    }
    return 'joined';
  }

  quality(model: { id: string; sha256: string }): QualityReport | undefined {
    return this.scored.get(`${model.id}\u0000${model.sha256}`)?.quality.report();
  }

  /** Counts of outcomes joined and missed, and of the ring's storage. */
  stats() {
    return this.ring?.stats();
  }

  flush(): Promise<void> {
    return this.ring?.flush() ?? Promise.resolve();
  }
}

function size(rowDims: readonly number[]): number {
  return rowDims.reduce((n, d) => n * d, 1);
}

function meanAbsError(predicted: readonly number[], actual: Actual): number {
  const truth = typeof actual === 'number' ? [actual] : Array.from(actual, Number);
  return predicted.reduce((sum, p, i) => sum + Math.abs(p - truth[i]!), 0) / predicted.length;
}
