// The int8 variants `npm run models` records in models/manifest.json: the files, their signatures, and the
// issue's quality and size gates, re-measured here on the held-out data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { measureQuality } from '../../../models/int8/quality.mjs';
import { inspect, quantize, type QuantizeMode } from '../../../src/tools/index.js';

interface Variant {
  precision: string;
  mode: QuantizeMode;
  backends: string[];
  file: string;
  bytes: number;
  sha256: string;
  metrics: Record<string, number>;
  recommended: boolean;
  quantizer: Record<string, unknown>;
}
interface Entry {
  id: string;
  file: string;
  bytes: number;
  metrics: Record<string, number>;
  variants: Variant[];
}

const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { models: Entry[] };
const read = (file: string) => new Uint8Array(readFileSync(`models/${file}`));

/** The gates, per model: the value measured on the held-out data and whether it passes. */
const GATES: Record<string, (v: Record<string, number>, fp32: Record<string, number>) => { value: number; passed: boolean }> = {
  digits: (v, f) => ({ value: (f.testAccuracy! - v.testAccuracy!) * 100, passed: (f.testAccuracy! - v.testAccuracy!) * 100 <= 0.5 }),
  forecast: (v, f) => ({ value: v.mae! / f.mae!, passed: v.mae! <= 1.02 * f.mae! }),
  vad: (v) => ({ value: v.decisionAgreementWithFp32!, passed: v.decisionAgreementWithFp32! >= 0.99 }),
};
// Models whose weights dominate a file of more than 100 KiB; forecast (28 KB, 1.9 KB of it graph and docs) is not.
const WEIGHT_HEAVY = ['digits', 'vad'];

test('digits, forecast and vad each have a dynamic (WASM) and a weights (WebGPU) int8 variant', () => {
  for (const id of ['digits', 'forecast', 'vad']) {
    const entry = manifest.models.find((m) => m.id === id)!;
    expect(entry.variants.map((v) => [v.precision, v.mode, v.backends.includes(v.mode === 'dynamic' ? 'wasm' : 'webgpu')])).toEqual([
      ['int8', 'dynamic', true],
      ['int8', 'weights', true],
    ]);
    for (const backend of ['wasm', 'webgpu']) {
      expect(entry.variants.filter((v) => v.recommended && v.backends.includes(backend)).length, `${id} ${backend}`).toBeLessThanOrEqual(1);
    }
  }
});

describe.each(manifest.models.filter((m) => m.variants?.length))('$id', (entry) => {
  const fp32 = read(entry.file);

  test.each(entry.variants)('$file: bytes, sha256, signature, and rebuilt byte for byte by the quantizer', (v) => {
    const bytes = read(v.file);
    expect(bytes.length).toBe(v.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.sha256);
    const [a, b] = [inspect(fp32), inspect(bytes)];
    expect({ inputs: b.inputs, outputs: b.outputs }).toEqual({ inputs: a.inputs, outputs: a.outputs });
    const again = quantize(fp32, { mode: v.mode, compactNames: v.quantizer.compactNames as boolean });
    expect(Buffer.compare(again.bytes, bytes)).toBe(0);
    expect(v.quantizer).toMatchObject({ mode: v.mode, nodesQuantized: again.report.summary.nodesQuantized, nodesSkipped: again.report.summary.nodesSkipped });
    if (WEIGHT_HEAVY.includes(entry.id)) expect(v.bytes / entry.bytes).toBeLessThanOrEqual(0.3);
  });

  test.each(entry.variants)('$file: held-out quality inside the gate, as the manifest records', async (v) => {
    const { metrics } = await measureQuality(read(v.file), entry, 'models', { heldOutOnly: true });
    const gate = GATES[entry.id]!(metrics as Record<string, number>, entry.metrics);
    expect(gate.passed, `${entry.id} ${v.mode}: ${gate.value}`).toBe(true);
    for (const key of ['testAccuracy', 'mae', 'frameAgreement', 'decisionAgreementWithFp32']) {
      if (key in v.metrics) expect(metrics[key], key).toBeCloseTo(v.metrics[key]!, 9);
    }
  }, 60_000);
});
