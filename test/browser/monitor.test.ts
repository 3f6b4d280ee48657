// Drift monitoring and outcomes end to end in Chromium: a digits profile made from held-out rows, then unchanged,
// inverted and unchanged rows again through the worker, outcomes joined, and what telemetry exports.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRuntime, type Model, type Runtime } from '../../src/index.js';
import { buildProfile } from '../../src/monitor/profile.js';
import type { Profile } from '../../src/monitor/profile-types.js';
import type { MonitorDetail } from '../../src/monitor/monitor.js';
import { digitsTestSet } from './data.js';
import { expectCode, MODELS } from './helpers.js';

const REFERENCE = 1000;
let test_: { pixels: Float32Array; labels: Uint8Array };
let profile: Profile;
let runtime: Runtime;
const bodies: string[] = [];

const row = (i: number, shift: (v: number) => number = (v) => v) => ({ pixels: { data: test_.pixels.slice(i * 784, (i + 1) * 784).map(shift), dims: [1, 784] } });

beforeAll(async () => {
  test_ = await digitsTestSet();
  runtime = createRuntime({
    backends: ['wasm'], cache: false, storage: { dbName: `monitor-${Date.now()}` },
    telemetry: { exporter: (r) => void bodies.push(r.body), intervalMs: 3_600_000 },
  });
  // The reference: the first 1,000 held-out rows and the model's outputs for them.
  const plain = await runtime.load({ url: MODELS.digits, id: 'digits-ref' });
  const pixels = test_.pixels.slice(0, REFERENCE * 784);
  const { outputs } = await plain.run({ pixels: { data: pixels, dims: [REFERENCE, 784] } });
  profile = buildProfile({
    inputs: plain.inputs, outputs: plain.outputs, sha256: plain.sha256, calibrationWindows: 400,
    rows: { inputs: { pixels: { dtype: 'float32', dims: [REFERENCE, 784], data: pixels } }, outputs: outputs as never },
  });
  plain.dispose();
}, 120_000);

afterAll(() => runtime?.dispose());

