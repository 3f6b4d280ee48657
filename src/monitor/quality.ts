// Scoring predictions against the outcomes an app reports later. Pure: no storage, no clock. A prediction is kept
// only as the summary needed to score it (never its inputs): the top-1 class of a classifier, or a regressor's values.
import { EdgeInferError, shown } from '../errors.js';

/** Most values a regressor summary keeps; larger outputs are not scored. */
export const MAX_VALUES = 64;

interface Identity {
  /** The model's id. */
  model: string;
  /** The model file's sha256 when known, else its version: quality is only comparable within one. */
  version: string;
}
export interface ClassifierPrediction extends Identity {
  kind: 'classifier';
  /** The arg-max class, its output value and the number of classes. */
  class: number;
  confidence: number;
  classes: number;
}
export interface RegressorPrediction extends Identity {
  kind: 'regressor';
  values: number[];
}
export type Prediction = ClassifierPrediction | RegressorPrediction;
/** A prediction with when it was made (ms since the epoch): what the outcome ring stores. */
export type Summary = Prediction & { at: number };
/** The true class index (classifier) or the true values (regressor; a number for a one-value regressor). */
export type Actual = number | ArrayLike<number>;

const invalid = (message: string) => new EdgeInferError('input-invalid', message);
const isRow = (value: unknown): value is ArrayLike<number> =>
  Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));

/** A classifier's output row as a summary: arg-max and its value (NaNs skipped); undefined when nothing is left. */
export function summarizeClassifier(row: ArrayLike<number>): Pick<ClassifierPrediction, 'class' | 'confidence' | 'classes'> | undefined {
  if (!isRow(row)) throw invalid(`a classifier output row must be an array of numbers, got ${shown(row)}`);
  let best = -1;
  for (let i = 0; i < row.length; i++) if (!Number.isNaN(row[i]) && (best < 0 || row[i]! > row[best]!)) best = i;
  return best < 0 ? undefined : { class: best, confidence: Number(row[best]), classes: row.length };
}

/** A regressor's output row as a summary: its values, or undefined when it has none, too many or a non-finite one. */
export function summarizeRegressor(row: ArrayLike<number>): Pick<RegressorPrediction, 'values'> | undefined {
  if (!isRow(row)) throw invalid(`a regressor output row must be an array of numbers, got ${shown(row)}`);
  if (row.length === 0 || row.length > MAX_VALUES) return undefined;
  const values = new Array<number>(row.length); // a plain loop: Array.from with a map cost 5x more (Node 20)
  for (let i = 0; i < row.length; i++) if (!Number.isFinite((values[i] = Number(row[i])))) return undefined;
  return { values };
}

/** A clean copy of `p` stamped with `at`: only the summary's own fields, whatever else the caller's object held. */
export function toSummary(p: Prediction, at: number): Summary {
  if (typeof p !== 'object' || p === null) throw invalid(`a prediction must be an object, got ${shown(p)}`);
  if (typeof p.model !== 'string' || p.model === '') throw invalid(`prediction.model must be a model id, got ${shown(p.model)}`);
  if (typeof p.version !== 'string') throw invalid(`prediction.version must be a string, got ${shown(p.version)}`);
  const { kind, model, version } = p;
  if (kind === 'classifier') {
    const ok = Number.isInteger(p.classes) && p.classes > 0 && Number.isInteger(p.class) && p.class >= 0 && p.class < p.classes;
    if (!ok) throw invalid(`prediction.class must be an integer in [0, classes), got ${shown(p.class)} of ${shown(p.classes)}`);
    if (typeof p.confidence !== 'number' || Number.isNaN(p.confidence)) throw invalid(`prediction.confidence must be a number, got ${shown(p.confidence)}`);
    return { kind, model, version, at, class: p.class, confidence: p.confidence, classes: p.classes };
  }
  if (kind === 'regressor') {
    const values = isRow(p.values) ? summarizeRegressor(p.values)?.values : undefined;
    if (!values) throw invalid(`prediction.values must be 1 to ${MAX_VALUES} finite numbers, got ${shown(p.values)}`);
    return { kind, model, version, at, values };
  }
  throw invalid(`prediction.kind must be 'classifier' or 'regressor', got ${shown(kind)}`);
}

/** Checks what any outcome must be (a finite number, or 1 to 64 finite numbers) before knowing its prediction. */
export function checkActualShape(actual: unknown): asserts actual is Actual {
  const ok = typeof actual === 'number' ? Number.isFinite(actual)
    : isRow(actual) && actual.length > 0 && actual.length <= MAX_VALUES && Array.from(actual).every((v) => Number.isFinite(v));
  if (!ok) throw invalid(`an outcome must be a class index or 1 to ${MAX_VALUES} finite numbers, got ${shown(actual)}`);
}

/** The outcome checked against its prediction: a class in range, or as many values as were predicted. */
export function checkActual(summary: Prediction, actual: unknown): number | number[] {
  checkActualShape(actual);
  if (summary.kind === 'classifier') {
    if (typeof actual === 'number' && Number.isInteger(actual) && actual >= 0 && actual < summary.classes) return actual;
    throw invalid(`the outcome of a ${summary.classes}-class prediction must be a class index in [0, ${summary.classes}), got ${shown(actual)}`);
  }
  const values = typeof actual === 'number' ? [actual] : Array.from(actual, Number);
  if (values.length === summary.values.length) return values;
  throw invalid(`the outcome of a ${summary.values.length}-value prediction must have ${summary.values.length} values, got ${values.length}`);
}

