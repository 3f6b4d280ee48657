import { expect } from 'vitest';
import type { ExportAnswer, TelemetryRequest } from '../../../src/telemetry/options.js';
import { summarize, type OtlpSummary } from '../../../scripts/otlp-summary.js';
import { otlpProblems } from '../../server/otlp-decode.js';

export interface Sent extends TelemetryRequest {
  at: number;
  /** Whether the answer was a success (nothing, or a 2xx status that was not redirected). */
  ok: boolean;
}

/** An exporter that logs each request and answers with `answer(n)` for the n-th (0-based) request. */
export function recordingExporter(answer: (n: number, request: TelemetryRequest) => void | number | ExportAnswer | Promise<never> = () => 200) {
  const sent: Sent[] = [];
  const exporter = (request: TelemetryRequest) => {
    const a = answer(sent.length, request);
    const status = typeof a === 'number' ? a : a instanceof Promise ? 0 : a?.status ?? 200;
    const redirected = typeof a === 'object' && !(a instanceof Promise) && (a.redirected === true || a.type === 'opaqueredirect');
    sent.push({ ...request, at: Date.now(), ok: status >= 200 && status < 300 && !redirected });
    return a instanceof Promise ? a : Promise.resolve(a);
  };
  return { sent, exporter };
}

/** Checks every body against the OTLP definitions and folds the delivered ones (2xx) into totals. */
export function decoded(requests: readonly Sent[], onlyDelivered = true): OtlpSummary {
  for (const r of requests) {
    expect(otlpProblems(r.signal, r.body)).toEqual([]);
    expect(new TextEncoder().encode(r.body).length).toBe(r.body.length);
  }
  return summarize(requests.filter((r) => r.ok || !onlyDelivered).map((r) => ({ receivedAt: 0, signal: r.signal, body: JSON.parse(r.body) })));
}

export const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

export const model = { id: 'digits', version: '1.0.0', backend: 'wasm' as const };
