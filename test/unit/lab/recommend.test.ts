// The lab's recommendation: which batch-1 row passes the agreement and quality rules, the fastest of those, and the
// smaller file when it is within 10% of the fastest; the text says what the pick gains or why int8 lost.
import { describe, expect, test } from 'vitest';
import { RULES, recommend } from '../../../demo/lab/recommend.js';
import type { LabRow, Quality } from '../../../demo/lab/types.js';

const FP32 = 800_000;
const INT8 = 200_000;

function row(over: Partial<LabRow> = {}): LabRow {
  const variant = over.variant ?? 'fp32';
  return {
    variant,
    backend: 'wasm',
    threads: 1,
    batch: 1,
    bytes: variant === 'fp32' ? FP32 : INT8,
    loadMs: { cold: 10, warm: 5 },
    firstMs: 2,
    p50Ms: 1,
    p95Ms: 1.5,
    perSecond: 1000,
    runs: 50,
    agreement: variant === 'fp32' ? null : { maxAbsDiff: 0.01, cosine: 0.99999, top1: 1 },
    ...over,
  };
}

const accuracy = (value: number): Quality => ({ kind: 'accuracy', accuracy: value, samples: 2000, confusion: [] });
const mae = (value: number): Quality => ({ kind: 'mae', horizons: [{ months: 12, mae: value, windows: 72 }, { months: 24, mae: value * 3, windows: 60 }] });

test('the rules are plain sentences the page can show', () => {
  expect(RULES.length).toBeGreaterThanOrEqual(4);
  for (const rule of RULES) expect(rule).toMatch(/^[A-Z].+\.$/);
});

test('an int8 pick: bytes and latency against fp32 on the same backend, and its top-1 agreement', () => {
  const rec = recommend([row({ p50Ms: 1 }), row({ variant: 'int8-dynamic', p50Ms: 0.82 })]);
  expect(rec.pick).toEqual({ variant: 'int8-dynamic', backend: 'wasm', threads: 1 });
  expect(rec.text).toBe('int8-dynamic on wasm (1 thread): 25% of the bytes, 0.82× the fp32 latency, 100% top-1 agreement');
});

test('within 10% of the fastest p50, the smaller file wins; beyond it, the faster one', () => {
  const near = recommend([row({ p50Ms: 1 }), row({ variant: 'int8-weights', p50Ms: 1.08 })]);
  expect(near.pick?.variant).toBe('int8-weights');
  expect(near.text).toContain('1.08× the fp32 latency');
  const far = recommend([row({ threads: 4, p50Ms: 1 }), row({ variant: 'int8-weights', threads: 4, p50Ms: 1.3 })]);
  expect(far.pick).toEqual({ variant: 'fp32', backend: 'wasm', threads: 4 });
  expect(far.text).toBe('fp32 on wasm (4 threads): int8-weights was 1.30× slower');
});

test('the fastest backend wins across backends; the comparison is with fp32 on the pick\'s own backend', () => {
  const rows = [
    row({ p50Ms: 2 }), row({ variant: 'int8-dynamic', p50Ms: 1.5 }),
    row({ backend: 'webgpu', threads: 0, p50Ms: 0.5 }), row({ variant: 'int8-weights', backend: 'webgpu', threads: 0, p50Ms: 0.4, agreement: { maxAbsDiff: 0.001, cosine: 0.9999 } }),
  ];
  const rec = recommend(rows);
  expect(rec.pick).toEqual({ variant: 'int8-weights', backend: 'webgpu', threads: 0 });
  expect(rec.text).toBe('int8-weights on webgpu: 25% of the bytes, 0.80× the fp32 latency, cosine 0.9999');
});