export interface ClassifierScore { count: number; accuracy: number | null; /** [actual][predicted] */ confusion: number[][] }
export interface RegressorScore { count: number; mae: number | null; /** Mean of predicted − actual. */ bias: number | null }
export type Miss = 'unknown' | 'expired' | 'duplicate';
export interface QualityReport<S = ClassifierScore | RegressorScore> {
  kind: Prediction['kind'];
  windowSize: number;
  total: S;
  /** The last closed windows, oldest first, each of exactly `windowSize` outcomes. */
  windows: S[];
  /** The window being filled (fewer than `windowSize` outcomes). */
  last: S;
  unknown: number;
  expired: number;
  duplicate: number;
}
export type QualityOptions = ({ kind: 'classifier'; classes: number } | { kind: 'regressor'; values: number }) & {
  /** Outcomes per window. @defaultValue `200` */
  windowSize?: number;
  /** Closed windows kept for `report()`. @defaultValue `20` */
  keepWindows?: number;
};

class Tally {
  count = 0;
  hits = 0; // correct classes, or the sum of |predicted − actual|
  sum = 0; // the sum of predicted − actual
  readonly confusion: number[][];
  constructor(classes: number) {
    this.confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }
}

/** Quality of one model version's predictions: a running total plus fixed-size windows of joined outcomes. */
export class QualityWindow {
  readonly kind: Prediction['kind'];
  readonly windowSize: number;
  private readonly keep: number;
  private readonly size: number;
  private readonly total: Tally;
  private open: Tally;
  private readonly closed: Tally[] = [];
  private readonly misses: Record<Miss, number> = { unknown: 0, expired: 0, duplicate: 0 };

  constructor(options: QualityOptions) {
    const o = (typeof options === 'object' && options !== null ? options : {}) as Partial<QualityOptions & { classes: number; values: number }>;
    const count = (v: unknown, name: string, max: number, fallback?: number) => {
      const n = v === undefined ? fallback : v;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= max) return n;
      throw new EdgeInferError('options-invalid', `quality ${name} must be an integer in [1, ${max}], got ${shown(v)}`);
    };
    if (o.kind !== 'classifier' && o.kind !== 'regressor') {
      throw new EdgeInferError('options-invalid', `quality kind must be 'classifier' or 'regressor', got ${shown(o.kind)}`);
    }
    this.kind = o.kind;
    this.size = o.kind === 'classifier' ? count(o.classes, 'classes', 4096) : count(o.values, 'values', MAX_VALUES);
    this.windowSize = count(o.windowSize, 'windowSize', 1e6, 200);
    this.keep = count(o.keepWindows, 'keepWindows', 1e4, 20);
    this.total = this.tally();
    this.open = this.tally();
  }

  /** Scores one joined outcome; throws `input-invalid` for a summary of another kind or size, or a wrong outcome. */
  add(summary: Prediction, actual: Actual): void {
    const size = summary?.kind === 'classifier' ? summary.classes : summary?.kind === 'regressor' ? summary.values?.length : undefined;
    if (summary?.kind !== this.kind || size !== this.size) {
      throw invalid(`expected a ${this.kind} summary of size ${this.size}, got ${shown(summary?.kind)} of size ${shown(size)}`);
    }
    const truth = checkActual(summary, actual);
    for (const t of [this.total, this.open]) {
      t.count++;
      if (summary.kind === 'classifier') {
        t.hits += truth === summary.class ? 1 : 0;
        t.confusion[truth as number]![summary.class]!++;
      } else {
        summary.values.forEach((p, i) => {
          t.hits += Math.abs(p - (truth as number[])[i]!);
          t.sum += p - (truth as number[])[i]!;
        });
      }
    }
    if (this.open.count === this.windowSize) {
      this.closed.push(this.open);
      if (this.closed.length > this.keep) this.closed.shift();
      this.open = this.tally();
    }
  }

  /** Counts an outcome that could not be joined. */
  miss(status: Miss): void {
    if (!(status in this.misses)) throw invalid(`a missed outcome is 'unknown', 'expired' or 'duplicate', got ${shown(status)}`);
    this.misses[status]++;
  }

  report(): QualityReport {
    return { kind: this.kind, windowSize: this.windowSize, total: this.score(this.total), windows: this.closed.map((t) => this.score(t)),
      last: this.score(this.open), ...this.misses };
  }

  private tally(): Tally {
    return new Tally(this.kind === 'classifier' ? this.size : 0);
  }

  private score(t: Tally): ClassifierScore | RegressorScore {
    if (this.kind === 'classifier') return { count: t.count, accuracy: t.count ? t.hits / t.count : null, confusion: t.confusion.map((r) => [...r]) };
    const n = t.count * this.size;
    return { count: t.count, mae: n ? t.hits / n : null, bias: n ? t.sum / n : null };
  }
}
