// Rollout bucketing: which version of a model a unit (an app-given id or the install id) gets. Lives in store/
// because the manifest parser validates rollouts and the resolver, which runs in the worker, applies them.
import { EdgeInferError } from '../errors.js';

export interface RolloutVariant {
  version: string;
  /** Fraction of units in [0, 1]. */
  weight: number;
}

/** A version run beside the served one on a sample of requests, after the caller has its result; never served. */
export interface RolloutShadow {
  version: string;
  /** Fraction of runs (of every device that loads the id unpinned) also run on the shadow, in [0, 1]. */
  sampleRate: number;
}

/**
 * Limits a variant must keep on each device, judged over its most recent `minRuns` runs there. A breach rolls the
 * device back to stable for that variant version (remembered until the manifest names another variant version).
 */
export interface Guardrails {
  /** Runs seen on this device before any limit is judged, and the size of the window judged. An integer >= 1. */
  minRuns: number;
  /** Highest share of failed runs (errors, or outputs with NaN or Infinity), in [0, 1]. */
  maxErrorRate?: number;
  /** Highest 95th percentile of the session's run time, in ms (> 0). */
  maxP95Ms?: number;
  /**
   * Lowest share of compared runs on which the variant agrees with stable, in [0, 1]: stable then runs as a reference
   * on `sampleRate` of the variant's runs, off the caller's path. Agreement: the same top-1 class per row where an
   * output has a class axis (last dimension >= 2), else every value within `tolerance`.
   */
  minAgreement?: number;
  /** Share of a variant's runs compared with stable for `minAgreement`, in (0, 1]. @defaultValue 0.1 */
  sampleRate?: number;
  /** Largest |variant − stable| / max(1, |stable|) that still agrees, for outputs without a class axis. @defaultValue 0.001 */
  tolerance?: number;
}

/** `stable` for everyone not in a variant; variants take consecutive bucket ranges from 0 in the order listed. */
export interface Rollout {
  stable: string;
  variants?: RolloutVariant[];
  shadow?: RolloutShadow;
  guardrails?: Guardrails;
  /** Changing it reshuffles every unit. @defaultValue `''` */
  salt?: string;
}

/** Which version a model loaded by id runs, and why. */
export interface Assignment {
  version: string;
  /**
   * `pinned`: the `version` option; `rolled-back`: the variant failed to download, verify or load, or breached a
   * guardrail on this device (now or on an earlier visit), so stable runs.
   */
  arm: 'stable' | 'variant' | 'pinned' | 'rolled-back';
  /** For `rolled-back`: the version rolled back from, and why (a code such as `max-p95-ms`, then details). */
  reason?: string;
  /** For `rolled-back`: the variant version that was rolled back from. */
  from?: string;
}

/** The longest `unitId` accepted. */
export const MAX_UNIT_ID = 256;

/**
 * cyrb53: two 32-bit multiply-xorshift lanes mixed into 53 bits. Sync, no crypto, and the same in every JS engine
 * (it works on UTF-16 code units with Math.imul), which is all bucketing needs: evenness, not secrecy.
 */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 2097152 * (h2 >>> 0) + (h1 >>> 0);
}

/** A unit's bucket in [0, 1) for one model; NUL separators keep `('ab','c')` apart from `('a','bc')`. */
export function bucketOf(salt: string, modelId: string, unitId: string): number {
  return hash53(`${salt}\u0000${modelId}\u0000${unitId}`) / 2 ** 53;
}

/**
 * The arm of a bucket. Variant i owns [w0+…+w(i-1), w0+…+wi): raising a variant's weight only adds units to it; the
 * variants listed after it shift up (reordering variants or inserting one before another reshuffles them).
 */
export function assign(rollout: Rollout, bucket: number): { version: string; arm: 'stable' | 'variant' } {
  let end = 0;
  for (const v of rollout.variants ?? []) {
    end += v.weight;
    if (bucket < end) return { version: v.version, arm: 'variant' };
  }
  return { version: rollout.stable, arm: 'stable' };
}

