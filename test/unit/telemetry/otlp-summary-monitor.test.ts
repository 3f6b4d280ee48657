// The dev receiver's summary of monitoring metrics (scripts/otlp-summary.ts), from what the SDK's own encoder sends:
// the latest drift score per feature, alerts, a feature's bins summed over requests, and outcomes per model.
import { expect, test } from 'vitest';
import { pack, render } from '../../../src/telemetry/batch.js';
import { encode } from '../../../src/telemetry/encode.js';
import { attributes } from '../../../src/telemetry/json.js';
import { ERROR_BOUNDS, mergeBins } from '../../../src/telemetry/monitor-metrics.js';
import { createRecorder, DRIFT_ALERTS, DRIFT_SCORE, OUTCOME_ERROR, OUTCOMES, SEP } from '../../../src/telemetry/recorder.js';
import { summarize, type Received } from '../../../scripts/otlp-summary.js';

const T0 = 1_760_000_000_000;
const limits = { maxSeries: 100, maxLogs: 100, maxBatchBytes: 61_440 };
const key = (...values: string[]) => values.join(SEP);

/** One export of a device (session) as the receiver keeps it. */
function device(session: string, at: number, record: (r: ReturnType<typeof createRecorder>) => void): Received[] {
  const r = createRecorder(limits, at - 1000, () => undefined);
  record(r);
  const resource = `{"attributes":${attributes({ 'service.name': 'test', 'session.id': session })}}`;
  const { batches } = pack('metrics', resource, encode(r.collect(at)).metrics, 61_440);
  return batches.map((b) => ({ receivedAt: at, signal: 'metrics', body: JSON.parse(render(b)) }));
}

test('drift per model and feature: the latest score, alerts and the bins summed over devices; outcomes per model', () => {
  const mean = key('digits', '1.0.0', '', 'pixels.mean');
  const later = device('b', T0 + 10_000, (r) => {
    r.add(DRIFT_SCORE, key('digits', '1.0.0', '', 'pixels.mean', 'input'), 0.9, true);
    r.add(DRIFT_ALERTS, mean, 1);
    mergeBins(r, mean, [0.1, 0.2], [0, 5, 45]);
    for (let i = 0; i < 50; i++) r.add(OUTCOMES, key('digits', '1.0.0', '', i < 5 ? 'correct' : 'wrong'), 1);
  });
  const earlier = device('a', T0, (r) => {
    r.add(DRIFT_SCORE, key('digits', '1.0.0', '', 'pixels.mean', 'input'), 0.05, true);
    r.add(DRIFT_SCORE, key('digits', '1.0.0', '', 'probabilities.class', 'output'), 0.01, true);
    mergeBins(r, mean, [0.1, 0.2], [10, 30, 10]);
    mergeBins(r, key('digits', '1.0.0', '', 'probabilities.class'), [0.5, 1.5], [20, 20, 10]);
    for (let i = 0; i < 50; i++) r.add(OUTCOMES, key('digits', '1.0.0', '', i < 40 ? 'correct' : 'wrong'), 1);
    for (const e of [0.2, 0.4]) r.observe(OUTCOME_ERROR, key('forecast', '1.0.0', ''), e, 1, ERROR_BOUNDS), r.add(OUTCOMES, key('forecast', '1.0.0', '', 'joined'), 1);
  });
  // Bins of another profile under the same names, with fewer rows: kept apart, not summed into the others.
  const other = device('c', T0 + 5_000, (r) => mergeBins(r, mean, [0.3], [3, 4]));

  const summary = summarize([...later, ...earlier, ...other]); // the later export arrives first: the score is still the latest
  expect(summary.drift).toHaveLength(2);
  expect(summary.drift.find((f) => f.feature === 'pixels.mean')).toEqual({
    model: 'digits', version: '1.0.0', feature: 'pixels.mean', kind: 'input', score: 0.9, at: T0 + 10_000, alerts: 1, bounds: [0.1, 0.2], buckets: [10, 35, 55], rows: 100,
  });
  expect(summary.drift.find((f) => f.feature === 'probabilities.class')).toMatchObject({ kind: 'output', score: 0.01, alerts: 0, buckets: [20, 20, 10], rows: 50 });
  expect(summary.metrics['edge_infer.drift.feature']).toHaveLength(3);
  expect(summary.metrics['edge_infer.drift.score']!.find((s) => s.attributes.feature === 'pixels.mean')).toMatchObject({ count: 2, value: 0.9 });
  expect(summary.outcomes.find((o) => o.model === 'digits')).toMatchObject({ correct: 45, wrong: 55, joined: 0 });
  const forecast = summary.outcomes.find((o) => o.model === 'forecast')!;
  expect(forecast).toMatchObject({ correct: 0, wrong: 0, joined: 2, errorCount: 2 });
  expect(forecast.errorSum / forecast.errorCount).toBeCloseTo(0.3, 9);
  expect(summary.sessions).toBe(3);
});

test('a summary with no monitoring metrics has empty drift and outcomes', () => {
  expect(summarize([])).toMatchObject({ drift: [], outcomes: [] });
});
