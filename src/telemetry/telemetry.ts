// The telemetry a runtime owns: record calls on the main thread, exports on an interval, when a batch is full,
// and when the page is hidden or closing.
import { EdgeInferError } from '../errors.js';
import { lost, pack, tally, type Batch, type Drop } from './batch.js';
import { createExporter, type Exporter, type Scheduler } from './exporter.js';
import { attributes, nanos, str, type AttributeValue } from './json.js';
import { resolveTelemetryOptions, type TelemetryOptions } from './options.js';
import { idbOutbox, type OutboxStore } from './outbox-store.js';
import { CACHE, createRecorder, DOWNLOAD, ERRORS, FALLBACKS, INFERENCE, LOAD, SEP, type Recorder } from './recorder.js';
import { errorCode, redactId, redactMessage, safeError } from './redact.js';
import { exporterSender, fetchSender } from './send.js';
import { SDK_VERSION } from './version.js';
import { BACKEND_LIST, isBackend, type Backend } from '../backends.js';

/** What telemetry needs to know about a model; a `Model` has all of it. */
export interface ModelRef {
  readonly id: string;
  readonly version?: string | undefined;
  readonly backend: Backend;
}

export interface LoadedModelRef extends ModelRef {
  readonly source: 'network' | 'cache' | 'bytes';
  /** Size of the model file; counted as downloaded when `source` is `'network'`. */
  readonly bytes?: number;
}

export interface DeviceInfo {
  /** The backend the session's first model runs on. */
  backend: Backend;
  /** `GPUAdapterInfo.vendor` and `.architecture`, where the browser tells them. */
  gpuVendor?: string | undefined;
  gpuArchitecture?: string | undefined;
}

/** Browser and time dependencies; each defaults to the real one, so tests can use fakes. */
export interface TelemetryDeps {
  /** Epoch milliseconds. @defaultValue `Date.now` */
  now?: () => number;
  scheduler?: Scheduler;
  fetch?: typeof fetch;
  random?: () => number;
  /** Where unsent batches wait; `null` for none. @defaultValue IndexedDB, per the `outbox` option */
  store?: OutboxStore | null;
  /** Receives `pagehide` and `online`. @defaultValue `globalThis` */
  window?: EventTarget;
  /** Receives `visibilitychange`. @defaultValue `globalThis.document` */
  document?: EventTarget & { readonly visibilityState?: string };
  navigator?: { readonly hardwareConcurrency?: number; readonly deviceMemory?: number };
  sessionId?: string;
  /** Resolves a relative `endpoint`. @defaultValue `document.baseURI` */
  baseUrl?: string;
}

export interface TelemetryStats {
  /** Series and log records aggregated since the last export. */
  series: number;
  logs: number;
  /** Batches waiting in memory. */
  queued: number;
  /** Whether the endpoint counts as unreachable (new batches go straight to the outbox). */
  down: boolean;
  /**
   * Losses no batch can report any more, by reason: what dispose() could neither deliver nor store (there is no
   * outbox, or it failed). Only dispose() adds to it; every other loss travels in `edge_infer.telemetry.dropped`.
   */
  unreported: readonly Drop[];
}

export interface Telemetry {
  /** False when neither `endpoint` nor `exporter` is set: every call is then a cheap no-op. */
  readonly enabled: boolean;
  /** Random per session, sent as the resource attribute `session.id`; `''` when off. */
  readonly sessionId: string;
  /** One finished run, timed as its caller waited for it (batching and the worker round trip included), or a failed run with `status: 'error'`. */
  recordInference(model: ModelRef, ms: number, status?: 'ok' | 'error'): void;
  /** One finished load; also counts a weight-cache hit or miss (source `'cache'` or `'network'`) and downloaded bytes. */
  recordLoad(model: LoadedModelRef, ms: number, downloadBytes?: number): void;
  /** One output-cache lookup (or, with `cache: 'weights'`, a weight-cache lookup recorded outside `recordLoad`). */
  recordCache(model: Omit<ModelRef, 'backend'>, hit: boolean, cache?: 'output' | 'weights'): void;
  /** Counts an error by `code` and keeps a log record with its redacted message (see redact.ts) and known details. */
  recordError(error: unknown, model?: Omit<ModelRef, 'backend'>): void;
  /** A model skipped backend `from` for `model.backend`; `reason` is the short reason text. */
  recordFallback(model: ModelRef, from: Backend, reason: string): void;
  /** Device context, sent as one log record per session (again only if it changes). */
  setDevice(device: DeviceInfo): void;
  /** Exports what was recorded now; resolves when sent, stored in the outbox, or waiting out a backoff. */
  flush(): Promise<void>;
  /**
   * Stops timers and listeners and sends what is left with keepalive. Resolves within about a second even when the
   * endpoint never answers: what was not delivered by then goes to the outbox, or into `stats().unreported`.
   * Later record calls are ignored.
   */
  dispose(): Promise<void>;
  stats(): TelemetryStats;
}

