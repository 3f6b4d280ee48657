// What of an error may leave the page: its code, its message redacted, and only known, harmless `details` fields.
// Apart from redact.ts because only exports need it (an error is recorded as it is and made safe when encoded).
import type { AttributeValue } from './json.js';
import { errorCode } from './recorder.js';
import { redactId, redactMessage, redactUrls } from './redact.js';

type Kind = 'id' | 'name' | 'number' | 'boolean';

/** The `details` fields that may be sent, and what each must be. Anything else (values, hashes, lists) stays. */
const DETAILS: Readonly<Record<string, Kind>> = {
  model: 'id',
  version: 'id',
  url: 'id',
  input: 'name',
  output: 'name',
  code: 'name',
  status: 'number',
  batchSize: 'number',
  offline: 'boolean',
};

export interface SafeError {
  /** The error's `code`, or `'unknown'`. */
  code: string;
  message: string;
  /** `error.details.<field>` attributes. */
  details: Record<string, AttributeValue>;
}

/** What of an error may be sent: its code, a redacted message (at most 500 characters) and the known details. */
export function safeError(error: unknown): SafeError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as { message?: unknown; details?: unknown };
  const code = errorCode(error);
  const details: Record<string, AttributeValue> = {};
  if (typeof e.details === 'object' && e.details !== null) {
    for (const [key, kind] of Object.entries(DETAILS)) {
      const value = (e.details as Record<string, unknown>)[key];
      const safe = kind === 'number' ? (Number.isFinite(value) ? (value as number) : undefined)
        : kind === 'boolean' ? (typeof value === 'boolean' ? value : undefined)
        : typeof value !== 'string' ? undefined
        : kind === 'id' ? redactId(value).slice(0, 200)
        : redactUrls(value).slice(0, 100);
      if (safe !== undefined) details[`error.details.${key}`] = safe;
    }
  }
  return { code, message: redactMessage(String(e.message ?? ''), 500), details };
}
