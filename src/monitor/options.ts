// The `monitor` option of load(): drift monitoring against a reference profile, and the outcome feedback loop.
import { EdgeInferError, shown } from '../errors.js';
import type { MonitorRequest } from '../rpc/protocol.js';
import { parseProfile } from './profile.js';
import type { Profile } from './profile-types.js';

export interface MonitorOptions {
  /**
   * The reference profile (`edge-infer profile` or `createProfile()`): the object, or `'manifest'` for the one the
   * model's manifest entry names. A profile you pass must fit the model, or the load fails with `profile-invalid`;
   * a manifest profile that is missing, unreachable or does not fit leaves the model unmonitored, with a `warning`
   * load event (`monitor-off`) and `model.monitor.report().reason`.
   * @defaultValue `'manifest'`
   */
  profile?: Profile | 'manifest';
  /** Monitored rows per window: each full window is scored against thresholds calibrated for its size. @defaultValue `200` */
  windowSize?: number;
  /** Fraction of runs monitored (all rows of a sampled run count). @defaultValue `1` */
  sampleRate?: number;
  /**
   * Recent predictions kept for `runtime.recordOutcome()` (in IndexedDB, summaries only). The first monitored load
   * of a runtime sets them.
   * @defaultValue `{ maxPredictions: 10000, maxAgeMs: 7 days }`
   */
  outcomes?: { maxPredictions?: number; maxAgeMs?: number };
}

export const MONITOR_DEFAULTS = Object.freeze({ windowSize: 200, sampleRate: 1 });

export function checkMonitor(options: unknown, fromManifest: boolean): { request: MonitorRequest; outcomes: NonNullable<MonitorOptions['outcomes']> } {
  const invalid = (what: string) => new EdgeInferError('options-invalid', `load(): monitor.${what}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new EdgeInferError('options-invalid', `load(): monitor must be an object, got ${shown(options)}`);
  const o = options as MonitorOptions;
  const windowSize = o.windowSize ?? MONITOR_DEFAULTS.windowSize;
  if (!Number.isInteger(windowSize) || windowSize < 10 || windowSize > 100_000) throw invalid(`windowSize must be an integer from 10 to 100000, got ${shown(windowSize)}`);
  const sampleRate = o.sampleRate ?? MONITOR_DEFAULTS.sampleRate;
  if (typeof sampleRate !== 'number' || !(sampleRate > 0 && sampleRate <= 1)) throw invalid(`sampleRate must be a number in (0, 1], got ${shown(sampleRate)}`);
  const outcomes = o.outcomes ?? {};
  if (typeof outcomes !== 'object' || outcomes === null) throw invalid(`outcomes must be an object, got ${shown(outcomes)}`);
  const given = o.profile ?? 'manifest';
  if (given === 'manifest' && !fromManifest) throw invalid("profile is needed for a model loaded by URL or bytes: it has no manifest entry to name one");
  // A profile the app passed is checked here, so a bad one fails the load at once with `profile-invalid`.
  const profile = given === 'manifest' ? given : parseProfile(given);
  return { request: { profile, windowSize, sampleRate }, outcomes: { ...outcomes } };
}
