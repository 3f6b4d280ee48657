// One request to the endpoint (or the app's exporter), and what its answer means for the batch.
import type { ExportAnswer, TelemetryExporter } from './options.js';

/** `abort` ends the request (a timeout, or dispose); the exporter also stops waiting for its answer then. */
export type Send = (signal: 'metrics' | 'logs', body: string, keepalive: boolean, abort: AbortSignal) => Promise<void | number | ExportAnswer>;

export type Outcome =
  | { kind: 'ok' }
  /** `after`: milliseconds the server asked to wait (Retry-After), if it did. */
  | { kind: 'retry'; after: number | undefined }
  | { kind: 'rejected' }
  | { kind: 'too-large' };

const RETRY = [429, 502, 503, 504];
/** Wait after a Retry-After header that is neither seconds nor a date. */
export const RETRY_AFTER_UNPARSABLE_MS = 60_000;
/** Longest wait a Retry-After header can ask for. */
export const RETRY_AFTER_MAX_MS = 3_600_000;

export function fetchSender(endpoint: string, headers: Readonly<Record<string, string>>, fetcher: typeof fetch): Send {
  return async (signal, body, keepalive, abort) => {
    const response = await fetcher(`${endpoint}/v1/${signal}`, {
      method: 'POST',
      body,
      keepalive,
      // A followed 301/302 would turn the POST into a bodiless GET whose 200 looks like a delivery.
      redirect: 'manual',
      headers: { ...headers, 'Content-Type': 'application/json' },
      signal: abort,
    });
    discard(response);
    return response;
  };
}

export function exporterSender(exporter: TelemetryExporter): Send {
  return async (signal, body, keepalive, abort) => {
    const answer = await exporter({ signal, body, keepalive, abortSignal: abort });
    if (typeof answer === 'object' && answer !== null) discard(answer);
    return answer;
  };
}

/**
 * Cancels an answer's body without reading any of it: the status is all that counts, a hostile or broken endpoint
 * can answer gigabytes, and Chromium holds a keepalive request against the page's 64 KiB budget until its body is
 * read or cancelled. Not awaited: cancelling must not hold up the export.
 */
function discard(answer: ExportAnswer): void {
  try {
    void answer.body?.cancel().catch(() => undefined);
  } catch {
    // An app's exporter may answer with an object whose `body` is no stream: nothing to cancel.
  }
}

/**
 * Network errors and 429/502/503/504 are worth another try; other non-2xx answers are not, except 413 (split).
 * A redirect is refused: followed, the body was lost on the way; not followed (status 0), it never arrived.
 */
export function classify(answer: void | number | ExportAnswer, now: number): Outcome {
  if (answer === undefined || answer === null) return { kind: 'ok' };
  if (typeof answer === 'object' && (answer.redirected === true || answer.type === 'opaqueredirect')) return { kind: 'rejected' };
  const status = typeof answer === 'number' ? answer : answer.status;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 413) return { kind: 'too-large' };
  if (!RETRY.includes(status)) return { kind: 'rejected' };
  const header = typeof answer === 'number' ? null : answer.headers?.get('Retry-After');
  return { kind: 'retry', after: retryAfter(header, now) };
}

/** Milliseconds to wait for a Retry-After value: delay-seconds or an HTTP date. */
export function retryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (Number.isNaN(ms)) return RETRY_AFTER_UNPARSABLE_MS;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms));
}
