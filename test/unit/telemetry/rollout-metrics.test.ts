// Per-arm attributes on model series (`model.arm`) and the rollout metrics (rollout-metrics.ts), read back from the
// OTLP JSON the exporter sends.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { total, type SeriesTotal } from '../../../scripts/otlp-summary.js';
import { INFERENCE_BOUNDS } from '../../../src/telemetry/recorder.js';
import { recordDrift, recordOutcome } from '../../../src/telemetry/monitor-metrics.js';
import { DIFF_BOUNDS, recordRollback, recordShadow } from '../../../src/telemetry/rollout-metrics.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import { codeOf as code } from '../code-of.js';
import { decoded, model } from './helpers.js';
import { setup } from './setup.js';

afterEach(() => void vi.useRealTimers());

const variant = { ...model, version: '2.0.0', assignment: { version: '2.0.0', arm: 'variant' } };
const keys = (series: SeriesTotal[] | undefined) => (series ?? []).map((s) => Object.keys(s.attributes));

describe('model.arm', () => {
  test('a model without an assignment sends exactly the attributes it did before arms', async () => {
    const { telemetry, sent } = setup();
    telemetry.recordInference(model, 2);
    telemetry.recordLoad({ ...model, source: 'network', bytes: 10 }, 100);
    telemetry.recordCache(model, true);
    telemetry.recordError(new Error('boom'), model);
    recordOutcome(telemetry, model, 'correct');
    await telemetry.flush();
    const s = decoded(sent);
    expect(keys(s.metrics['edge_infer.inference.duration'])).toEqual([['model.id', 'model.version', 'backend', 'status']]);
    expect(keys(s.metrics['edge_infer.model.load.duration'])).toEqual([['model.id', 'model.version', 'backend', 'source']]);
    expect(keys(s.metrics['edge_infer.cache.requests'])).toEqual([['model.id', 'model.version', 'cache', 'result'], ['model.id', 'model.version', 'cache', 'result']]);
    expect(keys(s.metrics['edge_infer.download.size'])).toEqual([['model.id', 'model.version']]);
    expect(keys(s.metrics['edge_infer.outcomes'])).toEqual([['model.id', 'model.version', 'outcome']]);
    expect(s.logs[0]!.attributes).not.toHaveProperty('model.arm');
    expect(JSON.stringify(sent.map((r) => r.body))).not.toMatch(/model\.arm/);
  });

  test("a variant's inference, load, cache, download, drift and outcome series and error logs carry model.arm", async () => {
    const { telemetry, sent } = setup();
    telemetry.recordInference(variant, 2);
    telemetry.recordInference(variant, 3, 'error');
    telemetry.recordLoad({ ...variant, source: 'network', bytes: 10 }, 100);
    telemetry.recordCache(variant, false);
    telemetry.recordError(new Error('boom'), variant);
    // No score: the test decoder (test/server/otlp-decode.ts) knows no gauges.
    recordDrift(telemetry, variant, [{ name: 'x', kind: 'input', score: NaN, drift: true, edges: [0.5], counts: [1, 2] }]);
    recordOutcome(telemetry, variant, 'wrong');
    await telemetry.flush();
    const s = decoded(sent);
    const arm = { 'model.id': 'digits', 'model.version': '2.0.0', 'model.arm': 'variant' };
    expect(total(s, 'edge_infer.inference.duration', arm)).toBe(2);
    expect(total(s, 'edge_infer.inference.duration', { ...arm, status: 'error' })).toBe(1);
    expect(total(s, 'edge_infer.model.load.duration', arm)).toBe(1);
    expect(total(s, 'edge_infer.cache.requests', { ...arm, cache: 'weights', result: 'miss' })).toBe(1);
    expect(total(s, 'edge_infer.cache.requests', { ...arm, cache: 'output', result: 'miss' })).toBe(1);
    expect(total(s, 'edge_infer.download.size', arm)).toBe(10);
    expect(total(s, 'edge_infer.drift.alerts', arm)).toBe(1);
    expect(total(s, 'edge_infer.outcomes', { ...arm, outcome: 'wrong' })).toBe(1);
    expect(s.logs[0]!.attributes).toMatchObject({ 'model.id': 'digits', 'model.version': '2.0.0', 'model.arm': 'variant' });
    // Errors count by code and model id only, as before.
    expect(keys(s.metrics['edge_infer.errors'])).toEqual([['error.code', 'model.id']]);
  });

  test('the arm is read at every record: a model rolled back while loaded changes series', async () => {
    const { telemetry, sent } = setup();
    let assignment = { arm: 'variant' };
    const live = { id: 'digits', backend: 'wasm' as const, get version() { return assignment.arm === 'variant' ? '2.0.0' : '1.0.0'; }, get assignment() { return assignment; } };
    for (let i = 0; i < 3; i++) telemetry.recordInference(live, 1);
    assignment = { arm: 'rolled-back' };
    for (let i = 0; i < 2; i++) telemetry.recordInference(live, 1);
    // Same id and version, another arm: the cached series key must not be reused.
    telemetry.recordInference({ ...model, assignment: { arm: 'stable' } }, 1);
    telemetry.recordInference({ ...model, assignment: { arm: 'pinned' } }, 1);
    await telemetry.flush();
    const s = decoded(sent);
    expect(total(s, 'edge_infer.inference.duration', { 'model.version': '2.0.0', 'model.arm': 'variant' })).toBe(3);
    expect(total(s, 'edge_infer.inference.duration', { 'model.version': '1.0.0', 'model.arm': 'rolled-back' })).toBe(2);
    expect(total(s, 'edge_infer.inference.duration', { 'model.version': '1.0.0', 'model.arm': 'stable' })).toBe(1);
    expect(total(s, 'edge_infer.inference.duration', { 'model.version': '1.0.0', 'model.arm': 'pinned' })).toBe(1);
  });

  test('an assignment that is not an object with one of the four arms throws telemetry-invalid', () => {
    const { telemetry } = setup();
    for (const assignment of [null, 'variant', {}, { arm: 'canary' }, { arm: 1 }, { arm: '' }]) {
      const bad = { ...model, assignment } as never;
      expect(code(() => telemetry.recordInference(bad, 1))).toBe('telemetry-invalid');
      expect(code(() => telemetry.recordCache(bad, true))).toBe('telemetry-invalid');
      expect(code(() => telemetry.recordError(new Error('x'), bad))).toBe('telemetry-invalid');
      expect(code(() => recordShadow(telemetry, bad, { version: '1', agree: true }))).toBe('telemetry-invalid');
    }
    // Checked when telemetry is off too, like every other record call.
    expect(code(() => createTelemetry(undefined).recordInference({ ...model, assignment: { arm: 'x' } } as never, 1))).toBe('telemetry-invalid');
  });
});

