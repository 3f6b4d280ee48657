// In real Chromium: a page that creates telemetry does not fetch its export half (pipeline.ts: encoding, sending,
// the outbox) until the first record, which starts the import so that it is there before the page can hide.
import { expect, test } from 'vitest';
import { createTelemetry } from '../../src/telemetry/index.js';
import { until } from './helpers.js';

/** Whether this page has fetched pipeline.ts (the dev server serves each module as its own file). */
const fetched = () => performance.getEntriesByType('resource').some((e) => e.name.includes('/src/telemetry/pipeline.ts'));

test('pipeline.ts is fetched at the first record, not before; the export then works as ever', async () => {
  const sent: string[] = [];
  const telemetry = createTelemetry({ exporter: ({ body }) => void sent.push(body), serviceName: 'lazy-test', intervalMs: 3_600_000, outbox: false });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(fetched()).toBe(false);
  telemetry.recordInference({ id: 'digits', version: '1.0.0', backend: 'wasm' }, 2);
  expect(await until(async () => fetched(), (yes) => yes, 10_000)).toBe(true); // the record started it: no export yet
  expect(sent).toHaveLength(0);
  await telemetry.flush();
  expect(sent).toHaveLength(1);
  expect(sent[0]).toContain('edge_infer.inference.duration');
  await telemetry.dispose();
});
