// The telemetry a runtime owns: record calls on the main thread, exports on an interval, when a batch is full,
// and when the page is hidden or closing. This file, the options and the recorder are what a page loads up front.
// Everything an export needs (encoding, batches, sending, retries, the outbox, the page-hide listeners) is in
// pipeline.ts, imported at the first record rather than at the first export: a page that hides or closes is no time
// to start fetching a module, while a keepalive request sent from its pagehide handler still leaves.
// Ids, versions and reasons are held raw (bounded) until an export redacts them (encode.ts): nothing leaves the page
// or reaches the outbox unredacted, and a page that records needs none of the redaction code up front.
import { BACKENDS, type Backend } from '../backends.js';
import { shown } from '../errors.js';
import { randomHex128 } from '../random.js';
import { lostInterval, type Drop } from './drops.js';
import type { Scheduler } from './exporter.js';
import { need, resolveTelemetryOptions, type TelemetryOptions } from './options.js';
import type { OutboxStore } from './outbox-store.js';
import type { Pipeline } from './pipeline.js';
import { CACHE, createRecorder, DOWNLOAD, errorCode, ERRORS, FALLBACKS, INFERENCE, INFERENCE_BOUNDS, LOAD, LOAD_BOUNDS, SEP, type Recorder } from './recorder.js';

export type PipelineModule = typeof import('./pipeline.js');

/** pipeline.ts once this page imported it: later telemetries make their pipeline at once. */
let loaded: PipelineModule | undefined;

const load = () => import('./pipeline.js').then((m) => (loaded = m));

/** How long dispose() waits for pipeline.ts to load before it counts what was recorded as lost. */
const LOAD_WAIT_MS = 1000;

/** What telemetry needs to know about a model; a `Model` has all of it. */
export interface ModelRef {
  readonly id: string;
  readonly version?: string | undefined;
  readonly backend: Backend;
  /**
   * The rollout arm the model runs in (`model.assignment`), sent as `model.arm` on its series. Read at every record:
   * a device that rolls back changes it while the model stays loaded.
   */
  readonly assignment?: { readonly arm: string } | undefined;
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
  /** Read when a device record is exported. @defaultValue `globalThis.navigator` */
  navigator?: { readonly hardwareConcurrency?: number; readonly deviceMemory?: number };
  sessionId?: string;
  /** Resolves a relative `endpoint`. @defaultValue `document.baseURI` */
  baseUrl?: string;
  /**
   * Loads the export half (pipeline.ts: encoding, batches, sending, outbox, page-hide listeners). Called at the first
   * record, or at the first export that has something to do.
   * @defaultValue `import('./pipeline.js')`, which the page's telemetries share
   */
  loadPipeline?: () => Promise<PipelineModule>;
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
  /**
   * Counts an error by `code` and keeps it for a log record: its message, redacted, and its known details
   * (safe-error.ts) are read when the record is exported.
   */
  recordError(error: unknown, model?: Omit<ModelRef, 'backend'>): void;
  /** A model skipped backend `from` for `model.backend`; `reason` is the short reason text. */
  recordFallback(model: ModelRef, from: Backend, reason: string): void;
  /** @internal Gives monitoring (monitor-metrics.ts) the recorder and the model's series key; nothing when off or disposed. */
  withRecorder(model: Omit<ModelRef, 'backend'>, write: (recorder: Recorder, key: string) => void): void;
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
  const { now = Date.now, random = Math.random, scheduler = g as Scheduler } = deps;
  const sessionId = resolved ? deps.sessionId ?? randomHex128() : '';
  // Whether an outbox may hold batches (from an earlier session, too): then an export has work with nothing recorded.
  const outbox = deps.store !== undefined ? deps.store !== null : !!resolved?.outbox && typeof indexedDB !== 'undefined';
  const rec = resolved && createRecorder(resolved, now(), (grown, histogram) => {
    if (pipe) pipe.grew(grown, histogram);
    else if (!asked) (asked = true), void start(); // the first record starts the import of pipeline.ts
  });
  let recorder = rec; // undefined once dispose() has begun: later record calls are ignored
  // The export half (pipeline.ts): made when the import that the first record starts is done, or at the first export
  // that has something to do. A failed import is tried again by the next export.
  let pipe: Pipeline | undefined;
  let starting: Promise<Pipeline | undefined> | undefined;
  let asked = false;
  const unreported: Drop[] = [];
  let device: readonly unknown[] = [];
  let interval: unknown;

  /** The pipeline, or undefined when pipeline.ts could not be loaded (the next export tries again). */
  function start(): Promise<Pipeline | undefined> {
    const make = (m: PipelineModule) => {
      const p = (pipe ??= m.createPipeline({ ...deps, resolved: resolved!, recorder: rec!, scheduler, now, random, session: sessionId, unreported }));
      if (!recorder) void p.dispose(); // made after dispose() began, which waited for it or gave up on it
      return p;
    };
    const m = deps.loadPipeline ? undefined : loaded;
    if (m) return new Promise((resolve) => resolve(make(m))); // at once: a pagehide right after this record finds it
    return (starting ??= (deps.loadPipeline ?? load)().then(make, () => (starting = undefined)));
  }

  /** Exports through the pipeline, loaded if need be: not when nothing was recorded and no outbox may hold batches. */
  async function flush() {
    await (pipe ?? (recorder && (!recorder.empty || outbox) ? await start() : undefined))?.flush();
  }

  const tick = () => {
    interval = scheduler.setTimeout(() => (tick(), void flush()), resolved!.intervalMs);
  };
  if (resolved) tick();

