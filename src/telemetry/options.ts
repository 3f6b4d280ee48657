// The `telemetry` option of createRuntime(): where aggregated metrics and error logs go, and how they are batched.
import { EdgeInferError, shown, type ErrorCode } from '../errors.js';

/** One OTLP/HTTP request as a custom exporter receives it. */
export interface TelemetryRequest {
  /** Which OTLP path the body belongs to: `/v1/metrics` or `/v1/logs`. */
  signal: 'metrics' | 'logs';
  /** OTLP/HTTP JSON (`ExportMetricsServiceRequest` or `ExportLogsServiceRequest`), at most `maxBatchBytes` bytes. */
  body: string;
  /** Whether the request should use `fetch(..., { keepalive: true })`: the page may be closing. */
  keepalive: boolean;
  /** Aborted after `timeoutMs` without an answer, or when dispose() stops waiting: pass it to `fetch`. */
  abortSignal: AbortSignal;
}

/**
 * Sends one request somewhere other than an OTLP endpoint. Resolve with nothing (delivered), an HTTP status, or an
 * object with `status` and `headers` (a `Response` will do) to get the same retry rules as the built-in sender;
 * reject for a network error (retried). A redirected `Response` counts as rejected (a followed redirect turns the
 * POST into a bodiless GET), and a `Response`'s body is cancelled, never read.
 */
export type TelemetryExporter = (request: TelemetryRequest) => Promise<void | number | ExportAnswer> | void | number | ExportAnswer;

export interface ExportAnswer {
  status: number;
  headers?: { get(name: string): string | null };
  /** `Response.redirected`: true means the body did not reach the endpoint. */
  redirected?: boolean;
  /** `Response.type`: `'opaqueredirect'` for a redirect that `redirect: 'manual'` did not follow. */
  type?: string;
  /** `Response.body`: cancelled, so a huge answer is never buffered. */
  body?: { cancel(): Promise<void> } | null;
}

export interface TelemetryOptions {
  /**
   * Base URL of an OpenTelemetry Collector's OTLP/HTTP receiver (resolved against the page); metrics go to
   * `{endpoint}/v1/metrics` and error logs to `{endpoint}/v1/logs`. Telemetry is off unless this or `exporter` is set.
   * @defaultValue `undefined` (off)
   */
  endpoint?: string;
  /**
   * Sends requests yourself instead of POSTing them to `endpoint`.
   * @defaultValue `undefined`
   */
  exporter?: TelemetryExporter;
  /** Extra request headers for `endpoint`, e.g. an API key your collector expects. @defaultValue `{}` */
  headers?: Readonly<Record<string, string>>;
  /** The resource attribute `service.name`. @defaultValue `'unknown_service'` */
  serviceName?: string;
  /** The resource attribute `service.version`. @defaultValue `undefined` (not sent) */
  serviceVersion?: string;
  /** More resource attributes, e.g. `{ 'deployment.environment.name': 'prod' }`. @defaultValue `{}` */
  resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /** Milliseconds between exports of what was recorded. @defaultValue `10000` */
  intervalMs?: number;
  /**
   * Largest request body in bytes; a fuller batch is sent at once. At most 61440 (60 KiB), so that requests fit
   * the browser's 64 KiB budget for `keepalive` requests.
   * @defaultValue `61440`
   */
  maxBatchBytes?: number;
  /**
   * Most attribute sets per metric between two exports; later ones are merged into one series marked
   * `otel.metric.overflow=true`.
   * @defaultValue `100`
   */
  maxSeries?: number;
  /** Most log records (errors, device context) between two exports; the rest are counted as dropped. @defaultValue `100` */
  maxLogs?: number;
  /** Most batches waiting in memory; older ones move to the outbox (or are dropped and counted without one). @defaultValue `20` */
  maxQueue?: number;
  /**
   * Sends of one batch before the endpoint counts as unreachable and waiting batches move to the outbox. Network
   * errors, 429, 502, 503 and 504 are retried with exponential backoff and jitter, after `Retry-After` when given.
   * @defaultValue `4`
   */
  retries?: number;
  /** First backoff delay in milliseconds; it doubles each retry (up to 5 minutes), with jitter. @defaultValue `1000` */
  retryDelayMs?: number;
  /**
   * Milliseconds to wait for an answer before the request is aborted and counts as a network error (retried).
   * @defaultValue `10000`
   */
  timeoutMs?: number;
  /**
   * The IndexedDB outbox for batches that could not be sent, drained when the browser comes back `online` and at
   * the next start. When full, the oldest batch is dropped and counted. `false` keeps batches in memory only.
   * @defaultValue `{ maxBatches: 100, dbName: 'edge-infer-telemetry' }`
   */
  outbox?: { maxBatches?: number; dbName?: string } | false;
  /**
   * Fraction of inferences recorded, for apps that run models many times a second. Recorded ones count
   * `1 / sampleRate` times, so counts and sums estimate the totals.
   * @defaultValue `1`
   */
  sampleRate?: number;
}

export interface ResolvedTelemetryOptions {
  readonly endpoint: string | undefined;
  readonly exporter: TelemetryExporter | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly resource: Readonly<Record<string, string | number | boolean>>;
  readonly intervalMs: number;
  readonly maxBatchBytes: number;
  readonly maxSeries: number;
  readonly maxLogs: number;
  readonly maxQueue: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly outbox: Readonly<{ maxBatches: number; dbName: string }> | false;
  readonly sampleRate: number;
}