describe('rollout metrics', () => {
  test('rollbacks: model.version is the version rolled back from; reasons outside the known codes are sent as other', async () => {
    const { telemetry, sent } = setup();
    const rolled = { id: 'digits', version: '1.0.0', assignment: { arm: 'rolled-back' } };
    recordRollback(telemetry, rolled, { from: '2.0.0', to: '1.0.0', reason: 'max-p95-ms' });
    recordRollback(telemetry, rolled, { from: '2.0.0', to: '1.0.0', reason: 'max-p95-ms: p95 312 ms > 250 ms' });
    recordRollback(telemetry, rolled, { from: '2.0.0', to: '1.0.0', reason: 'min-agreement' });
    recordRollback(telemetry, rolled, { from: 'https://u:p@cdn.example.com/v2.onnx?sig=1', to: '1.0.0', reason: 'user john@example.com said so' });
    await telemetry.flush();
    const s = decoded(sent);
    const series = s.metrics['edge_infer.rollout.rollbacks']!;
    expect(keys(series)[0]).toEqual(['model.id', 'model.version', 'rollout.to', 'reason']);
    expect(total(s, 'edge_infer.rollout.rollbacks', { 'model.id': 'digits', 'model.version': '2.0.0', 'rollout.to': '1.0.0', reason: 'max-p95-ms' })).toBe(2);
    expect(total(s, 'edge_infer.rollout.rollbacks', { reason: 'min-agreement' })).toBe(1);
    expect(total(s, 'edge_infer.rollout.rollbacks', { 'model.version': 'https://cdn.example.com/v2.onnx', reason: 'other' })).toBe(1);
    expect(JSON.stringify(sent.map((r) => r.body))).not.toMatch(/john|sig=|u:p@|312/);
  });

  test('shadow runs by result, their duration and largest difference, per served model and shadow version', async () => {
    const { telemetry, sent } = setup();
    const served = { id: 'digits', version: '1.0.0', assignment: { arm: 'stable' } };
    for (let i = 0; i < 7; i++) recordShadow(telemetry, served, { version: '2.0.0', ms: 4, agree: true, maxAbsDiff: 0.00002 });
    recordShadow(telemetry, served, { version: '2.0.0', ms: 30, agree: false, maxAbsDiff: 0.7 });
    recordShadow(telemetry, served, { version: '2.0.0', agree: false, maxAbsDiff: Infinity });
    recordShadow(telemetry, served, { version: '2.0.0', ms: 1, error: 'model-invalid' });
    recordShadow(telemetry, served, { version: '2.0.0', error: 'Failed: input 8123 at https://x/y?k=1' });
    recordShadow(telemetry, { id: 'digits', version: '1.0.0' }, { version: '2.0.0', agree: true });
    await telemetry.flush();
    const s = decoded(sent);
    const m = { 'model.id': 'digits', 'model.version': '1.0.0', 'model.arm': 'stable', 'shadow.version': '2.0.0' };
    expect(total(s, 'edge_infer.shadow.runs', { ...m, result: 'agree' })).toBe(7);
    expect(total(s, 'edge_infer.shadow.runs', { ...m, result: 'disagree' })).toBe(2);
    expect(total(s, 'edge_infer.shadow.runs', { ...m, result: 'error', 'error.code': 'model-invalid' })).toBe(1);
    expect(total(s, 'edge_infer.shadow.runs', { ...m, result: 'error', 'error.code': 'unknown' })).toBe(1);
    // Without an assignment: no model.arm, and no error.code on a run that did not fail.
    const plain = s.metrics['edge_infer.shadow.runs']!.find((x) => !('model.arm' in x.attributes))!;
    expect(Object.keys(plain.attributes)).toEqual(['model.id', 'model.version', 'shadow.version', 'result']);
    expect(plain.count).toBe(1);

    const [duration] = s.metrics['edge_infer.shadow.duration']!;
    expect(duration).toMatchObject({ attributes: m, count: 9, bounds: INFERENCE_BOUNDS });
    expect(duration!.sum).toBeCloseTo((7 * 4 + 30 + 1) / 1000, 9);
    const [diff] = s.metrics['edge_infer.shadow.max_abs_diff']!;
    expect(diff).toMatchObject({ attributes: m, count: 8, bounds: DIFF_BOUNDS }); // Infinity is left out
    expect(diff!.buckets![DIFF_BOUNDS.indexOf(0.0001)]).toBe(7);
    expect(diff!.buckets![DIFF_BOUNDS.indexOf(1)]).toBe(1);
    const body = sent.map((r) => r.body).join('\n');
    expect(body).toMatch(/"name":"edge_infer.shadow.duration","unit":"s","histogram"/);
    expect(body).toMatch(/"name":"edge_infer.shadow.runs","unit":"1","sum":\{"isMonotonic":true,"aggregationTemporality":1/);
    expect(body).not.toMatch(/8123|Failed/);
  });

  test('bad points throw telemetry-invalid, also when telemetry is off', () => {
    for (const telemetry of [setup().telemetry, createTelemetry(undefined)]) {
      const m = { id: 'digits', version: '1.0.0' };
      for (const point of [undefined, {}, { from: '2', to: '1' }, { from: '2', to: 1, reason: 'x' }]) {
        expect(code(() => recordRollback(telemetry, m, point as never))).toBe('telemetry-invalid');
      }
      for (const point of [undefined, {}, { version: 2 }, { version: '2', ms: -1 }, { version: '2', ms: NaN }, { version: '2', agree: 'yes' }, { version: '2', maxAbsDiff: -0.1 }, { version: '2', error: 42 }]) {
        expect(code(() => recordShadow(telemetry, m, point as never))).toBe('telemetry-invalid');
      }
      expect(code(() => recordRollback(telemetry, { id: 7 } as never, { from: '2', to: '1', reason: 'load-failed' }))).toBe('telemetry-invalid');
      expect(code(() => recordShadow(telemetry, m, { version: '2', maxAbsDiff: NaN }))).toBeUndefined();
    }
  });
});