export function createTelemetry(options: TelemetryOptions | undefined, deps: TelemetryDeps = {}): Telemetry {
  const g = globalThis as unknown as Window & typeof globalThis;
  const resolved = resolveTelemetryOptions(options, deps.baseUrl ?? g.document?.baseURI);
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const scheduler: Scheduler = deps.scheduler ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) };
  const sessionId = resolved ? deps.sessionId ?? randomId() : '';
  let recorder: Recorder | undefined;
  let counter: Recorder | undefined; // counts drops: the recorder, also while dispose() runs
  let exporter: Exporter | undefined;
  const unreported: Drop[] = [];
  let resource = '';
  let device = '';
  let full = false;
  let interval: unknown;
  const detach: (() => void)[] = [];
  const dropAll = (drops: Drop[]) => drops.forEach((d) => (counter ? counter.drop(d) : tally(unreported, d)));

  /** Moves what was recorded into batches for the exporter. */
  function take() {
    full = false;
    if (recorder && exporter && !recorder.empty) exporter.add(batches(recorder));
  }

  function batches(from: Recorder): Batch[] {
    const { metrics, logs } = from.collect(now());
    const out: Batch[] = [];
    for (const [signal, items] of [['metrics', metrics], ['logs', logs]] as const) {
      const { batches, oversize } = pack(signal, resource, items, resolved!.maxBatchBytes);
      out.push(...batches);
      dropAll(lost(oversize, 'too-large', signal));
    }
    return out;
  }

  async function flush() {
    take();
    await exporter?.settle();
  }

  function hide() {
    take();
    exporter?.hide();
  }

  function listen(target: EventTarget | undefined, type: string, handler: () => void) {
    target?.addEventListener?.(type, handler);
    detach.push(() => target?.removeEventListener?.(type, handler));
  }

  if (resolved) {
    resource = `{"attributes":${attributes({
      ...resolved.resource,
      'telemetry.sdk.name': 'edge-infer',
      'telemetry.sdk.language': 'webjs',
      'telemetry.sdk.version': SDK_VERSION,
      'session.id': sessionId,
    })}}`;
    recorder = counter = createRecorder(resolved, now(), () => {
      if (!full) (full = true), scheduler.setTimeout(() => void flush(), 0);
    });
    const store = deps.store !== undefined ? deps.store ?? undefined
      : resolved.outbox && typeof indexedDB !== 'undefined' ? idbOutbox(resolved.outbox.dbName) : undefined;
    const send = resolved.exporter ? exporterSender(resolved.exporter) : fetchSender(resolved.endpoint!, resolved.headers, deps.fetch ?? fetch.bind(g));
    exporter = createExporter(
      { ...resolved, maxOutbox: resolved.outbox ? resolved.outbox.maxBatches : 0 },
      { send, store, scheduler, now, random, session: sessionId, onDrop: dropAll },
    );
    const tick = () => {
      interval = scheduler.setTimeout(tick, resolved.intervalMs);
      void flush();
    };
    interval = scheduler.setTimeout(tick, resolved.intervalMs);
    const doc = deps.document ?? g.document;
    const win = deps.window ?? g;
    listen(doc, 'visibilitychange', () => (doc?.visibilityState === 'hidden' ? hide() : exporter?.wake()));
    listen(win, 'pagehide', hide);
    listen(win, 'online', () => exporter?.wake());
  }

  /** A log record, built only if the recorder keeps it: redacting an error's message is not free. */
  function log(severity: 9 | 17, build: () => [body: string, attrs: Record<string, AttributeValue | undefined>]) {
    recorder!.log(() => {
      const t = nanos(now());
      const [body, attrs] = build();
      const a = attributes(attrs);
      return `{"timeUnixNano":"${t}","observedTimeUnixNano":"${t}","severityNumber":${severity},"severityText":"${severity === 17 ? 'ERROR' : 'INFO'}","body":{"stringValue":${str(body)}}${a ? `,"attributes":${a}` : ''}}`;
    });
  }

  return {
    enabled: resolved !== undefined,
    sessionId,
    recordInference(model, ms, status = 'ok') {
      check(model, true);
      duration(ms);
      need(status === 'ok' || status === 'error', "status 'ok' | 'error'", status);
      if (!recorder) return;
      const rate = resolved!.sampleRate;
      if (rate < 1 && random() >= rate) return;
      recorder.observe(INFERENCE, key(model) + SEP + model.backend + SEP + status, ms / 1000, 1 / rate);
    },
    recordLoad(model, ms, downloadBytes) {
      check(model, true);
      duration(ms);
      need(['network', 'cache', 'bytes'].includes(model.source), "model.source 'network' | 'cache' | 'bytes'", model.source);
      const bytes = downloadBytes ?? (model.source === 'network' ? model.bytes ?? 0 : 0);
      need(Number.isSafeInteger(bytes) && bytes >= 0, 'downloadBytes, an integer >= 0', bytes);
      if (!recorder) return;
      const m = key(model);
      recorder.observe(LOAD, m + SEP + model.backend + SEP + model.source, ms / 1000, 1);
      if (model.source !== 'bytes') recorder.add(CACHE, m + SEP + 'weights' + SEP + (model.source === 'cache' ? 'hit' : 'miss'), 1);
      if (bytes > 0) recorder.add(DOWNLOAD, m, bytes);
    },
    recordCache(model, hit, cache = 'output') {
      check(model, false);
      need(typeof hit === 'boolean', 'hit, a boolean', hit);
      need(cache === 'output' || cache === 'weights', "cache 'output' | 'weights'", cache);
      recorder?.add(CACHE, key(model) + SEP + cache + SEP + (hit ? 'hit' : 'miss'), 1);
    },
    recordError(error, model) {
      if (model !== undefined) check(model, false);
      if (!recorder) return;
      const id = model && redactId(model.id);
      recorder.add(ERRORS, errorCode(error) + SEP + (id ?? ''), 1);
      log(17, () => {
        const { code, message, details } = safeError(error);
        const version = model?.version === undefined ? undefined : redactId(model.version);
        return [message, { 'event.name': 'edge_infer.error', 'error.code': code, 'model.id': id, 'model.version': version, ...details }];
      });
    },
    recordFallback(model, from, reason) {
      check(model, true);
      need(isBackend(from), `from ${BACKEND_LIST}`, from);
      need(typeof reason === 'string', 'reason, a string', reason);
      recorder?.add(FALLBACKS, redactId(model.id) + SEP + from + SEP + model.backend + SEP + redactMessage(reason, 100), 1);
    },
    setDevice(info) {
      need(isBackend(info?.backend), `device { backend: ${BACKEND_LIST}, gpuVendor?, gpuArchitecture? }`, info);
      if (!recorder) return;
      const nav = deps.navigator ?? g.navigator;
      const attrs = {
        'event.name': 'edge_infer.device',
        backend: info.backend,
        'gpu.vendor': info.gpuVendor,
        'gpu.architecture': info.gpuArchitecture,
        'device.hardware_concurrency': nav?.hardwareConcurrency,
        'device.memory_gb': (nav as { deviceMemory?: number } | undefined)?.deviceMemory,
      };
      const key = JSON.stringify(attrs);
      if (key === device) return;
      device = key;
      log(9, () => ['device', attrs]);
    },
    flush,
    async dispose() {
      if (!recorder || !exporter) return;
      detach.splice(0).forEach((off) => off());
      scheduler.clearTimeout(interval);
      take();
      const [last, drops] = [exporter, recorder];
      recorder = exporter = undefined; // later record calls are ignored; `counter` still counts what dispose drops
      await last.close(() => {
        counter = undefined; // the last collect: what is lost from here on can only be told through stats()
        return batches(drops);
      });
    },
    stats() {
      const held = recorder?.held;
      const state = exporter?.state;
      return { series: held?.series ?? 0, logs: held?.logs ?? 0, queued: state?.queued ?? 0, down: state?.down ?? false, unreported: unreported.map((d) => ({ ...d })) };
    },
  };
}

/** The series key of a model: its redacted id and version. The last one is kept: most runs are of the same model. */
function key(model: Omit<ModelRef, 'backend'>): string {
  if (model.id !== last.id || model.version !== last.version) {
    last = { id: model.id, version: model.version, key: redactId(model.id) + SEP + (model.version === undefined ? '' : redactId(model.version)) };
  }
  return last.key;
}

let last: { id: string; version: string | undefined; key: string } = { id: '', version: undefined, key: SEP };

function check(model: unknown, backend: boolean) {
  const m = model as ModelRef | undefined;
  need(typeof m?.id === 'string' && (m.version === undefined || typeof m.version === 'string'), 'model { id: string, version?: string }', model);
  if (backend) need(isBackend(m!.backend), `model.backend ${BACKEND_LIST}`, m!.backend);
}

function duration(ms: unknown) {
  need(typeof ms === 'number' && ms >= 0 && ms < Infinity, 'ms, a finite number >= 0', ms);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function need(ok: boolean, expected: string, value: unknown): void {
  if (!ok) throw new EdgeInferError('telemetry-invalid', `expected ${expected}, got ${value === null || typeof value !== 'object' ? String(value) : 'another object'}`);
}