describe('the agreement and quality rules', () => {
  test('top-1 agreement below 99% fails a classifier, however fast', () => {
    const rec = recommend([row({ p50Ms: 1 }), row({ variant: 'int8-dynamic', p50Ms: 0.5, agreement: { maxAbsDiff: 0.2, cosine: 0.9999, top1: 0.985 } })]);
    expect(rec.pick?.variant).toBe('fp32');
    expect(rec.text).toBe('fp32 on wasm (1 thread): int8-dynamic missed the quality rule (98.5% top-1 agreement)');
  });

  test('cosine below 0.999 fails a model without classes', () => {
    const rec = recommend([row({ p50Ms: 1 }), row({ variant: 'int8-dynamic', p50Ms: 0.5, agreement: { maxAbsDiff: 0.2, cosine: 0.998 } })]);
    expect(rec.pick?.variant).toBe('fp32');
    expect(rec.text).toContain('int8-dynamic missed the quality rule (cosine 0.9980)');
  });

  test('accuracy more than 0.5 points below fp32 on the same backend fails; exactly 0.5 points passes', () => {
    const rows = (int8: number) => [
      row({ p50Ms: 1, quality: accuracy(0.97) }),
      row({ variant: 'int8-dynamic', p50Ms: 0.8, quality: accuracy(int8) }),
    ];
    expect(recommend(rows(0.9649)).pick?.variant).toBe('fp32');
    expect(recommend(rows(0.9649)).text).toContain('accuracy 96.5% against fp32\'s 97%');
    expect(recommend(rows(0.965)).pick?.variant).toBe('int8-dynamic'); // exactly 0.5 points
  });

  test('quality measured on a batch-16 row of the same cell counts for its batch-1 row', () => {
    const rec = recommend([
      row({ p50Ms: 1, quality: accuracy(0.97) }),
      row({ variant: 'int8-dynamic', p50Ms: 0.8 }),
      row({ variant: 'int8-dynamic', batch: 16, p50Ms: 3, quality: accuracy(0.9) }),
    ]);
    expect(rec.pick?.variant).toBe('fp32');
  });

  test('a 12-month MAE more than 2% above fp32\'s fails', () => {
    const rows = (int8: number) => [row({ p50Ms: 1, quality: mae(0.5) }), row({ variant: 'int8-weights', p50Ms: 0.9, quality: mae(int8) })];
    expect(recommend(rows(0.515)).pick?.variant).toBe('fp32');
    expect(recommend(rows(0.509)).pick?.variant).toBe('int8-weights');
  });

  test('frame agreement below 99% fails, fp32 included (it is judged against fp32 on WASM)', () => {
    const frames = (agreement: number): Quality => ({ kind: 'frames', agreement, frames: 240 });
    const rec = recommend([
      row({ p50Ms: 1, quality: frames(1) }),
      row({ backend: 'webgpu', threads: 0, p50Ms: 0.3, quality: frames(0.6) }),
      row({ variant: 'int8-weights', p50Ms: 0.95, quality: frames(0.985), agreement: { maxAbsDiff: 0.01, cosine: 0.99995 } }),
    ]);
    expect(rec.pick).toEqual({ variant: 'fp32', backend: 'wasm', threads: 1 });
    expect(rec.text).toContain('int8-weights missed the quality rule (98.5% frame agreement)');
  });
});

test('rows at other batch sizes and rows with errors are not considered', () => {
  const rec = recommend([
    row({ p50Ms: 1 }),
    row({ variant: 'int8-dynamic', batch: 16, p50Ms: 0.1 }),
    row({ variant: 'int8-weights', p50Ms: null, error: { code: 'backend-unavailable', message: 'no' } }),
  ]);
  expect(rec.pick?.variant).toBe('fp32');
  expect(rec.text).toBe('fp32 on wasm (1 thread): int8-weights failed (backend-unavailable)');
});

test('nothing ran: the first error message, or that there were no rows', () => {
  const failed = recommend([
    row({ p50Ms: null, error: { code: 'model-fetch-failed', message: 'HTTP 404 for digits' } }),
    row({ variant: 'int8-dynamic', p50Ms: null, error: { code: 'backend-unavailable', message: 'second' } }),
  ]);
  expect(failed).toEqual({ text: 'nothing ran: HTTP 404 for digits' });
  expect(recommend([]).text).toMatch(/^nothing ran: /);
  expect(recommend([]).pick).toBeUndefined();
});

test('when no row passes the rules there is no pick, and the text says why for each', () => {
  const rec = recommend([row({ p50Ms: 1, quality: { kind: 'frames', agreement: 0.5, frames: 240 } })]);
  expect(rec.pick).toBeUndefined();
  expect(rec.text).toContain('fp32 on wasm (1 thread): 50% frame agreement');
});
