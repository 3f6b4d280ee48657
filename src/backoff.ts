/**
 * Exponential backoff with jitter, shared by downloads and telemetry: `firstMs` doubled per earlier attempt
 * (`attempt` counts from 1), capped at `maxMs`, times a random factor in [0.5, 1.5) so clients do not retry in step.
 */
export function backoffMs(firstMs: number, attempt: number, random: () => number = Math.random, maxMs = Infinity): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30) * (0.5 + random()));
}
