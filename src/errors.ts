/** Stable error codes, in one list. Tests and apps branch on these, never on message text. */
export const ERROR_CODES = [
  'options-invalid',
  'input-invalid',
  'input-unknown',
  'input-missing',
  'input-dtype',
  'input-shape',
  'model-fetch-failed',
  'model-unavailable-offline',
  'manifest-invalid',
  'model-unknown',
  'integrity-mismatch',
  'origin-not-allowed',
  'aborted',
  'model-invalid',
  'model-disposed',
  'backend-unavailable',
  'runtime-assets-unavailable',
  'inference-failed',
  'timeout',
  'worker-crashed',
  'runtime-disposed',
  'storage-failed',
  'quantize-unsupported',
  'quantize-failed',
  'telemetry-invalid',
  'profile-invalid',
  'processor-invalid',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain-data form of an EdgeInferError, used to carry it across the worker boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class EdgeInferError extends Error {
  override readonly name = 'EdgeInferError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }
}

export function isEdgeInferError(value: unknown): value is EdgeInferError {
  return value instanceof EdgeInferError;
}

/** Rebuilds an error that crossed the worker boundary; anything unexpected becomes `fallback`. */
export function reviveError(value: unknown, fallback: ErrorCode = 'inference-failed'): EdgeInferError {
  if (value instanceof EdgeInferError) return value;
  if (isSerializedError(value)) return new EdgeInferError(value.code, value.message, value.details ?? {});
  const message = value instanceof Error ? value.message : String(value);
  return new EdgeInferError(fallback, message, {}, { cause: value });
}

/** Wraps a foreign error (ORT, fetch...) with a code, keeping typed errors as they are. */
export function toEdgeInferError(value: unknown, code: ErrorCode, context: string): EdgeInferError {
  if (value instanceof EdgeInferError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new EdgeInferError(code, `${context}: ${message}`, {}, { cause: value });
}

function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) &&
    typeof (value as { message?: unknown }).message === 'string';
}

/**
 * A short, safe rendering of any value for an error message: never throws (bigints, symbols, null-prototype
 * objects, revoked proxies) and never prints more than a few dozen characters of what the caller passed.
 */
export function shown(value: unknown): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number': case 'boolean': case 'undefined': return String(value);
    case 'bigint': return `${value}n`;
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
    default: return value === null ? 'null' : Array.isArray(value) ? `an array of length ${value.length}` : 'an object';
  }
}

