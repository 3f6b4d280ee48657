import { expect, test } from 'vitest';
import { mergeBins } from '../../../src/telemetry/monitor-metrics.js';
import { createRecorder, DROPPED, FEATURE_BINS, SEP } from '../../../src/telemetry/recorder.js';

test('feature histograms add up per series; counts under other bounds are counted as lost, not mixed in', () => {
  const recorder = createRecorder({ maxSeries: 100, maxLogs: 10 }, 0);
  const key = `digits${SEP}1.0.0${SEP}${SEP}pixels.mean`; // no arm
  const edges = [0.1, 0.2];
  mergeBins(recorder, key, edges, [1, 2, 3]);
  mergeBins(recorder, key, [0.1, 0.2], [4, 5, 6]); // equal edges, another array
  mergeBins(recorder, key, [0.1, 0.3], [7, 8, 9]);
  const { series } = recorder.collect(1);
  expect(series[FEATURE_BINS]!.get(key)).toMatchObject({ bounds: edges, buckets: [5, 7, 9], records: 2 });
  expect(series[DROPPED]!.get(`bounds-mismatch${SEP}metrics`)?.value).toBe(1);
});
