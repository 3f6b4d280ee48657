// Rollout bucketing: which version of a model a unit (an app-given id or the install id) gets. Lives in store/
// because the manifest parser validates rollouts and the resolver, which runs in the worker, applies them.
import { EdgeInferError } from '../errors.js';

export interface RolloutVariant {
  version: string;
  /** Fraction of units in [0, 1]. */
  weight: number;
}

/** `stable` for everyone not in a variant; variants take consecutive bucket ranges from 0 in the order listed. */
export interface Rollout {
  stable: string;
  variants?: RolloutVariant[];
  /** Changing it reshuffles every unit. @defaultValue `''` */
  salt?: string;
}

/** Which version a model loaded by id runs, and why. */
export interface Assignment {
  version: string;
  /** `pinned`: the `version` option; `rolled-back`: the variant failed to download, verify or load, so stable runs. */
  arm: 'stable' | 'variant' | 'pinned' | 'rolled-back';
  /** For `rolled-back`: the failure's code and message. */
  reason?: string;
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
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be { stable, variants?, salt? }`);
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
  return r as Rollout;
}

/** Checks an app's `unitId`. */
export function checkUnitId(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_UNIT_ID) {
    throw new EdgeInferError('options-invalid', `load(): unitId must be a non-empty string of at most ${MAX_UNIT_ID} characters`);
  }
  return value;
}
