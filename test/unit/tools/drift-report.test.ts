import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { bindRows, rowFeatures } from '../../../src/monitor/features.js';
import { buildProfile, planOfProfile } from '../../../src/monitor/profile.js';
import type { Profile } from '../../../src/monitor/profile-types.js';
import { DriftWindow } from '../../../src/monitor/window.js';
import { boundsOf, driftReport } from '../../../src/tools/drift-report.js';
import { EXIT, runCli } from '../../../src/tools/index.js';
import { SYNTHETIC_INPUTS, SYNTHETIC_OUTPUTS, syntheticRows } from '../monitor/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'edge-infer-drift-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const profile = buildProfile({ inputs: SYNTHETIC_INPUTS, outputs: SYNTHETIC_OUTPUTS, rows: syntheticRows(4000, 1), calibrationWindows: 200 });

/** One device's closed windows of `size` rows, as the SDK's monitor bins them. */
function windows(p: Profile, rows: number, seed: number, shift: number, size = 200) {
  const bound = bindRows(planOfProfile(p), syntheticRows(rows, seed, shift));
  const window = new DriftWindow(p, size);
  const values = new Float64Array(p.features.length);
  const out = [];
  for (let r = 0; r < bound.rows; r++) {
    window.add(rowFeatures(bound, r, values));
    if (window.full) out.push(window.take());
  }
  return out;
}

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** One OTLP/HTTP JSON metrics request as the SDK encodes it, stored as the dev receiver does. */
function request(device: string, model: string, counts: readonly ArrayLike<number>[], alerts: string[] = [], bounds = (f: number) => boundsOf(profile.features[f]!)) {
  const attrs = (feature: string) => [kv('model.id', model), kv('model.version', '1.0.0'), kv('feature', feature)];
  const times = { startTimeUnixNano: '1000000', timeUnixNano: '2000000' };
  const metrics: unknown[] = [{
    name: 'edge_infer.drift.feature', unit: '1',
    histogram: {
      aggregationTemporality: 1,
      dataPoints: profile.features.map((f, i) => {
        const c = Array.from(counts[i]!);
        return { attributes: attrs(f.name), ...times, count: String(c.reduce((a, b) => a + b, 0)), bucketCounts: c.map(String), explicitBounds: bounds(i) };
      }),
    },
  }];
  if (alerts.length) {
    metrics.push({ name: 'edge_infer.drift.alerts', unit: '1', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: alerts.map((f) => ({ attributes: attrs(f), ...times, asInt: '1' })) } });
  }
  const body = { resourceMetrics: [{ resource: { attributes: [kv('service.name', 'demo'), kv('session.id', device)] }, scopeMetrics: [{ scope: { name: 'edge-infer' }, metrics }] }] };
  return JSON.stringify({ receivedAt: 1, signal: 'metrics', body });
}

function fleet(shift: number) {
  const lines: string[] = [];
  for (let d = 0; d < 5; d++) {
    for (const w of windows(profile, 600, 100 + d, d < 3 ? shift : 0)) lines.push(request(`device-${d}`, 'synthetic', w.counts));
  }
  return lines;
}

test('unchanged devices: rows summed across the fleet, no feature drifts', () => {
  const r = driftReport(profile, fleet(0));
  expect(r).toMatchObject({ requests: 15, devices: 5, models: ['synthetic'], mismatched: 0, unknownFeatures: 0, alerts: 0 });
  expect(r.features.map((f) => f.name)).toEqual(profile.features.map((f) => f.name));
  for (const f of r.features) {
    expect(f).toMatchObject({ rows: 3000, points: 15, drift: false });
    expect(f.psi!).toBeLessThan(f.threshold!);
  }
});

