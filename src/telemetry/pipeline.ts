// The export half of telemetry: what happens to records once they leave the recorder. Encoding as OTLP/HTTP JSON,
// packing into batches, sending, retries and the IndexedDB outbox. telemetry.ts loads this module with import() at
// the first record (or the first export), so a page pays up front only for recording.
import { lost, pack, tally, type Batch } from './batch.js';
import type { Drop } from './drops.js';
import { encode } from './encode.js';
import { createExporter, type Scheduler } from './exporter.js';
import { attributes } from './json.js';
import type { ResolvedTelemetryOptions } from './options.js';
import { idbOutbox } from './outbox-store.js';
import { SEP, type LogRecord, type Recorder } from './recorder.js';
import { exporterSender, fetchSender } from './send.js';
import type { TelemetryDeps } from './telemetry.js';
import { SDK_VERSION } from './version.js';

/** What the facade (telemetry.ts) hands over; `fetch` and `store` as in TelemetryDeps. */
export interface PipelineContext extends Pick<TelemetryDeps, 'fetch' | 'store' | 'window' | 'document' | 'navigator'> {
  resolved: ResolvedTelemetryOptions;
  recorder: Recorder;
  scheduler: Scheduler;
  now(): number;
  random(): number;
  session: string;
  /** Where losses go once no batch can carry them (after dispose's last collect). */
  unreported: Drop[];
}

/** The facade's calls, as telemetry.ts documents them; flush() does nothing once dispose() has begun. */
export interface Pipeline {
  /** The recorder grew by a series (its key, and whether it is a histogram) or a log record. */
  grew(grown: string | LogRecord, histogram?: boolean): void;
  flush(): Promise<void>;
  dispose(): Promise<void>;
  readonly state: { queued: number; down: boolean };
}

export function createPipeline(c: PipelineContext): Pipeline {
  const { resolved, recorder, now } = c;
  let counter: Recorder | undefined = recorder; // counts drops: the recorder, also while dispose() runs
  let closed = false; // dispose() has begun
  let closing: Promise<void> | undefined;
  const onDrop = (drops: Drop[]) => drops.forEach((d) => (counter ? counter.drop(d) : tally(c.unreported, d)));
  const resource = `{"attributes":${attributes({
    ...resolved.resource,
    'telemetry.sdk.name': 'edge-infer',
    'telemetry.sdk.language': 'webjs',
    'telemetry.sdk.version': SDK_VERSION,
    'session.id': c.session,
  })}}`;
  const store = c.store !== undefined ? c.store ?? undefined
    : resolved.outbox && typeof indexedDB !== 'undefined' ? idbOutbox(resolved.outbox.dbName) : undefined;
  const send = resolved.exporter ? exporterSender(resolved.exporter) : fetchSender(resolved.endpoint!, resolved.headers, c.fetch ?? fetch.bind(globalThis));
  const exporter = createExporter(
    { ...resolved, maxOutbox: resolved.outbox ? resolved.outbox.maxBatches : 0 },
    { send, store, scheduler: c.scheduler, now, random: c.random, session: c.session, onDrop },
  );
  const detach: (() => void)[] = [];
  const nav = c.navigator ?? (globalThis.navigator as PipelineContext['navigator']);
  const machine = [nav?.hardwareConcurrency, nav?.deviceMemory];

  // About the size of the encoding of what the recorder holds, of its series and of its log records (they go in
  // separate requests): when either nears maxBatchBytes, an export starts at once. What was recorded before this
  // pipeline was made (during its import) is not counted: that only delays such an export, never breaks a limit.
  let bytes = 0;
  let logBytes = 0;
  let full = false;

  function grew(grown: string | LogRecord, histogram?: boolean) {
    if (typeof grown === 'string') {
      // An attribute costs about 50 bytes and its value.
      bytes += grown.length + 50 * grown.split(SEP).length + (histogram ? 330 : 110);
    } else {
      // An error's message (at most 500 once redacted), details and model; the device.
      const message = 'error' in grown ? (grown.error as { message?: unknown } | null)?.message : '';
      logBytes += 400 + (typeof message === 'string' ? Math.min(message.length, 500) : 100);
    }
    if (Math.max(bytes, logBytes) > resolved.maxBatchBytes && !full && !closed) {
      full = true;
      c.scheduler.setTimeout(() => void flush(), 0);
    }
  }

  async function flush() {
    if (closed) return;
    take();
    await exporter.settle();
  }

  /** Everything recorded since the last collect, in batches; items too big for any are dropped. */
  function batches(): Batch[] {
    bytes = logBytes = 0;
    full = false;
    const { metrics, logs, lost: unencoded } = encode(recorder.collect(now()), machine);
    onDrop(unencoded);
    const out: Batch[] = [];
    for (const [signal, items] of [['metrics', metrics], ['logs', logs]] as const) {
      const { batches, oversize } = pack(signal, resource, items, resolved.maxBatchBytes);
      out.push(...batches);
      onDrop(lost(oversize, 'too-large', signal));
    }
    return out;
  }

  function take() {
    if (!recorder.empty) exporter.add(batches());
  }

  /** The page may be closing: what was recorded leaves now, with keepalive. */
  function hide() {
    if (closed) return;
    take();
    exporter.hide();
  }

  function wake() {
    if (!closed) exporter.wake();
  }

  function listen(target: EventTarget | undefined, type: string, handler: () => void) {
    target?.addEventListener?.(type, handler);
    detach.push(() => target?.removeEventListener?.(type, handler));
  }

  // Listening starts when the pipeline is made: at the first record, or the first export. A page hidden before that
  // (while pipeline.ts was loading) is hidden now; in a microtask, because the first record, which may be what made
  // the pipeline, is not finished yet.
  const doc = c.document ?? globalThis.document;
  const win = c.window ?? globalThis;
  listen(doc, 'visibilitychange', () => (doc?.visibilityState === 'hidden' ? hide() : wake()));
  listen(win, 'pagehide', hide);
  listen(win, 'online', wake);
  if (doc?.visibilityState === 'hidden') queueMicrotask(hide);

  return {
    grew,
    flush,
    dispose() {
      return (closing ??= (async () => {
        closed = true;
        detach.splice(0).forEach((off) => off());
        take();
        await exporter.close(() => {
          counter = undefined; // the last collect: what is lost from here on can only be told through stats()
          return batches();
        });
      })());
    },
    get state() {
      return exporter.state;
    },
  };
}
