// The lab's one-line recommendation for a model: which variant on which backend to ship, from the batch-1 rows.
import type { LabBackend, LabRow, Quality, Recommendation, VariantName } from './types.js';

/** The limits the rules below name, in one place. */
export const LIMITS = Object.freeze({ top1: 0.99, cosine: 0.999, accuracyPoints: 0.5, maeRatio: 1.02, frames: 0.99, nearP50: 1.1 });

export const RULES: readonly string[] = Object.freeze([
  'Only batch-1 rows that ran without an error are considered.',
  `A row is acceptable when it agrees with fp32 on the same inputs: top-1 agreement of at least ${LIMITS.top1 * 100}% for classifiers, else cosine similarity of at least ${LIMITS.cosine}.`,
  `Where the model has held-out data the row must also keep its quality: accuracy at most ${LIMITS.accuracyPoints} points below fp32 on the same backend, a 12-month MAE at most ${Math.round((LIMITS.maeRatio - 1) * 100)}% above fp32's on the same backend, or speech decisions that match fp32 on WASM on at least ${LIMITS.frames * 100}% of frames.`,
  'Among acceptable rows the one with the lowest median (p50) latency wins.',
  `When another acceptable row is within ${Math.round((LIMITS.nearP50 - 1) * 100)}% of that median and its file is smaller, the smaller file wins: saving bytes is why int8 exists.`,
  'Bytes and latency are given relative to fp32 on the same backend and threads at batch 1.',
]);

/** Float slack, so that a limit met exactly (0.970 − 0.965 = 0.5 points) passes. */
const EPSILON = 1e-9;

type Key = { variant: VariantName; backend: LabBackend; threads: number };
const same = (a: Key, b: Key) => a.variant === b.variant && a.backend === b.backend && a.threads === b.threads;
const sameBackend = (a: Key, b: Key) => a.backend === b.backend && a.threads === b.threads;

export function backendLabel(backend: LabBackend, threads: number): string {
  return backend === 'wasm' ? `wasm (${threads} thread${threads === 1 ? '' : 's'})` : backend;
}

/** The one number a quality stands for: accuracy, the 12-month MAE, or the frame agreement. */
export function qualityValue(quality: Quality | undefined): number | undefined {
  if (!quality) return undefined;
  if (quality.kind === 'accuracy') return quality.accuracy;
  if (quality.kind === 'frames') return quality.agreement;
  return (quality.horizons.find((h) => h.months === 12) ?? quality.horizons[0])?.mae;
}

/** Why `row` is not acceptable, or undefined when it is. `all` supplies quality measured on another row of the same cell. */
function failure(row: LabRow, all: readonly LabRow[]): string | undefined {
  const a = row.agreement;
  if (a) {
    if (a.top1 !== undefined && !(a.top1 >= LIMITS.top1)) return `${percent(a.top1)} top-1 agreement`;
    if (a.top1 === undefined && !(a.cosine >= LIMITS.cosine)) return `cosine ${a.cosine.toFixed(4)}`;
  } else if (row.variant !== 'fp32') {
    return 'no agreement with fp32 measured';
  }
  const quality = qualityOf(row, all);
  if (!quality) return undefined;
  if (quality.kind === 'frames') return quality.agreement >= LIMITS.frames ? undefined : `${percent(quality.agreement)} frame agreement`;
  const base = qualityOf({ ...row, variant: 'fp32' }, all);
  if (row.variant === 'fp32' || base?.kind !== quality.kind) return undefined;
  const [mine, theirs] = [qualityValue(quality)!, qualityValue(base)!];
  if (quality.kind === 'accuracy' && !((theirs - mine) * 100 <= LIMITS.accuracyPoints + EPSILON)) return `accuracy ${percent(mine, 1)} against fp32's ${percent(theirs, 1)}`;
  if (quality.kind === 'mae' && !(mine <= theirs * LIMITS.maeRatio + EPSILON)) return `12-month MAE ${ratio(mine / theirs)} fp32's`;
  return undefined;
}