test('a shift on some devices shows at fleet level; categorical bounds are c + 0.5; alerts are counted', () => {
  const lines = fleet(1);
  lines.push(request('device-0', 'synthetic', windows(profile, 200, 7, 1)[0]!.counts, ['x[0]', 'probs.class']));
  lines.push(request('device-1', 'synthetic', windows(profile, 200, 8, 1)[0]!.counts, ['x[0]']));
  const r = driftReport(profile, lines);
  const byName = new Map(r.features.map((f) => [f.name, f]));
  expect(byName.get('x[0]')).toMatchObject({ rows: 3400, drift: true, alerts: 2 });
  expect(byName.get('x[1]')).toMatchObject({ drift: false });
  expect(byName.get('probs.class')?.alerts).toBe(1);
  expect(boundsOf(profile.features.find((f) => f.name === 'probs.class')!)).toEqual([0.5, 1.5]);
  expect(r).toMatchObject({ alerts: 3, devicesAlerting: 2 });
});

test('mismatched bounds, other models, unknown features and bad lines are skipped and counted', () => {
  const counts = windows(profile, 200, 9, 0)[0]!.counts;
  const lines = [
    request('a', 'synthetic', counts),
    request('b', 'synthetic', counts, [], (f) => (f === 0 ? boundsOf(profile.features[0]!).map((b) => b + 0.01) : boundsOf(profile.features[f]!))),
    request('c', 'other', counts),
    JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'edge_infer.drift.feature', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: [kv('model.id', 'synthetic'), kv('feature', 'nope')], bucketCounts: ['1'], explicitBounds: [] }] } }] }] }] }),
    JSON.stringify({ receivedAt: 2, signal: 'logs', body: { resourceLogs: [] } }),
    '{ not json',
    '',
  ];
  const r = driftReport(profile, lines, { model: 'synthetic' });
  expect(r).toMatchObject({ model: 'synthetic', lines: 6, badLines: 1, requests: 4, mismatched: 1, unknownFeatures: 1, models: ['other', 'synthetic'] });
  expect(r.features[0]).toMatchObject({ rows: 200, points: 1 }); // b's x[0] had other bounds
  expect(r.features[1]).toMatchObject({ rows: 400, points: 2 });
  expect(driftReport(profile, lines).features[1]!.rows).toBe(600); // no --model: every model's matching points
  const none = driftReport(profile, [], {});
  expect(none.features[0]).toMatchObject({ rows: 0, psi: null, threshold: null, drift: false });
});

test('the CLI: a table by default, the report with --json, exit 1 on a bad profile', async () => {
  const received = join(dir, 'received.jsonl');
  writeFileSync(received, fleet(1).join('\n') + '\n');
  const profilePath = join(dir, 'profile.json');
  writeFileSync(profilePath, JSON.stringify(profile));
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const text = await run('drift-report', received, profilePath);
  expect(text.code).toBe(EXIT.ok);
  expect(text.out).toMatch(/15 metrics request\(s\) from 5 device\(s\)/);
  expect(text.out).toMatch(/^feature +rows +PSI +threshold +drift +alerts$/m);
  expect(text.out).toMatch(/^x\[0\] +3,000 +[\d.]+ +[\d.]+ +yes +0$/m);
  expect(text.out).toMatch(/^x\[1\] +3,000 +[\d.]+ +[\d.]+ +no +0$/m);
  expect(text.out).toMatch(/devices raised 0 alert\(s\)/);
  const json = await run('drift-report', received, profilePath, '--model', 'synthetic', '--json');
  expect(json.code).toBe(EXIT.ok);
  expect(JSON.parse(json.out)).toMatchObject({ model: 'synthetic', devices: 5, features: expect.arrayContaining([expect.objectContaining({ name: 'x[0]', drift: true })]) });

  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...profile, version: 2 }));
  const bad = await run('drift-report', received, join(dir, 'bad.json'));
  expect(bad.code).toBe(EXIT.error);
  expect(bad.err).toMatch(/bad\.json: version: expected 1, got 2/);
  const missing = await run('drift-report', join(dir, 'none.jsonl'), profilePath);
  expect(missing.code).toBe(EXIT.error);
  expect(missing.err).toMatch(/none\.jsonl: no such file/);
});
