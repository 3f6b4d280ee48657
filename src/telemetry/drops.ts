// Losses, counted by reason and signal. Apart from batch.ts, which counts what lost items held, because the part of
// telemetry a page loads up front (telemetry.ts) needs lostInterval() and none of the encoding.
import type { Signal } from './batch.js';
import { DROPPED, SEP, type Interval } from './recorder.js';

/** Lost measurements or log records, by why; they travel in the `edge_infer.telemetry.dropped` counter. */
export interface Drop {
  reason: string;
  signal: Signal;
  count: number;
}

/** Adds to `out` what losing a whole collected interval loses: its records by signal, and the drops its dropped counter carried. */
export function lostInterval(interval: Interval, reason: string, out: Drop[]): void {
  let records = 0;
  interval.series.forEach((series, index) =>
    series.forEach((s, key) => {
      const [carried, signal] = key.split(SEP);
      if (index !== DROPPED) records += s.records;
      else out.push({ reason: carried!, signal: signal as Signal, count: s.value });
    }),
  );
  if (records) out.push({ reason, signal: 'metrics', count: records });
  if (interval.logs.length) out.push({ reason, signal: 'logs', count: interval.logs.length });
}
