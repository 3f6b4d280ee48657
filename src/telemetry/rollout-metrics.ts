// Rollout metrics, recorded through the runtime's telemetry: device rollbacks and shadow runs. Kept apart from
// telemetry.ts, like monitor-metrics.ts, so that a page without rollouts does not load them.
import { redactId } from './redact.js';
import { errorCode, INFERENCE_BOUNDS, ROLLBACKS, SEP, SHADOW_DIFF, SHADOW_DURATION, SHADOW_RUNS } from './recorder.js';
import { need } from './options.js';
import type { ModelRef, Telemetry } from './telemetry.js';

/** Largest |shadow − served| of a run: from float rounding (1e-6) to outputs that have nothing in common (10). */
export const DIFF_BOUNDS = [0.000001, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10];

type Model = Omit<ModelRef, 'backend'>;

/** Why a device rolled back; any other reason is sent as `other`, so no free text leaves the device. */
export const ROLLBACK_REASONS = ['max-error-rate', 'max-p95-ms', 'min-agreement', 'load-failed'] as const;

/**
 * The device rolled `model` back from variant `from` to stable `to` (`edge_infer.rollout.rollbacks`, with
 * `model.version` = `from`). `reason` is a code from ROLLBACK_REASONS; text after it (`max-p95-ms: 312 > 250`) is cut.
 */
export function recordRollback(telemetry: Telemetry, model: Model, point: { from: string; to: string; reason: string }): void {
  const p = point as Partial<typeof point> | undefined;
  need(typeof p?.from === 'string' && typeof p.to === 'string' && typeof p.reason === 'string', 'point { from: string, to: string, reason: string }', point);
  telemetry.withRecorder(model, (recorder) => {
    recorder.add(ROLLBACKS, redactId(model.id) + SEP + redactId(point.from) + SEP + redactId(point.to) + SEP + reasonCode(point.reason), 1);
  });
}

/**
 * One shadow (or reference) run of `version` beside `model`'s served run: `edge_infer.shadow.runs` by `result`
 * (`agree`, `disagree`, or `error` with `error.code` when `agree` is undefined), its time in
 * `edge_infer.shadow.duration` when `ms` is given, and `maxAbsDiff` in `edge_infer.shadow.max_abs_diff` when finite.
 */
export function recordShadow(telemetry: Telemetry, model: Model, point: { version: string; ms?: number; agree?: boolean; maxAbsDiff?: number; error?: string }): void {
  const p = point as Partial<typeof point> | undefined;
  need(typeof p?.version === 'string', 'point { version: string, ms?, agree?, maxAbsDiff?, error? }', point);
  const { ms, agree, maxAbsDiff, error } = p!;
  need(ms === undefined || (typeof ms === 'number' && ms >= 0 && ms < Infinity), 'point.ms, a finite number >= 0', ms);
  need(agree === undefined || typeof agree === 'boolean', 'point.agree, a boolean', agree);
  need(maxAbsDiff === undefined || (typeof maxAbsDiff === 'number' && !(maxAbsDiff < 0)), 'point.maxAbsDiff, a number >= 0', maxAbsDiff);
  need(error === undefined || typeof error === 'string', 'point.error, a code string', error);
  telemetry.withRecorder(model, (recorder, m) => {
    const s = m + SEP + redactId(p!.version!);
    const result = agree === undefined ? 'error' : agree ? 'agree' : 'disagree';
    recorder.add(SHADOW_RUNS, s + SEP + result + SEP + (agree === undefined ? errorCode({ code: error }) : ''), 1);
    if (ms !== undefined) recorder.observe(SHADOW_DURATION, s, ms / 1000, 1, INFERENCE_BOUNDS);
    if (maxAbsDiff !== undefined && Number.isFinite(maxAbsDiff)) recorder.observe(SHADOW_DIFF, s, maxAbsDiff, 1, DIFF_BOUNDS);
  });
}

function reasonCode(reason: string): string {
  const code = /^[a-z0-9-]*/.exec(reason)![0];
  return (ROLLBACK_REASONS as readonly string[]).includes(code) ? code : 'other';
}