describe('drift monitoring', () => {
  let model: Model;
  const events: [string, MonitorDetail][] = [];

  test('unchanged rows stay ok; inverted ones drift once per episode; then it recovers', async () => {
    model = await runtime.load({ url: MODELS.digits, id: 'digits' }, { monitor: { profile, windowSize: 100 } });
    expect(model.monitor.report()).toMatchObject({ status: 'warming-up', windows: 0, windowSize: 100 });
    model.monitor.on('drift', (d) => events.push(['drift', d]));
    model.monitor.on('recovered', (d) => events.push(['recovered', d]));
    const runs = async (from: number, n: number, shift?: (v: number) => number) => {
      for (let i = from; i < from + n; i++) await model.run(row(i, shift));
      await new Promise((r) => setTimeout(r, 50)); // the last window arrives just after the last reply
    };
    await runs(REFERENCE, 300);
    expect(model.monitor.report()).toMatchObject({ status: 'ok', windows: 3, alerts: 0 });
    await runs(REFERENCE + 300, 200, (v) => 1 - v);
    const drifted = model.monitor.report();
    expect(drifted).toMatchObject({ status: 'drift', windows: 5, alerts: 1 });
    const mean = drifted.last!.features.find((f) => f.name === 'pixels.mean')!;
    expect(mean.drift).toBe(true);
    expect(mean.score).toBeGreaterThan(mean.threshold);
    expect(events.map((e) => e[0])).toEqual(['drift']); // two drifted windows, one episode
    await runs(REFERENCE + 500, 200);
    expect(model.monitor.report()).toMatchObject({ status: 'ok', windows: 7, alerts: 1 });
    expect(events.map((e) => e[0])).toEqual(['drift', 'recovered']);
    expect(model.monitor.report().history.map((h) => h.drifted.length > 0)).toEqual([false, false, false, true, true, false, false]);
  }, 120_000);

  test('outcomes join to predictions and give accuracy; unknown ids are counted, malformed ones rejected', async () => {
    const correct: boolean[] = [];
    for (let i = 0; i < 50; i++) {
      const result = await model.run(row(1700 + i));
      expect(result.predictionId).toMatch(/^[0-9a-f]{16}$/);
      const label = test_.labels[1700 + i]!;
      const probs = result.outputs.probabilities!.data as Float32Array;
      correct.push(probs.indexOf(Math.max(...probs)) === label);
      expect(await runtime.recordOutcome(result.predictionId!, label)).toBe('joined');
      if (i === 0) expect(await runtime.recordOutcome(result.predictionId!, label)).toBe('duplicate');
    }
    const quality = model.monitor.quality()!;
    expect(quality.kind).toBe('classifier');
    expect(quality.total.count).toBe(50);
    expect((quality.total as { accuracy: number }).accuracy).toBeCloseTo(correct.filter(Boolean).length / 50, 10);
    expect(await runtime.recordOutcome('0123456789abcdef', 3)).toBe('unknown');
    await expectCode(runtime.recordOutcome('not an id', 3), 'input-invalid');
    const last = await model.run(row(1800));
    await expectCode(runtime.recordOutcome(last.predictionId!, 10), 'input-invalid'); // 10 classes: 0..9
    // A batch of rows has no single prediction to score.
    expect((await model.run({ pixels: { data: test_.pixels.slice(0, 2 * 784), dims: [2, 784] } })).predictionId).toBeUndefined();
  }, 60_000);

  test('telemetry exports drift scores, alerts and the feature histograms with the profile\'s bin edges', async () => {
    await (runtime as unknown as { telemetry: { flush(): Promise<void> } }).telemetry.flush();
    const metrics = bodies.flatMap((b) => JSON.parse(b).resourceMetrics ?? []).flatMap((r: { scopeMetrics: { metrics: unknown[] }[] }) => r.scopeMetrics.flatMap((s) => s.metrics)) as {
      name: string; histogram?: { dataPoints: { attributes: { key: string; value: { stringValue: string } }[]; explicitBounds: number[]; bucketCounts: string[] }[] };
      sum?: { dataPoints: { asInt: string }[] }; gauge?: { dataPoints: { asDouble: number }[] };
    }[];
    const names = new Set(metrics.map((m) => m.name));
    for (const n of ['edge_infer.drift.score', 'edge_infer.drift.alerts', 'edge_infer.drift.feature', 'edge_infer.outcomes']) expect(names).toContain(n);
    const points = metrics.filter((m) => m.name === 'edge_infer.drift.feature').flatMap((m) => m.histogram!.dataPoints);
    const mean = points.find((p) => p.attributes.some((a) => a.key === 'feature' && a.value.stringValue === 'pixels.mean'))!;
    expect(mean.explicitBounds).toEqual(profile.features.find((f) => f.name === 'pixels.mean')!.edges);
    expect(mean.bucketCounts.reduce((n, c) => n + Number(c), 0)).toBe(700); // seven windows of 100
    const cls = points.find((p) => p.attributes.some((a) => a.value.stringValue === 'probabilities.class'))!;
    expect(cls.explicitBounds).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
  }, 30_000);

  test('a profile that does not fit the model fails the load with profile-invalid; a broken one too', async () => {
    await expectCode(runtime.load({ url: MODELS.forecast, id: 'forecast' }, { monitor: { profile } }), 'profile-invalid');
    await expectCode(runtime.load({ url: MODELS.digits, id: 'd2' }, { monitor: { profile: { ...profile, windows: [] } } }), 'profile-invalid');
    await expectCode(runtime.load({ url: MODELS.digits, id: 'd3' }, { monitor: {} }), 'options-invalid'); // no manifest to name one
    await expectCode(runtime.load({ url: MODELS.digits, id: 'd4' }, { monitor: { profile, windowSize: 1 } }), 'options-invalid');
    const unmonitored = await runtime.load({ url: MODELS.digits, id: 'd5' });
    expect(unmonitored.monitor.report().status).toBe('off');
    expect((await unmonitored.run(row(0))).predictionId).toBeUndefined();
  }, 60_000);
});
