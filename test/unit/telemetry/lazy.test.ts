// The export half (pipeline.ts) loads on demand: at the first record, or at the first export with something to do.
// These tests hold its import back, or fail it, to check that nothing is sent early, lost, or sent twice meanwhile.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import * as pipelineModule from '../../../src/telemetry/pipeline.js';
import { total } from '../../../scripts/otlp-summary.js';
import { decoded, model } from './helpers.js';
import { setup } from './setup.js';

afterEach(() => void vi.useRealTimers());

const INFERENCE = 'edge_infer.inference.duration';

/** A loader whose import finishes (or fails) when the test says so; each call is one import attempt. */
function heldImport() {
  const attempts: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const load = vi.fn(
    () =>
      new Promise<typeof pipelineModule>((resolve, reject) => {
        attempts.push({ resolve: () => resolve(pipelineModule), reject });
      }),
  );
  return { load, attempts, last: () => attempts[attempts.length - 1]! };
}

describe('when pipeline.ts is imported', () => {
  test('not at creation nor on empty intervals without an outbox; at the first record, once', async () => {
    const held = heldImport();
    const { telemetry, advance } = setup({ intervalMs: 1000, outbox: false }, undefined, { store: null, loadPipeline: held.load });
    await advance(5000);
    expect(held.load).not.toHaveBeenCalled();
    telemetry.recordInference(model, 1);
    telemetry.recordInference({ ...model, id: 'other' }, 1);
    telemetry.recordCache(model, true);
    expect(held.load).toHaveBeenCalledTimes(1);
    held.last().resolve();
    await telemetry.dispose();
    expect(held.load).toHaveBeenCalledTimes(1);
  });

  test('with an outbox, the first interval imports it to drain what earlier sessions left', async () => {
    const held = heldImport();
    const { advance } = setup({ intervalMs: 1000 }, undefined, { loadPipeline: held.load });
    await advance(999);
    expect(held.load).not.toHaveBeenCalled();
    await advance(1);
    expect(held.load).toHaveBeenCalledTimes(1);
  });
});

describe('records made while the import is under way', () => {
  test('are exported once it is done, counted once', async () => {
    const held = heldImport();
    const { telemetry, sent, advance } = setup({ intervalMs: 1000 }, undefined, { loadPipeline: held.load });
    for (let i = 0; i < 7; i++) telemetry.recordInference(model, 1);
    await advance(3000); // three intervals pass while the import is held
    expect(sent).toHaveLength(0);
    held.last().resolve();
    await advance(0);
    for (let i = 0; i < 3; i++) telemetry.recordInference(model, 1);
    await telemetry.flush();
    expect(total(decoded(sent), INFERENCE)).toBe(10);
  });

  test('a page hidden meanwhile sends them with keepalive as soon as the import is done', async () => {
    const held = heldImport();
    const { telemetry, sent, hide, advance } = setup({ intervalMs: 3_600_000 }, undefined, { loadPipeline: held.load });
    for (let i = 0; i < 3; i++) telemetry.recordInference(model, 1);
    hide();
    await advance(0);
    expect(sent).toHaveLength(0);
    held.last().resolve();
    await advance(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.keepalive).toBe(true);
    expect(total(decoded(sent), INFERENCE)).toBe(3);
  });

  test('a failed import keeps them for the next export, which imports again', async () => {
    const held = heldImport();
    const { telemetry, sent } = setup({ intervalMs: 3_600_000 }, undefined, { loadPipeline: held.load });
    for (let i = 0; i < 4; i++) telemetry.recordInference(model, 1);
    held.last().reject(new TypeError('Failed to fetch dynamically imported module'));
    await telemetry.flush(); // resolves: telemetry never fails the app
    expect(sent).toHaveLength(0);
    expect(telemetry.stats().series).toBe(1);
    const again = telemetry.flush();
    expect(held.load).toHaveBeenCalledTimes(2);
    held.last().resolve();
    await again;
    expect(total(decoded(sent), INFERENCE)).toBe(4);
  });
});

describe('dispose before the import is done', () => {
  test('waits for it and sends what was recorded', async () => {
    const held = heldImport();
    const { telemetry, sent, advance } = setup({}, undefined, { loadPipeline: held.load });
    for (let i = 0; i < 5; i++) telemetry.recordInference(model, 1);
    let done = false;
    void telemetry.dispose().then(() => (done = true));
    await advance(300);
    held.last().resolve();
    await advance(0);
    expect(done).toBe(true);
    expect(sent.map((s) => s.keepalive)).toEqual([true]);
    expect(total(decoded(sent), INFERENCE)).toBe(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('an import that never finishes: the drops the recorder counted are told too, before what was recorded', async () => {
    const held = heldImport();
    const { telemetry, advance } = setup({ outbox: false, maxLogs: 1 }, undefined, { store: null, loadPipeline: held.load });
    telemetry.recordCache(model, true);
    for (let i = 0; i < 3; i++) telemetry.recordError(new EdgeInferError('inference-failed', 'x'));
    void telemetry.dispose();
    await advance(1000);
    expect(telemetry.stats().unreported).toEqual([
      { reason: 'log-limit', signal: 'logs', count: 2 },
      { reason: 'disposed', signal: 'metrics', count: 4 },
      { reason: 'disposed', signal: 'logs', count: 1 },
    ]);
  });

  test('an import that never finishes: resolves within a second and counts what was recorded as unreported', async () => {
    const held = heldImport();
    const { telemetry, sent, window, advance } = setup({ outbox: false }, undefined, { store: null, loadPipeline: held.load });
    const listening = new Set<string>();
    vi.spyOn(window, 'addEventListener').mockImplementation((type) => void listening.add(type));
    vi.spyOn(window, 'removeEventListener').mockImplementation((type) => void listening.delete(type));
    for (let i = 0; i < 5; i++) telemetry.recordInference(model, 1);
    telemetry.recordError(new EdgeInferError('inference-failed', 'x'));
    let done = false;
    void telemetry.dispose().then(() => (done = true));
    await advance(999);
    expect(done).toBe(false);
    await advance(1);
    expect(done).toBe(true);
    expect(telemetry.stats().unreported).toEqual([
      { reason: 'disposed', signal: 'metrics', count: 6 },
      { reason: 'disposed', signal: 'logs', count: 1 },
    ]);
    expect(vi.getTimerCount()).toBe(0);
    // The import finishes after all: the pipeline it makes is disposed at once, sends nothing and stops listening.
    held.last().resolve();
    await advance(0);
    expect(sent).toHaveLength(0);
    expect(listening.size).toBe(0);
  });

  test('with nothing recorded, no import is waited for', async () => {
    const held = heldImport();
    const { telemetry } = setup({}, undefined, { loadPipeline: held.load });
    await telemetry.dispose();
    expect(held.load).not.toHaveBeenCalled();
  });
});