/** Integer options: [default, min, max]. TELEMETRY_DEFAULTS takes its defaults from here. */
const INTS = {
  intervalMs: [10_000, 1, 86_400_000],
  maxBatchBytes: [61_440, 1024, 61_440],
  maxSeries: [100, 1, 10_000],
  maxLogs: [100, 0, 10_000],
  maxQueue: [20, 1, 1000],
  retries: [4, 0, 100],
  retryDelayMs: [1000, 0, 3_600_000],
  timeoutMs: [10_000, 1, 600_000],
} as const;

type Ints = { -readonly [K in keyof typeof INTS]: number };

const SERVICE_NAME = 'unknown_service';
const OUTBOX = { maxBatches: 100, dbName: 'edge-infer-telemetry' };
const SAMPLE_RATE = 1;

// Built by a call marked pure, so that a bundle that only resolves options leaves it out.
export const TELEMETRY_DEFAULTS = /* @__PURE__ */ defaults();

function defaults() {
  const ints = Object.fromEntries(Object.entries(INTS).map(([key, [value]]) => [key, value])) as Ints;
  return Object.freeze({ serviceName: SERVICE_NAME, ...ints, outbox: Object.freeze({ ...OUTBOX }), sampleRate: SAMPLE_RATE });
}

/** `undefined` when telemetry is off: no endpoint and no exporter. Every option is checked here, when telemetry is made. */
export function resolveTelemetryOptions(options: unknown, base?: string): ResolvedTelemetryOptions | undefined {
  if (options === undefined) return undefined;
  const o = object(options, 'telemetry') as TelemetryOptions & Record<string, unknown>;
  const { exporter, endpoint, serviceVersion } = o;
  valid(exporter === undefined || typeof exporter === 'function', 'exporter', 'a function', exporter);
  valid(endpoint === undefined || (typeof endpoint === 'string' && URL.canParse(endpoint, base)), 'endpoint', 'a URL', endpoint);
  if (endpoint === undefined && !exporter) return undefined;
  const outbox = o.outbox === false ? false : (object(o.outbox ?? {}, 'outbox') as { maxBatches?: number; dbName?: string });
  const sampleRate = o.sampleRate ?? SAMPLE_RATE;
  const resolved: Omit<ResolvedTelemetryOptions, keyof Ints> & Partial<Ints> = {
    endpoint: endpoint === undefined ? undefined : new URL(endpoint, base).href.replace(/\/+$/, ''),
    exporter,
    headers: entries<string>(o.headers, 'headers', (v) => typeof v === 'string', 'a string'),
    resource: {
      'service.name': text(o.serviceName ?? SERVICE_NAME, 'serviceName'),
      ...(serviceVersion !== undefined && { 'service.version': text(serviceVersion, 'serviceVersion') }),
      ...entries<string | number | boolean>(o.resourceAttributes, 'resourceAttributes', (v) => v !== '' && ['string', 'number', 'boolean'].includes(typeof v), 'a non-empty string, a number or a boolean'),
    },
    outbox: outbox && {
      maxBatches: int(outbox.maxBatches ?? OUTBOX.maxBatches, 'outbox.maxBatches', 1, 100_000),
      dbName: text(outbox.dbName ?? OUTBOX.dbName, 'outbox.dbName'),
    },
    sampleRate: valid(typeof sampleRate === 'number' && sampleRate > 0 && sampleRate <= 1, 'sampleRate', 'a number in (0, 1]', sampleRate),
  };
  for (const [key, [value, min, max]] of Object.entries(INTS) as [keyof Ints, readonly number[]][]) resolved[key] = int(o[key] ?? value, key, min!, max!);
  return Object.freeze(resolved as ResolvedTelemetryOptions);
}

/** Throws `code` (telemetry-invalid unless told) with a message that says what was expected and what came; else returns `value`. */
export function need<T>(ok: boolean, expected: string, value: T, code: ErrorCode = 'telemetry-invalid'): T {
  if (!ok) throw new EdgeInferError(code, `expected ${expected}, got ${shown(value)}`);
  return value;
}

function valid<T>(ok: boolean, name: string, expected: string, value: T): T {
  return need(ok, `telemetry.${name} to be ${expected}`, value, 'options-invalid');
}

function object(value: unknown, name: string): object {
  return valid(typeof value === 'object' && value !== null && !Array.isArray(value), name, 'an object', value) as object;
}

/** A copy of an object option (`{}` when undefined) whose every value passes `ok`. */
function entries<V>(value: unknown, name: string, ok: (v: unknown) => boolean, expected: string): Record<string, V> {
  const out = { ...object(value ?? {}, name) } as Record<string, V>;
  for (const key in out) valid(ok(out[key]), `${name}.${key}`, expected, out[key]);
  return out;
}

function text(value: unknown, name: string): string {
  return valid(typeof value === 'string' && value !== '', name, 'a non-empty string', value) as string;
}

function int(value: unknown, name: string, min: number, max: number): number {
  return valid(Number.isInteger(value) && (value as number) >= min && (value as number) <= max, name, `an integer from ${min} to ${max}`, value) as number;
}
