import { describe, expect, test } from 'vitest';
import { assign, bucketOf, type Rollout } from '../../../src/store/rollout.js';
import { parseManifest, selectModel } from '../../../src/store/manifest.js';
import { toLoadRequest } from '../../../src/load-options.js';
import { resolveOptions } from '../../../src/options.js';
import { codeOf } from '../code-of.js';
import manifest from '../../../models/manifest.json';

const url = 'https://app.example/models/manifest.json';
const units = Array.from({ length: 100_000 }, (_, i) => `unit-${i}`);
const arms = (rollout: Rollout) => units.map((u) => assign(rollout, bucketOf(rollout.salt ?? '', 'digits', u)).version);

describe('bucketing', () => {
  test('bucketOf is in [0, 1) and the same for the same inputs', () => {
    for (const u of units.slice(0, 1000)) {
      const b = bucketOf('s', 'digits', u);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
      expect(bucketOf('s', 'digits', u)).toBe(b);
    }
    // Pinned values: the hash must not change between releases, or every unit moves.
    expect(bucketOf('', 'digits', 'unit-0')).toBe(0.11959109558031178);
    expect(bucketOf('salt', 'm', 'acct-42')).toBe(0.7871247561233671);
    expect(bucketOf('a', 'b', 'c')).not.toBe(bucketOf('a', 'bc', ''));
  });

  test('100,000 units split within ±1 point of each weight', () => {
    const rollout: Rollout = { stable: '1', variants: [{ version: '2', weight: 0.05 }, { version: '3', weight: 0.2 }] };
    const got = arms(rollout);
    const share = (v: string) => got.filter((x) => x === v).length / units.length;
    expect(Math.abs(share('2') - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(share('3') - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(share('1') - 0.75)).toBeLessThan(0.01);
  });

  test('the same unit always lands in the same arm', () => {
    const rollout: Rollout = { stable: '1', variants: [{ version: '2', weight: 0.3 }] };
    expect(arms(rollout)).toEqual(arms(rollout));
  });

  test('raising a weight 0.1 → 0.2 only moves units into that variant', () => {
    const before = arms({ stable: '1', variants: [{ version: '2', weight: 0.05 }, { version: '3', weight: 0.1 }] });
    const after = arms({ stable: '1', variants: [{ version: '2', weight: 0.05 }, { version: '3', weight: 0.2 }] });
    let moved = 0;
    before.forEach((b, i) => {
      if (b === after[i]) return;
      moved++;
      expect([b, after[i]]).toEqual(['1', '3']); // from stable into the raised variant, never out of it
    });
    expect(moved / units.length).toBeGreaterThan(0.09);
    expect(moved / units.length).toBeLessThan(0.11);
  });

  test('another salt reshuffles', () => {
    const changed = units.filter((u) => Math.abs(bucketOf('a', 'digits', u) - bucketOf('b', 'digits', u)) > 0.01).length;
    expect(changed / units.length).toBeGreaterThan(0.9);
    const a = arms({ stable: '1', variants: [{ version: '2', weight: 0.5 }], salt: 'a' });
    const b = arms({ stable: '1', variants: [{ version: '2', weight: 0.5 }], salt: 'b' });
    const differ = a.filter((x, i) => x !== b[i]).length / units.length;
    expect(differ).toBeGreaterThan(0.45);
    expect(differ).toBeLessThan(0.55);
  });

  test('weights 0 and 1 are exact', () => {
    expect(new Set(arms({ stable: '1', variants: [{ version: '2', weight: 0 }] }))).toEqual(new Set(['1']));
    expect(new Set(arms({ stable: '1', variants: [{ version: '2', weight: 1 }] }))).toEqual(new Set(['2']));
  });
});

const entry = (version: string, extra: object = {}) => ({ id: 'm', version, file: `${version}.onnx`, bytes: 1, sha256: 'a'.repeat(64), ...extra });
const withRollout = (rollout: unknown, at = 0) => ({ models: [entry('1'), entry('2'), entry('3')].map((m, i) => (i === at ? { ...m, rollout } : m)) });

describe('manifest rollout validation', () => {
  test.each<[string, unknown, string]>([
    ['not an object', withRollout('1'), 'models[0].rollout'],
    ['an unknown stable', withRollout({ stable: '9' }), 'models[0].rollout.stable'],
    ['a missing stable', withRollout({ variants: [] }), 'models[0].rollout.stable'],
    ['variants not an array', withRollout({ stable: '1', variants: {} }), 'models[0].rollout.variants'],
    ['an unknown variant', withRollout({ stable: '1', variants: [{ version: '2', weight: 0.1 }, { version: '7', weight: 0.1 }] }), 'models[0].rollout.variants[1].version'],
    ['a negative weight', withRollout({ stable: '1', variants: [{ version: '2', weight: 0.1 }, { version: '3', weight: -0.1 }] }, 2), 'models[2].rollout.variants[1].weight'],
    ['a NaN weight', withRollout({ stable: '1', variants: [{ version: '2', weight: Number.NaN }] }), 'models[0].rollout.variants[0].weight'],
    ['a string weight', withRollout({ stable: '1', variants: [{ version: '2', weight: '0.1' }] }), 'models[0].rollout.variants[0].weight'],
    ['weights over 1', withRollout({ stable: '1', variants: [{ version: '2', weight: 0.6 }, { version: '3', weight: 0.5 }] }), 'models[0].rollout.variants'],
    ['a repeated version', withRollout({ stable: '1', variants: [{ version: '2', weight: 0.1 }, { version: '2', weight: 0.1 }] }), 'models[0].rollout.variants[1].version'],
    ['stable as a variant', withRollout({ stable: '1', variants: [{ version: '1', weight: 0.1 }] }), 'models[0].rollout.variants[0].version'],
    ['a numeric salt', withRollout({ stable: '1', salt: 1 }), 'models[0].rollout.salt'],
    ['a null variant', withRollout({ stable: '1', variants: [null] }), 'models[0].rollout.variants[0]'],
    ['an unknown shadow version', withRollout({ stable: '1', shadow: { version: '9', sampleRate: 0.1 } }), 'models[0].rollout.shadow.version'],
    ['a negative shadow rate', withRollout({ stable: '1', shadow: { version: '2', sampleRate: -0.1 } }), 'models[0].rollout.shadow.sampleRate'],
    ['a shadow rate over 1', withRollout({ stable: '1', shadow: { version: '2', sampleRate: 1.5 } }), 'models[0].rollout.shadow.sampleRate'],
    ['guardrails without minRuns', withRollout({ stable: '1', guardrails: { maxErrorRate: 0.1 } }), 'models[0].rollout.guardrails.minRuns'],
    ['a fractional minRuns', withRollout({ stable: '1', guardrails: { minRuns: 2.5 } }), 'models[0].rollout.guardrails.minRuns'],
    ['a negative maxErrorRate', withRollout({ stable: '1', guardrails: { minRuns: 10, maxErrorRate: -1 } }), 'models[0].rollout.guardrails.maxErrorRate'],
    ['a zero maxP95Ms', withRollout({ stable: '1', guardrails: { minRuns: 10, maxP95Ms: 0 } }), 'models[0].rollout.guardrails.maxP95Ms'],
    ['minAgreement over 1', withRollout({ stable: '1', guardrails: { minRuns: 10, minAgreement: 2 } }), 'models[0].rollout.guardrails.minAgreement'],
    ['a zero agreement sample rate', withRollout({ stable: '1', guardrails: { minRuns: 10, sampleRate: 0 } }), 'models[0].rollout.guardrails.sampleRate'],
    ['two rollouts for one id', { models: [entry('1', { rollout: { stable: '1' } }), entry('2', { rollout: { stable: '2' } })] }, 'models[1].rollout'],
  ])('rejects %s with manifest-invalid naming the field', (_, value, field) => {
    expect(codeOf(() => parseManifest(value, url))).toBe('manifest-invalid');
    expect(() => parseManifest(value, url)).toThrow(field);
  });

  test('a version of another id is not a version of this one', () => {
    const value = { models: [entry('1', { rollout: { stable: '1', variants: [{ version: '5', weight: 0.1 }] } }), { ...entry('5'), id: 'other' }] };
    expect(() => parseManifest(value, url)).toThrow('models[0].rollout.variants[0].version');
  });

  test('a valid rollout parses, weights summing to 1 with float error included', () => {
    expect(() => parseManifest(withRollout({ stable: '1', variants: [{ version: '2', weight: 0.1 }, { version: '3', weight: 0.9 }], salt: 'x' }, 1), url)).not.toThrow();
    expect(() => parseManifest(withRollout({ stable: '3', variants: [{ version: '1', weight: 0.7 }, { version: '2', weight: 0.2 + 0.1 }] }), url)).not.toThrow();
    const full = { stable: '1', variants: [{ version: '2', weight: 0.05 }], shadow: { version: '3', sampleRate: 0.1 }, guardrails: { minRuns: 50, maxErrorRate: 0.01, maxP95Ms: 20, minAgreement: 0.95, sampleRate: 0.2, tolerance: 1e-2 } };
    expect(parseManifest(withRollout(full), url).models[0]!.rollout).toEqual(full);
  });
});

describe('selectModel', () => {
  test('an old manifest: the first entry, arm stable, for every unit', () => {
    const parsed = parseManifest(manifest, url);
    for (const u of ['a', 'b', 'c']) expect(selectModel(parsed, 'digits', u, url)).toMatchObject({ entry: { version: '1.0.0' }, assignment: { version: '1.0.0', arm: 'stable' } });
  });

  test('several entries without a rollout: the first listed wins', () => {
    const parsed = parseManifest({ models: [entry('2'), entry('1')] }, url);
    expect(selectModel(parsed, 'm', 'u', url).entry.version).toBe('2');
  });

  test('with a rollout, the bucket picks the entry and names stable to fall back to', () => {
    const parsed = parseManifest(withRollout({ stable: '1', variants: [{ version: '2', weight: 0.5 }], salt: 's' }, 2), url);
    const inVariant = units.find((u) => bucketOf('s', 'm', u) < 0.5)!;
    const inStable = units.find((u) => bucketOf('s', 'm', u) >= 0.5)!;
    expect(selectModel(parsed, 'm', inVariant, url)).toMatchObject({ entry: { version: '2' }, assignment: { version: '2', arm: 'variant' }, stable: { version: '1' } });
    const stable = selectModel(parsed, 'm', inStable, url);
    expect(stable).toMatchObject({ entry: { version: '1' }, assignment: { version: '1', arm: 'stable' } });
    expect(stable.stable).toBeUndefined();
  });

  test('a variant remembered as rolled back gives stable, with where from and why; another version does not', () => {
    const parsed = parseManifest(withRollout({ stable: '1', variants: [{ version: '2', weight: 1 }] }), url);
    expect(selectModel(parsed, 'm', 'u', url, { version: '2', reason: 'max-p95-ms: 40 ms' })).toEqual({
      entry: expect.objectContaining({ version: '1' }),
      assignment: { version: '1', arm: 'rolled-back', from: '2', reason: 'max-p95-ms: 40 ms' },
      rollout: expect.objectContaining({ stable: '1' }),
    });
    expect(selectModel(parsed, 'm', 'u', url, { version: '3', reason: 'x' }).assignment).toEqual({ version: '2', arm: 'variant' });
  });

  test('an unknown id is still model-unknown', () => {
    expect(codeOf(() => selectModel(parseManifest(withRollout({ stable: '1' }), url), 'nope', 'u', url))).toBe('model-unknown');
  });
});

describe('unitId option', () => {
  const runtime = resolveOptions({ manifest: '/models/manifest.json' });
  const request = (unitId: unknown) => toLoadRequest('digits', { unitId } as never, runtime, 'https://app.example/', () => 'x').request;

  test('is passed to the worker', () => {
    expect(request('acct-1').unitId).toBe('acct-1');
    expect(request(undefined).unitId).toBeUndefined();
  });

  test.each([[''], ['x'.repeat(257)], [42], [null]])('rejects %j with options-invalid', (value) => {
    expect(codeOf(() => request(value))).toBe('options-invalid');
  });
});