/** Checks `rollout` at `where` against the versions its id lists; throws via `fail` naming the field. */
export function checkRollout(value: unknown, where: string, versions: ReadonlySet<string>, fail: (what: string) => never): Rollout {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be { stable, variants?, shadow?, guardrails?, salt? }`);
  const r = value as Partial<Rollout>;
  const listed = [...versions].join(', ');
  if (typeof r.stable !== 'string' || !versions.has(r.stable)) fail(`${where}.stable must be a version listed for this id (${listed}), got ${JSON.stringify(r.stable)}`);
  if (r.salt !== undefined && typeof r.salt !== 'string') fail(`${where}.salt must be a string`);
  if (r.variants !== undefined && !Array.isArray(r.variants)) fail(`${where}.variants must be an array`);
  const seen = new Set([r.stable]);
  let sum = 0;
  (r.variants ?? []).forEach((v, i) => {
    const at = `${where}.variants[${i}]`;
    if (typeof v !== 'object' || v === null) fail(`${at} must be { version, weight }`);
    if (typeof v.version !== 'string' || !versions.has(v.version)) fail(`${at}.version must be a version listed for this id (${listed}), got ${JSON.stringify(v.version)}`);
    if (seen.has(v.version)) fail(`${at}.version ${v.version} appears twice in the rollout (stable included)`);
    seen.add(v.version);
    if (typeof v.weight !== 'number' || !Number.isFinite(v.weight) || v.weight < 0) fail(`${at}.weight must be a finite number >= 0, got ${JSON.stringify(v.weight)}`);
    sum += v.weight;
  });
  // A little slack for sums like 0.1 + 0.2.
  if (sum > 1 + 1e-9) fail(`${where}.variants weights add up to ${sum}; they must add up to at most 1`);
  if (r.shadow !== undefined) {
    const s = r.shadow as Partial<RolloutShadow> | null;
    if (typeof s !== 'object' || s === null) fail(`${where}.shadow must be { version, sampleRate }`);
    if (typeof s.version !== 'string' || !versions.has(s.version)) fail(`${where}.shadow.version must be a version listed for this id (${listed}), got ${JSON.stringify(s.version)}`);
    fraction(s.sampleRate, `${where}.shadow.sampleRate`, fail);
  }
  if (r.guardrails !== undefined) checkGuardrails(r.guardrails, `${where}.guardrails`, fail);
  return r as Rollout;
}

function checkGuardrails(value: unknown, where: string, fail: (what: string) => never): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be { minRuns, maxErrorRate?, maxP95Ms?, minAgreement?, sampleRate?, tolerance? }`);
  const g = value as Partial<Guardrails>;
  if (!Number.isSafeInteger(g.minRuns) || g.minRuns! < 1 || g.minRuns! > 100_000) fail(`${where}.minRuns must be an integer from 1 to 100000, got ${JSON.stringify(g.minRuns)}`);
  if (g.maxErrorRate !== undefined) fraction(g.maxErrorRate, `${where}.maxErrorRate`, fail);
  if (g.minAgreement !== undefined) fraction(g.minAgreement, `${where}.minAgreement`, fail);
  if (g.sampleRate !== undefined && (fraction(g.sampleRate, `${where}.sampleRate`, fail), g.sampleRate === 0)) fail(`${where}.sampleRate must be above 0`);
  for (const name of ['maxP95Ms', 'tolerance'] as const) {
    const v = g[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(`${where}.${name} must be a finite number > 0, got ${JSON.stringify(v)}`);
  }
}

function fraction(value: unknown, where: string, fail: (what: string) => never): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(`${where} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
}

/** Checks an app's `unitId`. */
export function checkUnitId(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_UNIT_ID) {
    throw new EdgeInferError('options-invalid', `load(): unitId must be a non-empty string of at most ${MAX_UNIT_ID} characters`);
  }
  return value;
}