  return {
    enabled: !!resolved,
    sessionId,
    recordInference(model, ms, status = 'ok') {
      check(model, true);
      duration(ms);
      oneOf(status, 'status', STATUS);
      if (!recorder) return;
      const rate = resolved!.sampleRate;
      if (rate < 1 && random() >= rate) return;
      recorder.observe(INFERENCE, key(model) + SEP + model.backend + SEP + status, ms / 1000, 1 / rate, INFERENCE_BOUNDS);
    },
    recordLoad(model, ms, downloadBytes) {
      check(model, true);
      duration(ms);
      const source = model.source;
      oneOf(source, 'model.source', SOURCES);
      const bytes = downloadBytes ?? (source === 'network' ? model.bytes ?? 0 : 0);
      need(Number.isSafeInteger(bytes) && bytes >= 0, 'downloadBytes, an integer >= 0', bytes);
      if (!recorder) return;
      const m = key(model);
      recorder.observe(LOAD, m + SEP + model.backend + SEP + source, ms / 1000, 1, LOAD_BOUNDS);
      if (source !== 'bytes') recorder.add(CACHE, m + SEP + 'weights' + SEP + (source === 'cache' ? 'hit' : 'miss'), 1);
      if (bytes > 0) recorder.add(DOWNLOAD, m, bytes);
    },
    recordCache(model, hit, cache = 'output') {
      check(model);
      oneOf(hit, 'hit', BOOLEANS);
      oneOf(cache, 'cache', CACHES);
      recorder?.add(CACHE, key(model) + SEP + cache + SEP + (hit ? 'hit' : 'miss'), 1);
    },
    recordError(error, model) {
      if (model !== undefined) check(model);
      if (!recorder) return;
      const id = model && bounded(model.id);
      recorder.add(ERRORS, errorCode(error) + SEP + (id ?? ''), 1);
      recorder.log({ time: now(), error, model: id, version: model?.version, arm: model?.assignment?.arm });
    },
    recordFallback(model, from, reason) {
      check(model, true);
      oneOf(from, 'from', BACKENDS);
      need(typeof reason === 'string', 'reason, a string', reason);
      // Longer than encode.ts's redactMessage() reads, so that it cuts the reason the way it cuts any long text.
      recorder?.add(FALLBACKS, bounded(model.id) + SEP + from + SEP + model.backend + SEP + reason.slice(0, 2001), 1);
    },
    withRecorder(model, write) {
      check(model);
      if (recorder) write(recorder, key(model));
    },
    setDevice(info) {
      oneOf(info?.backend, 'device.backend', BACKENDS);
      const values = [info.backend, info.gpuVendor, info.gpuArchitecture];
      if (recorder && values.some((v, i) => v !== device[i])) (device = values), recorder.log({ time: now(), device: values });
    },
    flush,
    async dispose() {
      if (!recorder) return;
      scheduler.clearTimeout(interval);
      const empty = recorder.empty;
      recorder = undefined;
      // pipeline.ts, waited for at most LOAD_WAIT_MS when something was recorded.
      const p = pipe ?? (empty ? undefined : await new Promise<Pipeline | undefined>((resolve) => {
        const t = scheduler.setTimeout(resolve as () => void, LOAD_WAIT_MS); // called with no argument: undefined
        void start().then((made) => (scheduler.clearTimeout(t), resolve(made)));
      }));
      if (p) return p.dispose();
      // pipeline.ts could not be loaded: what was recorded can only be told through stats().
      lostInterval(rec!.collect(now()), 'disposed', unreported);
    },
    stats() {
      return { series: 0, logs: 0, ...recorder?.held, queued: 0, down: false, ...(recorder && pipe?.state), unreported: unreported.map((d) => ({ ...d })) };
    },
  };
}

/** The series key of a model: its id, version and arm (`''` without an assignment), raw and bounded. */
function key(model: Omit<ModelRef, 'backend'>): string {
  return bounded(model.id) + SEP + bounded(model.version ?? '') + SEP + (model.assignment?.arm ?? '');
}

/**
 * An id or version as a series key holds it until an export redacts it. A very long one (a `data:` URL, say) is cut
 * after a `/`, so that the cut never splits a URL's userinfo, which redaction would then no longer recognize.
 */
function bounded(text: string): string {
  return text.length > 1000 ? text.slice(0, text.lastIndexOf('/', 999) + 1 || 1000) : text;
}

/** The arms of store/rollout.ts's `Assignment`: the only `model.arm` values, so no free text goes out in one. */
const ARMS = ['stable', 'variant', 'pinned', 'rolled-back'];
const STATUS = ['ok', 'error'];
const SOURCES = ['network', 'cache', 'bytes'];
const CACHES = ['output', 'weights'];
const BOOLEANS = [true, false];

function check(m: Partial<ModelRef> | undefined, backend?: boolean) {
  need(typeof m?.id === 'string' && (m.version === undefined || typeof m.version === 'string'), 'model { id: string, version?: string }', m);
  const a = m!.assignment;
  if (a !== undefined) oneOf(a?.arm, 'model.assignment.arm', ARMS);
  if (backend) oneOf(m!.backend, 'model.backend', BACKENDS);
}

function duration(ms: unknown) {
  need(typeof ms === 'number' && ms >= 0 && ms < Infinity, 'ms, a finite number >= 0', ms);
}

function oneOf(value: unknown, name: string, list: readonly unknown[]) {
  if (!list.includes(value)) need(false, `${name} ${list.map(shown).join(' | ')}`, value);
}