function qualityOf(key: Key, all: readonly LabRow[]): Quality | undefined {
  return all.find((r) => same(r, key) && r.quality)?.quality;
}

/** A share as a percentage, to `digits` decimals without a trailing .0 (100%, 98.5%). */
const percent = (share: number, digits = 1) => `${Number((share * 100).toFixed(digits))}%`;
const ratio = (r: number) => `${r.toFixed(2)}×`;

export function recommend(rows: readonly LabRow[]): Recommendation {
  const ran = rows.filter((r) => r.batch === 1 && !r.error && r.p50Ms !== null && Number.isFinite(r.p50Ms));
  if (ran.length === 0) {
    const error = rows.find((r) => r.error)?.error;
    if (error) return { text: `nothing ran: ${error.message}` };
    return { text: rows.length === 0 ? 'nothing ran: no rows were measured' : 'nothing ran at batch 1, so there is nothing to recommend' };
  }
  const acceptable = ran.filter((r) => failure(r, rows) === undefined);
  if (acceptable.length === 0) {
    const reasons = ran.map((r) => `${r.variant} on ${backendLabel(r.backend, r.threads)}: ${failure(r, rows)}`);
    return { text: `no variant met the quality rules (${reasons.join('; ')})` };
  }
  const fastest = acceptable.reduce((best, r) => (r.p50Ms! < best.p50Ms! ? r : best));
  const near = acceptable.filter((r) => r.p50Ms! <= fastest.p50Ms! * LIMITS.nearP50);
  const pick = near.reduce((best, r) => (r.bytes < best.bytes || (r.bytes === best.bytes && r.p50Ms! < best.p50Ms!) ? r : best));
  const label = `${pick.variant} on ${backendLabel(pick.backend, pick.threads)}`;
  const chosen = { variant: pick.variant, backend: pick.backend, threads: pick.threads };
  return { text: `${label}: ${pick.variant === 'fp32' ? whyFp32(pick, ran, rows) : gains(pick, ran)}`, pick: chosen };
}

/** What the int8 pick gives against fp32 on the same backend at batch 1. */
function gains(pick: LabRow, ran: readonly LabRow[]): string {
  const fp32 = ran.find((r) => r.variant === 'fp32' && sameBackend(r, pick));
  const parts = fp32
    ? [`${percent(pick.bytes / fp32.bytes, 0)} of the bytes`, `${ratio(pick.p50Ms! / fp32.p50Ms!)} the fp32 latency`]
    : ['no fp32 run on this backend to compare with'];
  const a = pick.agreement;
  if (a) parts.push(a.top1 !== undefined ? `${percent(a.top1)} top-1 agreement` : `cosine ${a.cosine.toFixed(4)}`);
  return parts.join(', ');
}

/** Why no int8 variant on the fp32 pick's backend won. */
function whyFp32(pick: LabRow, ran: readonly LabRow[], rows: readonly LabRow[]): string {
  const reasons: string[] = [];
  for (const variant of ['int8-dynamic', 'int8-weights'] as const) {
    const key = { variant, backend: pick.backend, threads: pick.threads };
    const row = ran.find((r) => same(r, key));
    if (!row) {
      const failed = rows.find((r) => same(r, key) && r.batch === 1 && r.error);
      if (failed) reasons.push(`${variant} failed (${failed.error!.code})`);
      continue;
    }
    const why = failure(row, rows);
    if (why) reasons.push(`${variant} missed the quality rule (${why})`);
    else if (row.bytes >= pick.bytes) reasons.push(`${variant} was not smaller (${percent(row.bytes / pick.bytes)} of the bytes)`);
    else reasons.push(`${variant} was ${ratio(row.p50Ms! / pick.p50Ms!)} slower`);
  }
  return reasons.length ? reasons.join('; ') : 'no int8 variant ran on this backend';
}
