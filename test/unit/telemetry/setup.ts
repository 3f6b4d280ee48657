import { vi } from 'vitest';
import { memoryOutbox, type OutboxStore } from '../../../src/telemetry/outbox-store.js';
import { createTelemetry, type TelemetryDeps } from '../../../src/telemetry/telemetry.js';
import type { TelemetryOptions } from '../../../src/telemetry/options.js';
import { recordingExporter } from './helpers.js';

export const T0 = 1_760_000_000_000;

// The export half (pipeline.ts) loads at a telemetry's first record; once a page has it, later telemetries make their
// pipeline at once. Tests start from there: the import under way or failing is tested apart (lazy.test.ts).
await warmUp();

async function warmUp() {
  const telemetry = createTelemetry({ exporter: () => undefined }, { store: null });
  telemetry.recordCache({ id: 'warm-up' }, true);
  await telemetry.flush(); // waits for the import however long it takes; dispose() alone gives up after a second
  await telemetry.dispose();
}

/** A telemetry with fake timers, a fake page (window, document) and a recording exporter. */
export function setup(options: TelemetryOptions = {}, answer?: Parameters<typeof recordingExporter>[0], deps: TelemetryDeps = {}) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
  const { sent, exporter } = recordingExporter(answer);
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const store: OutboxStore & { batches: Map<string, unknown> } = memoryOutbox();
  const telemetry = createTelemetry(
    { exporter, serviceName: 'unit', ...options },
    { window, document, store, random: () => 0.5, sessionId: 'session-1', navigator: { hardwareConcurrency: 8, deviceMemory: 4 }, ...deps },
  );
  const hide = () => {
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
  };
  return { telemetry, sent, window, document, store, hide, advance: (ms: number) => vi.advanceTimersByTimeAsync(ms) };
}
